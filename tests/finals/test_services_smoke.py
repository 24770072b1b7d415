from decimal import Decimal

import pytest

from contest.finals import selectors, services
from contest.finals.enums import CloseReason, SlotStatus

from .factories import score_all, session_with

pytestmark = pytest.mark.integration


def test_a_session_runs_from_draft_to_finished(ningbo):
    session, entries, panel, organizer = session_with(ningbo, entries=2, status="live")
    first, second = selectors.slots(session)
    services.open_slot(slot=first, by=organizer)
    score_all(first, panel, ["80", "90", "85", "70", "95"])
    first.refresh_from_db()
    assert (first.status, first.close_reason, first.result) == (SlotStatus.CLOSED, CloseReason.ALL_SUBMITTED,
                                                                Decimal("85.00"))  # fmt: skip
    services.open_slot(slot=second, by=organizer)
    score_all(second, panel, ["60", "60", "60", "60", "60"])
    services.finish_session(session=session, by=organizer)
    ranking = selectors.session_ranking(session)
    assert [(r.rank, r.slot.pk, r.result) for r in ranking] == [(1, first.pk, Decimal("85.00")),
                                                                (2, second.pk, Decimal("60.00"))]  # fmt: skip
