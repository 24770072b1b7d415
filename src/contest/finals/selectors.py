"""Reads for the finals: the tenancy selector for sessions, the judge's and chair's views, and
THE session ranking (:func:`rank_slots`) the board, the console, the report, the API and awards
all use."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet

from contest.core.access import management_scope
from contest.finals import scoring
from contest.finals.enums import SlotStatus
from contest.finals.models import RoadshowSession, SessionJudge, SessionSlot
from contest.review.models import Conflict

# -- scope ------------------------------------------------------------------------------------------


def can_use_finals_console(user) -> bool:
    return management_scope(user) is not None


def sessions_for_user(user) -> QuerySet[RoadshowSession]:
    """THE tenancy selector: sessions the user may manage (organizer of the event, secretariat
    of the edition)."""
    scope = management_scope(user)
    if scope is None:
        return RoadshowSession.objects.none()
    return RoadshowSession.objects.filter(scope)


def session_for_user(user, session_id: int) -> RoadshowSession | None:
    return (
        sessions_for_user(user)
        .filter(pk=session_id)
        .select_related("edition", "event", "group", "source_round", "chair")
        .first()
    )


def session_list(user) -> QuerySet[RoadshowSession]:
    """The console list: with ``slot_count`` and ``judge_count`` (one query)."""
    return (
        sessions_for_user(user)
        .select_related("event", "group")
        .annotate(
            slot_count=Count("slots", distinct=True),
            judge_count=Count("judges", distinct=True),
        )
        .order_by("-starts_at", "-pk")
    )


def stage_session_for_user(user, session_id: int) -> RoadshowSession | None:
    """A session the user may chair (manager or named chair), for the chair page."""
    session = (
        RoadshowSession.objects.filter(pk=session_id)
        .select_related("edition", "event", "group", "chair", "current_slot__entry")
        .first()
    )
    if session is None or not user.has_perm("finals.chair_session", session):
        return None
    return session


def judge_seat(user, session_id: int) -> SessionJudge | None:
    """The user's seat on the panel of that session, or None (then: 404)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        SessionJudge.objects.filter(session_id=session_id, expert__user_id=user.pk)
        .select_related("session__event", "session__current_slot__entry", "expert")
        .first()
    )


def sessions_for_judge(user) -> QuerySet[RoadshowSession]:
    if not getattr(user, "is_authenticated", False):
        return RoadshowSession.objects.none()
    return RoadshowSession.objects.filter(judges__expert__user_id=user.pk).select_related("event").distinct()


def slots(session: RoadshowSession) -> QuerySet[SessionSlot]:
    """The session's slots in speaking order (drafts by registration number), with entrants."""
    return session.slots.select_related("entry__enterprise", "entry__team", "entry__group").order_by(
        "position", "entry__number", "pk"
    )


def slots_with_scores(session: RoadshowSession) -> list[SessionSlot]:
    return list(slots(session).prefetch_related("scores__judge", "scores__corrections__corrected_by"))


def judges(session: RoadshowSession) -> list[SessionJudge]:
    return list(session.judges.select_related("expert__user").order_by("seat"))


def conflicted_expert_ids(session: RoadshowSession, entry_id: int) -> set[int]:
    """The panel's experts in conflict with the entry (回避): they do not score it."""
    return set(
        Conflict.objects.filter(entry_id=entry_id, expert__session_seats__session=session).values_list(
            "expert_id", flat=True
        )
    )


def conflict_pairs(session: RoadshowSession) -> set[tuple[int, int]]:
    """(expert id, entry id) for every conflict between the panel and the session's entries."""
    return set(
        Conflict.objects.filter(
            expert__session_seats__session=session, entry__roadshow_slots__session=session
        ).values_list("expert_id", "entry_id")
    )


# -- the ranking ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRankRow:
    slot: SessionSlot
    entry: object
    rank: int
    result: Decimal
    mean: Decimal
    top: Decimal
    position: int
    decided_by: str  # the tie-break key that separated this row from the one above ("" for rank 1 / no tie)
    tied_on_result: bool  # the row above has the same result


def rank_slots(slots: Iterable[SessionSlot], *, places: int) -> list[SessionRankRow]:
    """THE ranking of a session, over slots already read (no query of its own): closed slots with
    a result, by ``scoring.rank_key`` — result desc, plain mean desc, highest single score desc,
    speaking position asc (``finals.scoring`` documents the keys); every rank is distinct. Absent,
    waiting and open slots are left out."""
    keyed = sorted(
        (
            (scoring.rank_key(slot.result, slot.result_detail or {}, slot.position or 0), slot)
            for slot in slots
            if slot.status == SlotStatus.CLOSED and slot.result is not None
        ),
        key=lambda pair: pair[0],
    )
    rows = []
    above = None
    for rank, (key, slot) in enumerate(keyed, start=1):
        reason = scoring.decided_by(above, key)
        rows.append(
            SessionRankRow(
                slot=slot,
                entry=slot.entry,
                rank=rank,
                result=scoring.quantize(slot.result, places),
                mean=-key[1],
                top=-key[2],
                position=slot.position or 0,
                decided_by=reason if reason != "result" else "",
                tied_on_result=above is not None and above[0] == key[0],
            )
        )
        above = key
    return rows


def session_ranking(session: RoadshowSession) -> list[SessionRankRow]:
    """The session's ranking (:func:`rank_slots`), reading its closed slots with their entrants."""
    closed = session.slots.filter(status=SlotStatus.CLOSED, result__isnull=False).select_related(
        "entry__enterprise", "entry__team", "entry__group"
    )
    return rank_slots(closed, places=session.places)
