"""The review demo: built through the services on top of the catalog (and, when present, the
registration demo), idempotent, with printed judge logins that work."""

from __future__ import annotations

import io

import pytest

from contest.accounts import demo as accounts_demo
from contest.accounts.models import User
from contest.review import demo
from contest.review.enums import SheetStatus
from contest.review.models import Assignment, Expert, RankingSnapshot, ReviewRound, ScoreSheet

pytestmark = pytest.mark.integration


@pytest.fixture
def built(edition9):
    accounts_demo.build(stage="review", stdout=io.StringIO())
    out = io.StringIO()
    logins = demo.build(stage="review", stdout=out)
    return logins, out.getvalue()


def test_demo_builds_a_round_per_event_with_scores_and_a_snapshot(built):
    logins, output = built
    assert logins == [
        ("评审专家 judge (宁波, 技术)", "demo-judge-1", "cnmaker-demo-2024"),
        ("评审专家 judge (宁波, 产业)", "demo-judge-2", "cnmaker-demo-2024"),
        ("评审专家 judge (宁波, 投资)", "demo-judge-3", "cnmaker-demo-2024"),
    ]
    rounds = list(ReviewRound.objects.select_related("event").order_by("event__seq"))
    assert [(r.event.seq, r.name, r.status, r.judges_per_entry) for r in rounds] == [
        (30, "网络初评（演示）", "open", 5), (33, "网络初评（演示）", "open", 3),
    ]  # fmt: skip
    for r in rounds:
        entries = r.round_entries.count()
        assert entries >= 12
        assert r.assignments.count() == entries * r.judges_per_entry
        sheets = ScoreSheet.objects.filter(assignment__round=r)
        submitted = sheets.filter(status=SheetStatus.SUBMITTED).count()
        assert submitted > 0.75 * r.assignments.count() - 3
        assert sheets.filter(status=SheetStatus.DRAFT).exists()
        assert RankingSnapshot.objects.filter(round=r).exists()
    assert Expert.objects.count() == 16
    assert set(Expert.objects.values_list("kind", flat=True)) == {"technical", "industry", "investment"}
    assert "新增并通过资格审查 12 个项目" in output


def test_demo_judges_can_sign_in_and_have_work_left(built):
    person = User.objects.get(username="demo-judge-1")
    assert person.check_password("cnmaker-demo-2024")
    assert list(person.roles.values_list("kind", flat=True)) == ["judge"]
    mine = Assignment.objects.filter(expert__user=person)
    assert mine.exclude(sheet__status=SheetStatus.SUBMITTED).count() >= 3
    assert not User.objects.get(username="demo-judge-2").check_password("x")


def test_investor_on_every_ningbo_entry(built):
    ningbo = ReviewRound.objects.get(event__seq=30)
    for re in ningbo.round_entries.all():
        kinds = set(Assignment.objects.filter(round_entry=re).values_list("expert__kind", flat=True))
        assert "investment" in kinds, re.code


def test_demo_is_idempotent(built):
    counts = (Expert.objects.count(), ReviewRound.objects.count(), Assignment.objects.count(),
              ScoreSheet.objects.count(), RankingSnapshot.objects.count(), User.objects.count())  # fmt: skip
    logins = demo.build(stage="finals", stdout=io.StringIO())
    assert [login for _, login, _ in logins] == ["demo-judge-1", "demo-judge-2", "demo-judge-3"]
    assert (Expert.objects.count(), ReviewRound.objects.count(), Assignment.objects.count(),
            ScoreSheet.objects.count(), RankingSnapshot.objects.count(), User.objects.count()) == counts  # fmt: skip


def test_demo_skips_earlier_stages(edition9):
    assert demo.build(stage="registration", stdout=io.StringIO()) == []
    assert not ReviewRound.objects.exists()
