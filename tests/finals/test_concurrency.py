"""Several judges submitting at the same instant on PostgreSQL: exactly one submission closes the
slot, and the result counts every score.

Each judge runs in its own thread with its own connection, released together by a barrier.
``submit_live_score`` locks the session row, then the slot row (SELECT … FOR UPDATE), so the
submissions queue; the last one sees every other score committed and closes the slot in its own
transaction.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from contest.core.errors import ContestError
from contest.core.models import AuditRecord
from contest.finals import selectors, services
from contest.finals.enums import CloseReason, SlotStatus
from contest.finals.models import LiveScore

from .factories import session_with

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def at_once(works) -> list[tuple[str, object]]:
    barrier = threading.Barrier(len(works), timeout=30)
    outcomes: list[tuple[str, object]] = [("never ran", None)] * len(works)

    def run(i: int) -> None:
        try:
            barrier.wait()
            outcomes[i] = ("ok", works[i]())
        except ContestError as exc:
            outcomes[i] = (type(exc).__name__, exc.message)
        except Exception as exc:
            outcomes[i] = ("crash", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread never finished"
    return outcomes


@pytest.fixture
def live_slot(restore_divisions, ningbo):
    if connection.vendor != "postgresql":
        pytest.skip("row locks under concurrent connections need PostgreSQL (SQLite serialises all writers)")
    session, _entries, panel, organizer = session_with(ningbo, entries=1, judges=9, status="live")
    slot = selectors.slots(session).first()
    services.open_slot(slot=slot, by=organizer)
    return slot, panel, organizer


def test_nine_judges_at_once_close_the_slot_exactly_once(live_slot):
    slot, panel, _organizer = live_slot
    values = [Decimal(v) for v in ("70", "75", "80", "82", "85", "88", "90", "95", "99")]
    outcomes = at_once([lambda j=j, v=v: services.submit_live_score(slot=slot, by=j.user, score=v).pk
                        for j, v in zip(panel, values, strict=True)])  # fmt: skip
    slot.refresh_from_db()
    assert sorted(o[0] for o in outcomes) == ["ok"] * 9
    assert LiveScore.objects.filter(slot=slot).count() == 9
    assert (slot.status, slot.close_reason) == (SlotStatus.CLOSED, CloseReason.ALL_SUBMITTED)
    assert slot.result == Decimal("85.00")  # 75 … 95 without 70 and 99: 595 / 7
    closing = AuditRecord.objects.filter(action="finals.score.submitted", data__closed=True)
    assert closing.count() == 1


def test_the_chair_closing_while_the_last_judges_submit_closes_once(live_slot):
    slot, panel, organizer = live_slot
    for judge in panel[:7]:
        services.submit_live_score(slot=slot, by=judge.user, score="80")
    works = [lambda j=j: services.submit_live_score(slot=slot, by=j.user, score="90").pk for j in panel[7:]]
    works.append(lambda: services.close_slot(slot=slot, by=organizer, reason="时间到").pk)
    outcomes = at_once(works)
    slot.refresh_from_db()
    n = LiveScore.objects.filter(slot=slot).count()
    assert slot.status == SlotStatus.CLOSED
    assert "crash" not in [o[0] for o in outcomes]
    assert slot.result_detail["n"] == n
    judges_ok = [o for o in outcomes[:2] if o[0] == "ok"]
    assert len(judges_ok) == n - 7
    if slot.close_reason == CloseReason.CHAIR:
        assert outcomes[2][0] == "ok"
        assert [o for o in outcomes[:2] if o[0] != "ok"] == [("Closed", "该项目当前不在评分中。")] * (9 - n)
    else:
        assert n == 9
        assert outcomes[2] == ("Conflict", "该项目当前为“已亮分”，不能亮分。")
