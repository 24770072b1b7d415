"""Exact numbers of every figure on the season of tests/statistics/season.py, per scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contest.registration import services as reg
from contest.statistics import selectors
from contest.statistics.scope import stats_scope_for_user

from ..registration.factories import user
from .season import at, build_season

pytestmark = pytest.mark.integration


@pytest.fixture
def season(ningbo):
    return build_season(ningbo)


def counts(rows) -> list[tuple[str, int]]:
    return [(r.label, r.count) for r in rows]


def test_timeline_counts_beijing_days_across_midnight(season):
    scope = stats_scope_for_user(season.secretariat)

    rows = selectors.entries_over_time(scope)

    assert [(r.day, r.created, r.submitted, r.created_total, r.submitted_total) for r in rows] == [
        (date(2024, 7, 1), 3, 2, 3, 2),
        (date(2024, 7, 2), 2, 3, 5, 5),
        (date(2024, 7, 3), 4, 2, 9, 7),
        (date(2024, 7, 4), 0, 1, 9, 8),
    ]


def test_timeline_of_an_organizer_counts_only_their_event(season):
    scope = stats_scope_for_user(season.tianjin_org)

    rows = selectors.entries_over_time(scope)

    assert [(r.day, r.created, r.submitted) for r in rows] == [
        (date(2024, 7, 1), 1, 1),
        (date(2024, 7, 2), 0, 0),
        (date(2024, 7, 3), 1, 0),
        (date(2024, 7, 4), 0, 1),
    ]


def test_categories_count_registrations_without_drafts_and_withdrawn(season):
    scope = stats_scope_for_user(season.secretariat)

    by_event = selectors.entries_by_event(scope)

    assert counts(by_event)[:3] == [
        (season.ningbo.name, 5),
        (season.tianjin.name, 2),
        (scope.events[0].name, 0),
    ]
    assert len(by_event) == len(scope.events) == 50
    assert counts(selectors.entries_by_province(scope)) == [("浙江省", 4), ("天津市", 2), ("江苏省", 1)]
    assert counts(selectors.entries_by_group(scope)) == [("企业组", 6), ("创客组", 1)]
    assert counts(selectors.entries_by_industry(scope)) == [
        ("I 信息传输、软件和信息技术服务业", 3),
        ("C 制造业", 2),
        ("M 科学研究和技术服务业", 2),
    ]


def test_status_counts_every_entry_in_lifecycle_order(season):
    scope = stats_scope_for_user(season.secretariat)

    assert counts(selectors.entries_by_status(scope)) == [
        ("草稿", 1),
        ("已提交", 2),
        ("退回修改", 1),
        ("已重新提交", 0),
        ("资格审查通过", 3),
        ("资格审查未通过", 1),
        ("已撤回", 1),
    ]


def test_organizer_of_ningbo_sees_only_ningbo(season):
    scope = stats_scope_for_user(season.ningbo_org)

    assert [e.pk for e in scope.events] == [season.ningbo.pk]
    assert counts(selectors.entries_by_event(scope)) == [(season.ningbo.name, 5)]
    assert counts(selectors.entries_by_province(scope)) == [("浙江省", 4), ("江苏省", 1)]
    assert [r.count for r in selectors.entries_by_status(scope)] == [1, 1, 1, 0, 2, 1, 1]


def test_group_and_event_filters_narrow_every_figure(season):
    scope = stats_scope_for_user(season.secretariat, event=str(season.ningbo.pk), group="maker")

    assert counts(selectors.entries_by_event(scope)) == [(season.ningbo.name, 1)]
    assert counts(selectors.entries_by_group(scope)) == [("创客组", 1)]
    assert counts(selectors.entries_by_province(scope)) == [("浙江省", 1)]
    assert [(s.key, s.count) for s in selectors.funnel(scope)][:3] == [
        ("registered", 1),
        ("submitted", 1),
        ("qualified", 0),
    ]
    assert [(r.name, r.entries, r.assignments) for r in selectors.review_progress(scope)] == [
        ("网络初评", 0, 0)
    ]


def test_funnel_counts_distinct_entries_per_stage(season):
    scope = stats_scope_for_user(season.secretariat)

    rows = selectors.funnel(scope)

    expected = [
        ("registered", 9),
        ("submitted", 8),
        ("qualified", 3),
        ("reviewed", 2),
        ("advanced", 1),
        ("finalist", 1),
        ("awarded", 1),
    ]
    assert [(r.key, r.count) for r in rows] == expected
    assert [(r.of_registered, r.of_previous) for r in rows[:3]] == [
        (Decimal("100.0"), None),
        (Decimal("88.9"), Decimal("88.9")),
        (Decimal("33.3"), Decimal("37.5")),
    ]


def test_funnel_of_each_organizer(season):
    ningbo = [r.count for r in selectors.funnel(stats_scope_for_user(season.ningbo_org))]
    tianjin = [r.count for r in selectors.funnel(stats_scope_for_user(season.tianjin_org))]

    assert ningbo == [7, 6, 2, 2, 1, 1, 1]
    assert tianjin == [2, 2, 1, 0, 0, 0, 0]


def test_funnel_drops_a_qualified_entry_reopened_by_override(season):
    with at(7, 11, 9):
        reg.reopen_entry(by=season.tianjin_org, entry=season.e["t1"], reason="材料存疑，重新审查")

    rows = selectors.funnel(stats_scope_for_user(season.tianjin_org))

    assert [r.count for r in rows][:3] == [2, 2, 0]


def test_funnel_advanced_stage_drops_an_advanced_entry_reopened_by_override(season):
    with at(8, 2, 9):
        reg.reopen_entry(by=season.ningbo_org, entry=season.e["n1"], reason="材料存疑，重新审查")

    rows = selectors.funnel(stats_scope_for_user(season.ningbo_org))

    assert [(r.key, r.count) for r in rows][2:5] == [("qualified", 1), ("reviewed", 2), ("advanced", 0)]


def test_review_progress_per_round(season):
    scope = stats_scope_for_user(season.secretariat)

    rows = selectors.review_progress(scope)

    assert [
        (
            r.event,
            r.name,
            r.status,
            r.entries,
            r.assignments,
            r.submitted,
            r.complete,
            r.judges_done,
            r.judges_total,
        )
        for r in rows
    ] == [
        (season.tianjin.name, "网络初评", "评审中", 1, 1, 0, Decimal("0.0"), 0, 1),
        (season.ningbo.name, "网络初评", "结果已发布", 2, 4, 3, Decimal("75.0"), 1, 2),
    ]


def test_review_progress_of_an_organizer_has_only_their_rounds(season):
    rows = selectors.review_progress(stats_scope_for_user(season.ningbo_org))

    assert [(r.event, r.submitted) for r in rows] == [(season.ningbo.name, 3)]


def test_scope_is_none_for_entrants_judges_and_strangers(season):
    entrant = season.e["n1"].owner
    judge = season.judges[0].user

    assert [stats_scope_for_user(u) for u in (entrant, judge, user())] == [None, None, None]


def test_scope_refuses_another_organizers_event_and_unknown_values(season):
    ningbo_org = season.ningbo_org

    assert stats_scope_for_user(ningbo_org, event=str(season.tianjin.pk)) is None
    assert stats_scope_for_user(ningbo_org, event="x") is None
    assert stats_scope_for_user(ningbo_org, event="99999999999") is None
    assert stats_scope_for_user(ningbo_org, group="nope") is None
    assert stats_scope_for_user(ningbo_org, edition="8") is None
    assert stats_scope_for_user(ningbo_org, event=str(season.ningbo.pk)).event == season.ningbo


def test_empty_scope_has_no_days_and_zero_funnel(ningbo):
    from .season import secretariat_of

    scope = stats_scope_for_user(secretariat_of(ningbo.edition))

    assert selectors.entries_over_time(scope) == []
    assert {r.count for r in selectors.funnel(scope)} == {0}
    assert selectors.review_progress(scope) == []


def test_national_rounds_count_for_the_secretariat_only(season):
    from contest.review import services as review

    with at(8, 20, 9):
        review.create_round(
            by=season.secretariat,
            edition=season.ningbo.edition,
            event=None,
            data={"name": "全国500强评审", "stage": "national"},
        )

    secretariat = selectors.review_progress(stats_scope_for_user(season.secretariat))
    filtered = selectors.review_progress(
        stats_scope_for_user(season.secretariat, event=str(season.ningbo.pk))
    )
    organizer = selectors.review_progress(stats_scope_for_user(season.ningbo_org))

    assert [(r.event, r.name, r.complete) for r in secretariat] == [
        (season.tianjin.name, "网络初评", Decimal("0.0")),
        (season.ningbo.name, "网络初评", Decimal("75.0")),
        ("全国评审", "全国500强评审", None),
    ]
    assert [r.name for r in filtered] == [r.name for r in organizer] == ["网络初评"]
