"""Helpers shared by the finals services: permission, locking, the version every screen polls."""

from __future__ import annotations

from django.db.models import F

from contest.core.errors import Conflict, NotFound
from contest.finals.enums import SessionStatus
from contest.finals.models import RoadshowSession


def require(user, perm: str, obj=None) -> None:
    """Refuse as 404: who may not act on a session may not learn it exists."""
    if user is None or not user.has_perm(perm, obj):
        raise NotFound("未找到。")


def scope(session: RoadshowSession) -> str:
    return f"event:{session.event_id}"


def lock_session(session: RoadshowSession) -> RoadshowSession:
    """The session row, locked for the rest of the transaction (always taken before a slot's)."""
    return RoadshowSession.objects.select_for_update().get(pk=session.pk)


def bump(session: RoadshowSession, **fields) -> None:
    """Write ``fields`` and bump ``version`` in one UPDATE: the screens' streams poll that integer."""
    RoadshowSession.objects.filter(pk=session.pk).update(version=F("version") + 1, **fields)
    for key, value in fields.items():
        setattr(session, key, value)


def require_status(session: RoadshowSession, *allowed: str, action: str) -> None:
    if session.status not in allowed:
        raise Conflict(f"场次当前为“{session.get_status_display()}”，不能{action}。")


STATUS_FOR_SETUP = (SessionStatus.DRAFT,)
