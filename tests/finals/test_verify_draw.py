"""``manage.py verify_draw``: every recorded draw re-derives; a tampered one exits non-zero."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from contest.finals.models import DrawRecord, SessionSlot

from .factories import session_with

pytestmark = pytest.mark.integration


def run(*args) -> str:
    out = StringIO()
    call_command("verify_draw", *args, stdout=out)
    return out.getvalue()


def test_verify_draw_all_passes_for_untouched_draws(ningbo):
    session, _entries, _panel, _organizer = session_with(ningbo, entries=3, status="drawn")
    record = session.draw
    assert run("--all").splitlines() == [
        f"场次 {session.pk}「宁波赛区决赛」：抽签复核一致（cnmaker-draw-v1，3 个项目，种子 {record.seed}）",
        "共复核 1 个场次，全部一致。",
    ]


def test_verify_draw_reports_a_tampered_order_and_exits_non_zero(ningbo):
    session, _entries, _panel, _organizer = session_with(ningbo, entries=3, status="drawn")
    good = list(session.draw.order)
    swapped = [good[1], good[0], good[2]]
    DrawRecord.objects.filter(pk=session.draw.pk).update(order=swapped)  # tampering, outside any service
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("verify_draw", str(session.pk), stdout=out)
    assert caught.value.returncode == 1
    assert str(caught.value) == "1 个场次的抽签与记录不符。"
    assert out.getvalue().splitlines() == [
        f"场次 {session.pk}「宁波赛区决赛」：抽签不符 — 顺序不符：记录为 {swapped}，重新计算为 {good}；"
        f"出场顺序与记录不符：第 1 位为 {good[0]}，记录为 {good[1]}；出场顺序与记录不符：第 2 位为 {good[1]}，记录为 {good[0]}"
    ]


def test_verify_draw_reports_a_moved_slot(ningbo):
    session, _entries, _panel, _organizer = session_with(ningbo, entries=2, status="drawn")
    first, second = SessionSlot.objects.filter(session=session).order_by("position")
    SessionSlot.objects.filter(pk=first.pk).update(position=None)
    SessionSlot.objects.filter(pk=second.pk).update(position=1)
    SessionSlot.objects.filter(pk=first.pk).update(position=2)
    with pytest.raises(CommandError, match="1 个场次的抽签与记录不符。"):
        run("--all")


def test_verify_draw_needs_a_session_or_all(ningbo):
    with pytest.raises(CommandError, match="请给出场次编号，或使用 --all。"):
        run()
    with pytest.raises(CommandError, match="没有编号为 999 的场次。"):
        run("999")
