"""What every screen shows, read in a constant number of queries.

``board_state(session)`` is the one JSON document the big screen, the stage timer, the chair's
and the judges' pages render; the server-sent-event stream (``finals.live``) pushes it whenever
``RoadshowSession.version`` moves. ``notary_record(session)`` is the notary's fuller read: who
scored what and when, every correction, the draw re-verified and the audit chain's head.

Secrecy while scoring: for a slot that is still open the board says only which seats have
submitted (``seats``: submitted / waiting / recused) — never a value. Scores appear, all at once,
when the slot closes; a score changed by a ``ScoreCorrection`` is flagged ``corrected`` (and so is
its entry's row in the ranking). A finished session's screens show the final ``ranking``.

Labels in the board are plain strings in the language active where it was computed (the event
hub computes one board for every screen): the screens translate ``status`` values with their own
page's labels instead.

Decimals are strings with the session's ``places`` (ROUND_HALF_UP), so every screen prints the
same digits. The running ranking is ``selectors.rank_slots``: the one ranking the session report,
the console, the API and awards use.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from contest.core.models import AuditHead
from contest.finals import draw as draw_algorithm
from contest.finals import scoring, selectors
from contest.finals.enums import CloseReason, LiveAggregation, SessionStatus, SlotStatus
from contest.finals.models import (
    DrawRecord,
    LiveScore,
    RoadshowSession,
    ScoreCorrection,
    SessionJudge,
    SessionSlot,
)
from contest.review.models import Conflict as ConflictRow


def epoch_ms(value) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def decimal_text(value: Decimal | None, places: int) -> str | None:
    return None if value is None else format(scoring.quantize(Decimal(value), places), "f")


def _draw_of(session: RoadshowSession) -> DrawRecord | None:
    try:
        return session.draw
    except DrawRecord.DoesNotExist:
        return None


def _load_session(session_id: int) -> RoadshowSession:
    # ``version`` is read first: the rows read after it are at least as new, so a client that
    # has seen version v never misses a later change (the next poll sees v' > v and resends).
    return RoadshowSession.objects.select_related("group", "draw").get(pk=session_id)


def _timer(session: RoadshowSession) -> dict[str, Any]:
    segments = session.segments or []
    index = session.timer_segment
    segment = segments[index] if index is not None and 0 <= index < len(segments) else None
    return {
        "segment": index if segment is not None else None,
        "label": segment["label"] if segment else "",
        "seconds": int(segment["seconds"]) if segment else 0,
        "running": session.timer_started_at is not None,
        "started_at": epoch_ms(session.timer_started_at),
        "elapsed_ms": session.timer_elapsed_ms,
        "server_now": int(time.time() * 1000),
    }


def _slot_rows(session: RoadshowSession):
    return list(
        SessionSlot.objects.filter(session=session)
        .select_related("entry__group", "entry__enterprise", "entry__team")
        .order_by("position", "id")
    )


def _recused_seats(session: RoadshowSession, panel: list[tuple[int, int]]) -> dict[int, set[int]]:
    """entry id → seats of judges who recuse themselves from it (a ``review.Conflict``)."""
    seat_of = {expert_id: seat for seat, expert_id in panel}
    out: dict[int, set[int]] = {}
    rows = ConflictRow.objects.filter(
        expert_id__in=list(seat_of), entry__roadshow_slots__session=session
    ).values_list("entry_id", "expert_id")
    for entry_id, expert_id in rows:
        out.setdefault(entry_id, set()).add(seat_of[expert_id])
    return out


def _ranking(slots: list[SessionSlot], items: list[dict], places: int) -> list[dict]:
    """The session's ranking (``selectors.rank_slots``) as the screens print it."""
    by_slot = {item["id"]: item for item in items}
    return [
        {
            "rank": row.rank,
            "position": by_slot[row.slot.pk]["position"],
            "title": by_slot[row.slot.pk]["title"],
            "entrant": by_slot[row.slot.pk]["entrant"],
            "result": by_slot[row.slot.pk]["result"],
            "corrected": any(score["corrected"] for score in by_slot[row.slot.pk]["scores"] or ()),
        }
        for row in selectors.rank_slots(slots, places=places)
    ]


