"""The entry and score-sheet exports build their rows from plain values (``registration.exporters.
_rows_of_values``, ``review.exporters.score_value_rows``): the same rows, cell for cell, as
``entry_row`` and ``score_row`` build from the objects — enterprise and maker-team entries,
duplicate flags, members' phones masked; submitted, draft and unscored sheets."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contest.registration import selectors, services
from contest.registration.enums import Industry
from contest.registration.exporters import ENTRY_COLUMNS, entry_row, entry_rows, labels
from contest.registration.models import DuplicateFlag, Entry
from contest.review import exporters as review_exporters
from contest.review import services as review_services
from contest.review.enums import AssignmentSource
from contest.review.models import Assignment
from tests.registration.factories import (
    ENTRY,
    organizer_for,
    pdf_bytes,
    submitted_entry,
    user,
)
from tests.review.test_organizer_views import build_season, open_round, score

pytestmark = pytest.mark.integration


def maker_entry(event):
    owner = user()
    services.save_team(by=owner, data={"name": "甬江创客队", "leader_name": "陈晨", "leader_phone": "+8613600000001",
                                       "division": "330200", "declares_not_enterprise": True},
                       members=[{"name": "李雷", "role": "算法", "phone": "13600000002"},
                                {"name": "韩梅梅", "role": "", "phone": "+8613600000003"}])  # fmt: skip
    entry = services.create_entry(by=owner, event=event, group_code="maker", data={"title": "海洋垃圾识别"})
    services.update_entry(by=owner, entry=entry, data={**ENTRY, "title": "海洋垃圾识别"},
                          business_plan=("计划书.pdf", pdf_bytes()))  # fmt: skip
    services.submit_entry(by=owner, entry=entry)
    return entry


def test_rows_from_values_equal_rows_from_objects(ningbo, django_assert_max_num_queries):
    organizer = organizer_for(ningbo, "ningbo-org")
    first = submitted_entry(ningbo, title='=HYPERLINK("http://x")')
    second = submitted_entry(ningbo, title="港口集卡智能调度平台", ip_list=[])
    team = maker_entry(ningbo)
    DuplicateFlag.objects.create(entry=second, other=first, score="0.900", field="title")

    queryset = selectors.export_entries(organizer, ningbo)
    expected = [entry_row(e, labels()) for e in queryset]
    with django_assert_max_num_queries(2):  # the entries, then one chunk's team members
        rows = list(entry_rows(entries=selectors.export_entries(organizer, ningbo)))

    assert rows == expected
    assert sorted(r["项目名称"] for r in rows) == sorted(e.title for e in (first, second, team))
    by_title = {r["项目名称"]: r for r in rows}
    assert by_title["海洋垃圾识别"]["团队成员"] == [
        "李雷（算法，136****0002）",
        "韩梅梅（成员，136****0003）",
    ]
    assert by_title["海洋垃圾识别"]["负责人手机"] == "13600000001"
    assert by_title["港口集卡智能调度平台"]["疑似重复"] == 1
    assert set(rows[0]) <= set(ENTRY_COLUMNS)


def test_score_rows_from_values_equal_rows_from_objects(ningbo):
    """The notary's score sheets (``review.exporters.score_value_rows``): a submitted sheet, a draft
    and an assignment not yet scored give the rows ``score_row`` gives from the objects."""
    season = build_season(ningbo, n_entries=3, n_judges=3, k=2)
    open_round(season)
    score(season, {(0, 1): 20, (1, 2): 25})
    score(season, {(2, 0): 15}, submit=False)
    rubric = review_services.rubric_of(season.round)

    expected = [(a.expert_id, review_exporters.score_row(a, rubric))
                for a in review_exporters.score_assignments(season.round)]  # fmt: skip
    rows = list(review_exporters.score_value_rows(season.round, rubric))

    assert rows == expected
    assert len(rows) == 6
    assert sorted(row["状态"] for _, row in rows) == ["已提交", "已提交", "未评", "未评", "未评", "草稿"]
    assert sum(len(r) for _, _, r in review_exporters.judge_sheets(season.round)) == 6


def reference_ranking_rows(round_) -> list[dict]:
    """The ranking export as it was built before (``compute_rows`` over every sheet as objects)."""
    rows = review_services.compute_rows(round_)
    entries = {re.entry_id: re for re in round_.round_entries.select_related("entry__group", "entry__enterprise",
                                                                              "entry__team")}  # fmt: skip
    names = dict(round_.round_judges.values_list("expert_id", "expert__name"))
    codes = {re.entry_id: re.code for re in entries.values()}
    out = []
    for _group, industry, items in review_services.ranking_buckets(round_, rows):
        for item in items:
            re = entries[item["entry"]]
            judges = sorted((names.get(j["expert"], str(j["expert"])), j["total"]) for j in item["judges"])
            out.append({
                "组别": re.entry.group.name, "行业": Industry(industry).label if industry else "全部",
                "排名": item["rank"], "匿名编号": re.code, "报名编号": re.entry.number, "项目名称": re.entry.title,
                "参赛主体": review_exporters.entrant_name(re.entry), "合成得分": Decimal(str(item["value"])),
                "未取整得分": Decimal(str(item["exact"])), "评分数": item["n_scores"],
                "评分不足": "是" if item["too_few"] else "否", "并列": [codes.get(t, str(t)) for t in item["tied_with"]],
                "各评审得分": [f"{name} {total}" for name, total in judges],
            })  # fmt: skip
    return out


@pytest.mark.parametrize("by_industry", [False, True])
def test_ranking_rows_from_sql_equal_rows_from_compute_rows(ningbo, by_industry):
    """The ranking export reads ``ranking_sql``'s ranking: the rows (ties, too few scores, the
    industry buckets re-ranked) are those ``compute_rows`` gave."""
    season = build_season(ningbo, n_entries=4, n_judges=3, k=2, rank_by_industry=by_industry)
    open_round(season)
    score(season, {(0, 1): 20, (0, 2): 22, (1, 0): 21, (1, 2): 21, (2, 0): 25})  # 0 and 1 tie; 2 has too few
    Entry.objects.filter(pk=season.entries[1].pk).update(industry="C")

    rows = [{**r, "行业": str(r["行业"])} for r in review_exporters.ranking_rows(round=season.round)]
    expected = [{**r, "行业": str(r["行业"])} for r in reference_ranking_rows(season.round)]

    assert rows == expected
    assert len(rows) == (8 if by_industry else 4)
    assert [r["评分不足"] for r in rows[:4]].count("是") == 2


def test_assignment_rows_from_values_equal_rows_from_objects(ningbo):
    season = build_season(ningbo, n_entries=3, n_judges=3, k=2)
    open_round(season)
    score(season, {(0, 1): 20})
    score(season, {(1, 2): 25}, submit=False)

    expected = []
    for a in (
        Assignment.objects.filter(round=season.round)
        .select_related("expert", "sheet", "round_entry__entry__enterprise", "round_entry__entry__team")
        .order_by("round_entry__code", "expert__name", "expert_id")
    ):
        entry, sheet = a.round_entry.entry, review_exporters._sheet(a)
        expected.append({
            "匿名编号": a.round_entry.code, "报名编号": entry.number, "项目名称": entry.title,
            "参赛主体": review_exporters.entrant_name(entry), "行业": entry.industry, "评审专家": a.expert.name,
            "工作单位": a.expert.organization_name, "专家类别": a.expert.get_kind_display(), "匹配度": a.match_score,
            "来源": str(AssignmentSource(a.source).label),
            "评分状态": review_exporters.SHEET_STATES[sheet.status if sheet else "pending"], "分配时间": a.created_at,
        })  # fmt: skip

    rows = list(review_exporters.assignment_rows(round=season.round))

    assert rows == expected
    assert sorted(r["评分状态"] for r in rows) == ["已提交", "未评", "未评", "未评", "未评", "草稿"]
