from decimal import Decimal

import pytest

from contest.awards.enums import TiePolicy
from contest.awards.plans import PlanLine, Ranked, TieAtBoundary, apply_plan, check_plan, parse_count
from contest.core.errors import ValidationFailed

PLAN = [PlanLine("一等奖", 1), PlanLine("二等奖", 2), PlanLine("三等奖", 3), PlanLine("优胜奖", None)]


def ranking(*ranks: int | None) -> list[Ranked]:
    return [Ranked(entry_id=i, rank=r, number=f"N{i:03d}", title=f"项目{i}", score=Decimal(90 - i))
            for i, r in enumerate(ranks, start=1)]  # fmt: skip


def levels(placed) -> list[tuple[int, str, int]]:
    return [(p.entry_id, p.level, p.order) for p in placed]


@pytest.mark.unit
def test_apply_plan_without_ties_gives_cumulative_places():
    result = apply_plan(ranking(1, 2, 3, 4, 5, 6, 7, 8), PLAN)

    assert levels(result) == [
        (1, "一等奖", 1), (2, "二等奖", 1), (3, "二等奖", 2), (4, "三等奖", 1), (5, "三等奖", 2), (6, "三等奖", 3),
        (7, "优胜奖", 1), (8, "优胜奖", 2),
    ]  # fmt: skip


@pytest.mark.unit
def test_apply_plan_tie_at_boundary_is_refused_naming_the_tied_entries():
    with pytest.raises(TieAtBoundary) as caught:
        apply_plan(ranking(1, 2, 3, 3, 5, 6, 7), PLAN)

    assert caught.value.level == "二等奖"
    assert [r.entry_id for r in caught.value.tied] == [3, 4]
    assert "N003《项目3》" in caught.value.message
    assert "N004《项目4》" in caught.value.message


@pytest.mark.unit
def test_apply_plan_shared_tie_gives_both_the_higher_level_and_shrinks_the_next():
    result = apply_plan(ranking(1, 2, 3, 3, 5, 6, 7), PLAN, ties=TiePolicy.SHARE)

    assert levels(result) == [
        (1, "一等奖", 1), (2, "二等奖", 1), (3, "二等奖", 2), (4, "二等奖", 3), (5, "三等奖", 1), (6, "三等奖", 2),
        (7, "优胜奖", 1),
    ]  # fmt: skip


@pytest.mark.unit
def test_apply_plan_tie_inside_a_level_is_not_a_boundary():
    result = apply_plan(ranking(1, 2, 2, 4), [PlanLine("一等奖", 1), PlanLine("二等奖", 2)])

    assert levels(result) == [(1, "一等奖", 1), (2, "二等奖", 1), (3, "二等奖", 2)]


@pytest.mark.unit
def test_apply_plan_without_rest_line_leaves_the_others_out_and_refuses_a_tie_at_the_end():
    short = [PlanLine("一等奖", 1), PlanLine("二等奖", 1)]

    assert levels(apply_plan(ranking(1, 2, 3), short)) == [(1, "一等奖", 1), (2, "二等奖", 1)]
    with pytest.raises(TieAtBoundary):
        apply_plan(ranking(1, 2, 2), short)


@pytest.mark.unit
def test_apply_plan_skips_unranked_entries():
    result = apply_plan(ranking(None, 1, 2), [PlanLine("一等奖", 1), PlanLine("优胜奖", None)])

    assert levels(result) == [(2, "一等奖", 1), (3, "优胜奖", 1)]


@pytest.mark.unit
def test_check_plan_refuses_rest_not_last_and_duplicates():
    with pytest.raises(ValidationFailed) as caught:
        check_plan([PlanLine("优胜奖", None), PlanLine("一等奖", 1), PlanLine("一等奖", 2)])

    assert caught.value.errors == [
        "同一奖项等级在方案中出现了两次。",
        "“优胜奖”取其余全部项目，只能是方案的最后一个等级。",
    ]


@pytest.mark.unit
def test_parse_count_reads_numbers_and_rest():
    assert [parse_count("3"), parse_count("其余"), parse_count(" 0 ")] == [3, None, 0]
    with pytest.raises(ValidationFailed):
        parse_count("三")