def board_state(session: RoadshowSession | int) -> dict[str, Any]:
    """The state every screen renders (5 queries, whatever the number of judges and slots)."""
    session = _load_session(getattr(session, "pk", session))
    places = session.places
    panel = list(
        SessionJudge.objects.filter(session=session).order_by("seat").values_list("seat", "expert_id")
    )
    seats = [seat for seat, _ in panel]
    recused = _recused_seats(session, panel)
    slots = _slot_rows(session)
    scores: dict[int, list[dict]] = {}
    for row in (
        LiveScore.objects.filter(slot__session=session)
        .order_by("judge__seat")
        .values("slot_id", "judge__seat", "score", "corrected")
    ):
        scores.setdefault(row["slot_id"], []).append(row)

    slot_dicts = []
    for slot in slots:
        submitted = scores.get(slot.pk, [])
        item: dict[str, Any] = {
            "id": slot.pk,
            "position": slot.position,
            "title": slot.entry.title,
            "entrant": slot.entry.entrant_name,
            "group": slot.entry.group.name,
            "status": slot.status,
            "status_label": str(SlotStatus(slot.status).label),
            "submitted": len(submitted),
            "judges": len(seats) - len(recused.get(slot.entry_id, ())),
            "result": None,
            "scores": None,
            "seats": None,
            "close_reason": "",
            "close_note": "",
        }
        if slot.status == SlotStatus.OPEN:
            # who has submitted, never what: the values stay secret until the slot closes
            done = {row["judge__seat"] for row in submitted}
            away = recused.get(slot.entry_id, set())
            item["seats"] = [
                {
                    "seat": seat,
                    "state": "recused" if seat in away else "submitted" if seat in done else "waiting",
                }
                for seat in seats
            ]
        if slot.status == SlotStatus.CLOSED:
            dropped = {int(seat) for seat in (slot.result_detail or {}).get("dropped", [])}
            by_seat = {row["judge__seat"]: row for row in submitted}
            item["result"] = decimal_text(slot.result, places)
            item["close_reason"] = slot.close_reason
            item["close_note"] = slot.close_note if slot.close_reason == CloseReason.CHAIR else ""
            item["scores"] = [
                {
                    "seat": seat,
                    "score": decimal_text(by_seat[seat]["score"], places) if seat in by_seat else None,
                    "dropped": seat in dropped,
                    "corrected": bool(by_seat[seat]["corrected"]) if seat in by_seat else False,
                    "recused": seat in recused.get(slot.entry_id, ()),
                }
                for seat in seats
            ]
        slot_dicts.append(item)

    current = next((s for s in slot_dicts if s["id"] == session.current_slot_id), None)
    record = _draw_of(session)
    return {
        "session": {
            "id": session.pk,
            "name": session.name,
            "venue": session.venue,
            "room": session.room,
            "group": session.group.name if session.group_id else "",
            "status": session.status,
            "status_label": str(SessionStatus(session.status).label),
            "version": session.version,
            "places": places,
            "aggregation": session.aggregation,
            "aggregation_label": str(LiveAggregation(session.aggregation).label),
            "segments": [{"label": s["label"], "seconds": int(s["seconds"])} for s in session.segments or []],
            "seats": seats,
        },
        "draw": None
        if record is None
        else {"algorithm": record.algorithm, "seed": record.seed, "room_value": record.room_value},
        "current": current,
        "timer": _timer(session),
        "slots": slot_dicts,
        "ranking": _ranking(slots, slot_dicts, places),
    }


# -- the notary's view --------------------------------------------------------------------------


def notary_record(session: RoadshowSession | int) -> dict[str, Any]:
    """Everything the notary checks, in 5 queries: every score with its time, every correction
    with who and why, the draw re-derived now, and the audit chain's head."""
    session = _load_session(getattr(session, "pk", session))
    places = session.places
    judges = list(SessionJudge.objects.filter(session=session).select_related("expert").order_by("seat"))
    slots = _slot_rows(session)
    scores: dict[int, list[LiveScore]] = {}
    for score in (
        LiveScore.objects.filter(slot__session=session).select_related("judge").order_by("judge__seat")
    ):
        scores.setdefault(score.slot_id, []).append(score)
    corrections: dict[int, list[ScoreCorrection]] = {}
    for fix in (
        ScoreCorrection.objects.filter(score__slot__session=session)
        .select_related("score__judge", "corrected_by")
        .order_by("created_at", "id")
    ):
        corrections.setdefault(fix.score.slot_id, []).append(fix)
    head = AuditHead.objects.filter(pk=1).values_list("seq", "hash").first()

    record = _draw_of(session)
    draw = None
    if record is not None:
        problems = draw_algorithm.verify(record.room_value, record.entries, record.seed, record.order)
        draw = {
            "algorithm": record.algorithm,
            "room_value": record.room_value,
            "entries": list(record.entries),
            "seed": record.seed,
            "order": list(record.order),
            "witness": record.witness,
            "drawn_at": record.drawn_at,
            "problems": problems,
            "verified": not problems,
        }
    rows = []
    for slot in slots:
        dropped = {int(s) for s in (slot.result_detail or {}).get("dropped", [])}
        rows.append(
            {
                "slot": slot,
                "number": slot.entry.number,
                "entrant": slot.entry.entrant_name,
                "status_label": str(SlotStatus(slot.status).label),
                "result": decimal_text(slot.result, places),
                "scores": [
                    {
                        "seat": s.judge.seat,
                        "score": decimal_text(s.score, places),
                        "submitted_at": s.submitted_at,
                        "corrected": s.corrected,
                        "dropped": slot.status == SlotStatus.CLOSED and s.judge.seat in dropped,
                    }
                    for s in scores.get(slot.pk, [])
                ],
                "corrections": [
                    {
                        "seat": fix.score.judge.seat,
                        "old": decimal_text(fix.old_score, places),
                        "new": decimal_text(fix.new_score, places),
                        "reason": fix.reason,
                        "by": fix.corrected_by.get_full_name() or fix.corrected_by.get_username(),
                        "at": fix.created_at,
                    }
                    for fix in corrections.get(slot.pk, [])
                ],
            }
        )
    return {
        "session": session,
        "judges": judges,
        "slots": rows,
        "draw": draw,
        "audit_seq": head[0] if head else 0,
        "audit_head": head[1] if head else "",
    }
