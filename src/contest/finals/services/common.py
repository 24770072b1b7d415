"""Helpers shared by the finals services: locking, the version every screen polls, early refusals.

A status change goes through ``contest.core.lifecycle.transition`` (the tables are
``SESSION_TRANSITIONS`` and ``SLOT_TRANSITIONS`` in ``finals.enums``); :func:`bump` writes only
the other fields a screen shows.
"""

from __future__ import annotations

from django.db.models import F

from contest.core.errors import Conflict
from contest.core.lifecycle import lifecycle_of, refusal
from contest.finals.models import RoadshowSession


def bumped(**values) -> dict:
    """The ``values`` of a transition of a session or a slot: ``values`` and ``version`` + 1 (the
    screens poll the session's; the slot's counts its changes)."""
    return {**values, "version": F("version") + 1}


def scope(session: RoadshowSession) -> str:
    return RoadshowSession.lifecycle.scope(session)


def lock_session(session: RoadshowSession) -> RoadshowSession:
    """The session row, locked for the rest of the transaction (always taken before a slot's)."""
    return RoadshowSession.objects.select_for_update().get(pk=session.pk)


def bump(session: RoadshowSession, **fields) -> None:
    """Write ``fields`` and bump ``version`` in one UPDATE: the screens' streams poll that integer.
    Never the status: that is ``transition``'s (with ``values=bumped(...)``)."""
    if "status" in fields:
        raise TypeError("a status changes through contest.core.lifecycle.transition")
    RoadshowSession.objects.filter(pk=session.pk).update(version=F("version") + 1, **fields)
    for key, value in fields.items():
        setattr(session, key, value)


def require_status(session: RoadshowSession, *allowed: str, action: str) -> None:
    """A condition on the session's status for an act that does not change it (or a friendlier
    wording of the table's refusal)."""
    if session.status not in allowed:
        raise Conflict(f"场次当前为“{session.get_status_display()}”，不能{action}。")


def require_may_become(obj, to: str) -> None:
    """Refuse early, as ``transition`` would, before checks that only make sense when the
    lifecycle allows the move (the table decides)."""
    lifecycle = lifecycle_of(obj)
    current = getattr(obj, lifecycle.field)
    if not lifecycle.can(current, to):
        raise refusal(obj, current, to)
