"""Roadshow finals over the API: the sessions a user manages, chairs or judges, one session with
its slots and results, and the judge's action ``POST /finals/slots/{id}/scores``.

The same selectors and services as the pages: a session the user may not see answers 404.
Scores of a slot still open are never shown (only how many judges have submitted).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status

from contest.accounts.api_auth import api_auth, current_user
from contest.catalog.schemas import ID_MAX
from contest.core.api import ErrorOut, InputSchema, Integer, Invalid, local, number
from contest.core.errors import NotFound
from contest.finals import scoring, selectors, services
from contest.finals.enums import SlotStatus
from contest.finals.models import RoadshowSession, SessionSlot

router = Router(tags=["finals"], auth=api_auth)

UNAUTHENTICATED = {401: ErrorOut}
READ = {**UNAUTHENTICATED, 404: ErrorOut, 422: Invalid}
WRITE = {**READ, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut}
SESSION_ID = Path(..., ge=1, le=ID_MAX, description="场次编号")
SLOT_ID = Path(..., ge=1, le=ID_MAX, description="出场项目编号")


class SegmentOut(Schema):
    label: str
    seconds: int


class SessionOut(Schema):
    id: int
    name: str
    event_id: int
    group: str | None
    venue: str
    room: str
    starts_at: datetime
    status: str
    aggregation: str
    places: int
    score_min: str
    score_max: str
    segments: list[SegmentOut]
    version: int


class JudgeScoreOut(Schema):
    seat: int
    score: str
    corrected: bool


class SlotOut(Schema):
    id: int
    position: int | None
    number: str
    title: str
    entrant: str
    status: str
    submitted: int = Field(description="已提交评分的评委数（评分中也显示）")
    result: str | None = Field(description="最终得分（亮分后）")
    close_reason: str
    scores: list[JudgeScoreOut] | None = Field(description="每位评委的评分（亮分后才有）")


class RankOut(Schema):
    rank: int
    slot_id: int
    number: str
    result: str
    position: int


class DrawOut(Schema):
    algorithm: str
    room_value: str
    seed: str
    entries: list[str]
    order: list[str]


class SessionDetailOut(SessionOut):
    draw: DrawOut | None
    slots: list[SlotOut]
    ranking: list[RankOut]


class ScoreIn(InputSchema):
    score: number(
        max_digits=8,
        description='分数：JSON 数值或数字字符串（如 86.5 或 "86.5"），最多两位小数，在本场的分数范围内',
    )


class ScoreOut(Schema):
    id: int
    slot_id: int
    seat: int
    score: str
    submitted_at: datetime
    slot_status: str
    result: str | None


def _text(value, places: int) -> str | None:
    return None if value is None else format(scoring.quantize(value, places), "f")


def _session(session: RoadshowSession) -> dict[str, Any]:
    return {"id": session.pk, "name": session.name, "event_id": session.event_id,
            "group": session.group.code if session.group_id else None, "venue": session.venue, "room": session.room,
            "starts_at": local(session.starts_at), "status": session.status, "aggregation": session.aggregation,
            "places": session.places, "score_min": str(session.score_min), "score_max": str(session.score_max),
            "segments": session.segments, "version": session.version}  # fmt: skip


def _visible(user) -> QuerySet[RoadshowSession]:
    """Sessions the user manages, chairs or judges: the list form of ``finals.view_session``."""
    managed = selectors.sessions_for_user(user).values("pk")
    return RoadshowSession.objects.filter(
        Q(pk__in=managed) | Q(chair_id=user.pk) | Q(judges__expert__user_id=user.pk)
    ).distinct()


def _visible_session(user, session_id: int) -> RoadshowSession:
    """One session the user may see (``finals.view_session``), else 404."""
    session = RoadshowSession.objects.filter(pk=session_id).select_related("group", "event").first()
    if session is None or not user.has_perm("finals.view_session", session):
        raise NotFound("未找到该场次。")
    return session


@router.get("/finals/sessions", response={200: list[SessionOut], **UNAUTHENTICATED}, summary="我的路演场次")
def list_sessions(request: HttpRequest):
    sessions = _visible(current_user(request)).select_related("group").order_by("-starts_at", "-pk")
    return [_session(s) for s in sessions]


@router.get(
    "/finals/sessions/{id}",
    response={200: SessionDetailOut, **READ},
    summary="一个路演场次：出场顺序、评分与排名",
    description="评分中的项目只给出已提交人数；亮分后给出每位评委的评分与最终得分。",
)
def get_session(request: HttpRequest, id: Integer = SESSION_ID):
    session = _visible_session(current_user(request), id)
    places = session.places
    loaded = selectors.slots_with_scores(session)
    slots = []
    for slot in loaded:
        scores = sorted(slot.scores.all(), key=lambda s: s.judge.seat)
        closed = slot.status == SlotStatus.CLOSED
        slots.append({
            "id": slot.pk, "position": slot.position, "number": slot.entry.number, "title": slot.entry.title,
            "entrant": slot.entry.entrant_name, "status": slot.status, "submitted": len(scores),
            "result": _text(slot.result, places) if closed else None, "close_reason": slot.close_reason,
            "scores": [{"seat": s.judge.seat, "score": str(s.score), "corrected": s.corrected} for s in scores]
            if closed else None,
        })  # fmt: skip
    try:
        record = session.draw
        draw = {"algorithm": record.algorithm, "room_value": record.room_value, "seed": record.seed,
                "entries": record.entries, "order": record.order}  # fmt: skip
    except RoadshowSession.draw.RelatedObjectDoesNotExist:
        draw = None
    ranking = [{"rank": r.rank, "slot_id": r.slot.pk, "number": r.entry.number, "result": _text(r.result, places),
                "position": r.position} for r in selectors.rank_slots(loaded, places=places)]  # fmt: skip
    return {**_session(session), "draw": draw, "slots": slots, "ranking": ranking}


@router.post(
    "/finals/slots/{id}/scores",
    response={201: ScoreOut, **WRITE},
    summary="评委提交现场评分",
    description="只能为正在评分的项目提交一次；提交后锁定（再次提交为 409）。最后一位应评评委提交时项目即亮分，"
    "`slot_status` 为 `closed`，`result` 为最终得分。",
)
def submit_score(request: HttpRequest, payload: ScoreIn, id: Integer = SLOT_ID):
    user = current_user(request)
    slot = SessionSlot.objects.filter(pk=id, session__judges__expert__user_id=user.pk).select_related(
        "session"
    )
    slot = slot.first()
    if slot is None:
        raise NotFound("未找到该项目。")
    row = services.submit_live_score(slot=slot, by=user, score=format(payload.score, "f"))
    fresh = SessionSlot.objects.select_related("session").get(pk=slot.pk)
    return Status(201, {
        "id": row.pk, "slot_id": slot.pk, "seat": row.judge.seat, "score": str(row.score),
        "submitted_at": local(row.submitted_at), "slot_status": fresh.status,
        "result": _text(fresh.result, fresh.session.places) if fresh.status == SlotStatus.CLOSED else None,
    })  # fmt: skip
