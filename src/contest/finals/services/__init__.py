"""Writes for the roadshow finals. Every service: validate → permission
(``contest.core.access.require``, 404) → lock → write → audit in one transaction, and bump
``RoadshowSession.version`` (``F("version") + 1``) so screens see the change. A status change of a
session or a slot is ``contest.core.lifecycle.transition`` (tables in ``finals.enums``), whose one
audit record carries the act's data. Locks are always taken session first, then slot (then a
score), so concurrent judges and the chair never deadlock; scoring holds the slot's lock so
exactly one submission closes it.
"""

from contest.finals.services.sessions import (
    add_judge,
    add_slot,
    add_slots_from_round,
    create_session,
    draw_speaking_order,
    finish_session,
    remove_judge,
    remove_slot,
    start_session,
    update_session,
)
from contest.finals.services.stage import (
    close_slot,
    correct_live_score,
    expected_judges,
    mark_slot_absent,
    open_slot,
    pause_timer,
    reset_timer,
    start_timer,
    submit_live_score,
)

__all__ = [
    "add_judge",
    "add_slot",
    "add_slots_from_round",
    "close_slot",
    "correct_live_score",
    "create_session",
    "draw_speaking_order",
    "expected_judges",
    "finish_session",
    "mark_slot_absent",
    "open_slot",
    "pause_timer",
    "remove_judge",
    "remove_slot",
    "reset_timer",
    "start_session",
    "start_timer",
    "submit_live_score",
    "update_session",
]
