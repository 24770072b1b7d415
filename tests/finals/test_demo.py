"""The finals demo: built through the services on the review demo, idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from contest.accounts.models import User
from contest.finals.enums import SessionStatus, SlotStatus
from contest.finals.models import (
    DrawRecord,
    LiveScore,
    RoadshowSession,
    ScoreCorrection,
    SessionJudge,
    SessionSlot,
)
from contest.review.enums import RoundStatus
from contest.review.models import ReviewRound
from contest.review.rankings import compute_rows
from contest.review.selectors import advanced_decisions

pytestmark = pytest.mark.integration


def counts() -> tuple[int, ...]:
    return (RoadshowSession.objects.count(), SessionSlot.objects.count(), SessionJudge.objects.count(),
            DrawRecord.objects.count(), LiveScore.objects.count(), ScoreCorrection.objects.count(),
            User.objects.count())  # fmt: skip


def test_seed_demo_finals_twice_gives_the_same_counts(edition9):
    out = io.StringIO()
    call_command("seed_demo", "--stage", "finals", stdout=out)
    first = counts()
    call_command("seed_demo", "--stage", "finals", stdout=io.StringIO())

    assert counts() == first
    final = RoadshowSession.objects.get(name="宁波赛区决赛（演示）")
    second = RoadshowSession.objects.get(name="宁波赛区决赛·B 会场（演示）")
    assert final.status == SessionStatus.FINISHED
    assert final.judges.count() == 7
    assert final.slots.count() == 6
    assert set(final.slots.values_list("status", flat=True)) == {SlotStatus.CLOSED}
    assert ScoreCorrection.objects.filter(score__slot__session=final).count() == 1
    assert second.status == SessionStatus.DRAWN
    assert second.judges.count() == 5
    # a plausible season: both rooms hold only advanced entries, every entry fully scored before publishing
    round_ = ReviewRound.objects.get(event__seq=30, name="网络初评（演示）")
    advanced = set(advanced_decisions(round_).values_list("round_entry__entry_id", flat=True))
    in_rooms = set(SessionSlot.objects.filter(session__in=[final, second]).values_list("entry_id", flat=True))
    assert (len(advanced), second.slots.count(), in_rooms == advanced) == (10, 4, True)
    assert [r.entry for r in compute_rows(round_) if r.too_few] == []
    assert ReviewRound.objects.get(event__seq=30, name="网络初评（演示）").status == RoundStatus.PUBLISHED
    assert "demo-judge-4" in out.getvalue()
    assert User.objects.get(username="demo-judge-5").check_password("cnmaker-demo-2024")
    verify = io.StringIO()
    call_command("verify_draw", "--all", stdout=verify)
    assert verify.getvalue().endswith("共复核 2 个场次，全部一致。\n")
