import pytest

from contest.awards import selectors, services
from contest.awards.enums import AwardSource, AwardStatus, TiePolicy
from contest.awards.models import Award
from contest.awards.plans import PlanLine, TieAtBoundary
from contest.core.errors import Conflict

from .builders import PLAN_1_2_3_REST, enterprise_group, finished_session

pytestmark = pytest.mark.integration

# Trimmed mean of five judges (the session's default): drop the highest and the lowest.
SEVEN = [
    ["90", "91", "92", "93", "94"],  # 92.00
    ["80", "81", "82", "83", "84"],  # 82.00
    ["85", "86", "87", "88", "89"],  # 87.00
    ["70", "71", "72", "73", "74"],  # 72.00
    ["60", "61", "62", "63", "64"],  # 62.00
    ["75", "76", "77", "78", "79"],  # 77.00
    ["50", "51", "52", "53", "54"],  # 52.00
]


def awarded(event) -> list[tuple[int, str, int, int]]:
    return list(
        Award.objects.filter(event=event).order_by("level__rank", "order")
        .values_list("entry_id", "level__name", "order", "source_rank")
    )  # fmt: skip


def test_plan_from_a_finished_session_stages_levels_by_rank(ningbo):
    session, entries, organizer = finished_session(ningbo, SEVEN)
    group = enterprise_group(ningbo)

    made = services.stage_awards_from_plan(by=organizer, event=ningbo, group=group, plan=PLAN_1_2_3_REST,
                                           session=session)  # fmt: skip

    e = entries
    assert len(made) == 7
    assert awarded(ningbo) == [
        (e[0].pk, "一等奖", 1, 1), (e[2].pk, "二等奖", 1, 2), (e[1].pk, "二等奖", 2, 3),
        (e[5].pk, "三等奖", 1, 4), (e[3].pk, "三等奖", 2, 5), (e[4].pk, "三等奖", 3, 6), (e[6].pk, "优胜奖", 1, 7),
    ]  # fmt: skip
    assert set(Award.objects.values_list("status", "source", "source_ref")) == {
        (AwardStatus.STAGED, AwardSource.SESSION, f"session:{session.pk}")
    }


def test_plan_tie_at_a_boundary_is_refused_then_shared_on_request(ningbo):
    # The 2nd and 3rd entries score identically with every judge: only the speaking order separates them.
    tied = [["90", "91", "92", "93", "94"], ["85", "86", "87", "88", "89"], ["85", "86", "87", "88", "89"],
            ["70", "71", "72", "73", "74"]]  # fmt: skip
    session, entries, organizer = finished_session(ningbo, tied)
    group = enterprise_group(ningbo)
    plan = [PlanLine("一等奖", 1), PlanLine("二等奖", 1), PlanLine("三等奖", None)]

    with pytest.raises(TieAtBoundary) as caught:
        services.stage_awards_from_plan(by=organizer, event=ningbo, group=group, plan=plan, session=session)
    assert {r.entry_id for r in caught.value.tied} == {entries[1].pk, entries[2].pk}
    assert Award.objects.count() == 0

    services.stage_awards_from_plan(by=organizer, event=ningbo, group=group, plan=plan, session=session,
                                    ties=TiePolicy.SHARE)  # fmt: skip

    e = entries
    # Within a level, equal ranks follow the registration number (the draw decides speaking order,
    # so which tied entry spoke first varies with the numbers).
    first, second = sorted(e[1:3], key=lambda entry: entry.number)
    assert awarded(ningbo) == [
        (e[0].pk, "一等奖", 1, 1), (first.pk, "二等奖", 1, 2), (second.pk, "二等奖", 2, 2), (e[3].pk, "三等奖", 1, 4),
    ]  # fmt: skip


def test_plan_rerun_replaces_staged_awards_and_is_refused_after_confirmation(ningbo):
    session, _entries, organizer = finished_session(ningbo, SEVEN[:3])
    group = enterprise_group(ningbo)
    services.stage_awards_from_plan(
        by=organizer, event=ningbo, group=group, plan=PLAN_1_2_3_REST, session=session
    )

    services.stage_awards_from_plan(by=organizer, event=ningbo, group=group,
                                    plan=[PlanLine("一等奖", 3)], session=session)  # fmt: skip
    assert [a[1] for a in awarded(ningbo)] == ["一等奖", "一等奖", "一等奖"]

    services.confirm_awards(by=organizer, event=ningbo, group=group)
    with pytest.raises(Conflict):
        services.stage_awards_from_plan(by=organizer, event=ningbo, group=group, plan=PLAN_1_2_3_REST,
                                        session=session)  # fmt: skip
    assert len(selectors.award_list_rows(event=ningbo, group=group)) == 3


def test_plan_from_an_unfinished_session_is_refused(ningbo):
    from ..finals.factories import session_with

    session, _entries, _panel, _organizer = session_with(ningbo, entries=2, status="live")

    with pytest.raises(Conflict):
        services.plan_awards(
            event=ningbo, group=enterprise_group(ningbo), plan=PLAN_1_2_3_REST, session=session
        )


def test_plan_from_a_published_review_ranking_keeps_its_ties(ningbo):
    from contest.review import services as review
    from contest.review.enums import RoundStatus
    from contest.review.models import RankingSnapshot

    from ..review.factories import expert, qualified_entries
    from ..review.judging import assignment_of, judging_round

    entries, organizer = qualified_entries(ningbo, 4)
    judge = expert(organizer)
    round_ = judging_round(
        ningbo, organizer, entries=entries, judges=[judge], pairs=[(i, 0) for i in range(4)]
    )
    sheets = [
        {
            "innovation": "28",
            "business_model": "18",
            "market": "18",
            "team": "18",
            "finance_social": "9",
        },  # 91
        {
            "innovation": "25",
            "business_model": "15",
            "market": "16",
            "team": "17",
            "finance_social": "8",
        },  # 81
        {
            "innovation": "25",
            "business_model": "15",
            "market": "16",
            "team": "17",
            "finance_social": "8",
        },  # 81
        {
            "innovation": "20",
            "business_model": "10",
            "market": "10",
            "team": "10",
            "finance_social": "5",
        },  # 55
    ]
    for entry, scores in zip(entries, sheets, strict=True):
        review.save_sheet(
            by=judge.user, assignment=assignment_of(round_, entry, judge), scores=scores, submit=True
        )
    review.set_round_status(by=organizer, round=round_, to=RoundStatus.CLOSED)
    review.publish_advancement(by=organizer, round=round_)
    snapshot = RankingSnapshot.objects.get(round=round_, group_code="enterprise", published_at__isnull=False)
    group = enterprise_group(ningbo)
    plan = [PlanLine("一等奖", 1), PlanLine("二等奖", 1), PlanLine("优胜奖", None)]

    with pytest.raises(TieAtBoundary) as caught:
        services.plan_awards(event=ningbo, group=group, plan=plan, snapshot=snapshot)
    placed = services.plan_awards(
        event=ningbo, group=group, plan=plan, snapshot=snapshot, ties=TiePolicy.SHARE
    )

    assert {r.entry_id for r in caught.value.tied} == {entries[1].pk, entries[2].pk}
    second, third = sorted(entries[1:3], key=lambda e: e.number)
    assert [(p.entry_id, p.level, p.rank) for p in placed] == [
        (entries[0].pk, "一等奖", 1), (second.pk, "二等奖", 2), (third.pk, "二等奖", 2), (entries[3].pk, "优胜奖", 4),
    ]  # fmt: skip
