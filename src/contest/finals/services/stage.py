"""Running the stage: the chair opens and closes each entry, judges score on their phones.

A slot closes either when the last *expected* judge submits (``CloseReason.ALL_SUBMITTED``,
inside that judge's transaction) or when the chair closes it with a reason; its result is
computed in the same transaction (``finals.scoring.aggregate``). Expected judges are the panel
minus those with a ``review.Conflict`` against the entry (回避).

Locks: the session row first, then the slot (then a score). Every judge's submission therefore
waits for the one before it to commit and sees its score, so exactly one submission closes the
slot, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from contest.core import audit
from contest.core.access import require
from contest.core.errors import Closed, Conflict, NotFound, ValidationFailed
from contest.core.lifecycle import transition
from contest.finals import scoring
from contest.finals.enums import CloseReason, SessionStatus, SlotStatus
from contest.finals.models import LiveScore, RoadshowSession, ScoreCorrection, SessionJudge, SessionSlot
from contest.finals.selectors import conflicted_expert_ids
from contest.finals.services.common import (
    bump,
    bumped,
    lock_session,
    require_may_become,
    require_status,
    scope,
)
from contest.finals.validators import parse_score, require_reason


def expected_judges(slot: SessionSlot) -> list[SessionJudge]:
    """The judges who score this slot: the panel minus those in conflict with its entry."""
    conflicted = conflicted_expert_ids(slot.session, slot.entry_id)
    return [j for j in slot.session.judges.order_by("seat") if j.expert_id not in conflicted]


def _lock_slot(session: RoadshowSession, slot: SessionSlot) -> SessionSlot:
    """The slot row, locked after its (already locked) session's; ``slot.session`` is that session."""
    locked = SessionSlot.objects.select_for_update().filter(pk=slot.pk, session=session).first()
    if locked is None:
        raise NotFound("未找到。")
    locked.session = session
    return locked


def _touch_slot(slot: SessionSlot, **fields) -> None:
    """Write fields other than the status and bump the slot's ``version`` (a status change is a
    ``transition`` with ``values=bumped(...)``)."""
    SessionSlot.objects.filter(pk=slot.pk).update(version=F("version") + 1, **fields)
    for key, value in fields.items():
        setattr(slot, key, value)
    slot.version += 1


def _compute(session: RoadshowSession, slot: SessionSlot) -> scoring.Aggregate:
    scores = {s.judge.seat: s.score for s in slot.scores.select_related("judge")}
    return scoring.aggregate(scores, method=session.aggregation, places=session.places)


def _close(session: RoadshowSession, slot: SessionSlot, result: scoring.Aggregate, *, by, reason: str,
           note: str = "", data: dict | None = None) -> None:  # fmt: skip
    """OPEN → CLOSED with its result (audit ``finals.slot.closed``)."""
    transition(slot, SlotStatus.CLOSED, by=by,
               values=bumped(closed_at=timezone.now(), close_reason=reason, close_note=note,
                             result=result.result, result_detail=result.detail),
               data={"session": session.pk, "reason": reason, **(data or {}),
                     "result": result.result, "detail": result.detail})  # fmt: skip


# -- the chair --------------------------------------------------------------------------------------


def open_slot(*, slot, by) -> SessionSlot:
    session = slot.session
    require(by, "finals.chair_session", session)
    with transaction.atomic():
        locked = lock_session(session)
        require_status(locked, SessionStatus.LIVE, action="开始评分（场次未开始或已结束）")
        slot = _lock_slot(locked, slot)
        require_may_become(slot, SlotStatus.OPEN)
        open_now = locked.slots.filter(status=SlotStatus.OPEN).values_list("position", flat=True).first()
        if open_now is not None:
            raise Conflict(f"第 {open_now} 位出场的项目仍在评分中，请先亮分。")
        transition(slot, SlotStatus.OPEN, by=by, values=bumped(opened_at=timezone.now()),
                   data={"session": locked.pk, "position": slot.position, "entry": slot.entry_id})  # fmt: skip
        bump(locked, current_slot=slot, timer_segment=None, timer_started_at=None, timer_elapsed_ms=0)
    return slot


def close_slot(*, slot, by, reason) -> SessionSlot:
    """The chair shows the score before every judge has submitted, saying why."""
    session = slot.session
    require(by, "finals.chair_session", session)
    note = require_reason(reason, what="提前亮分的原因")
    with transaction.atomic():
        locked = lock_session(session)
        require_status(locked, SessionStatus.LIVE, action="亮分")
        slot = _lock_slot(locked, slot)
        if slot.status != SlotStatus.OPEN:
            raise Conflict(f"该项目当前为“{slot.get_status_display()}”，不能亮分。")
        if not slot.scores.exists():
            raise ValidationFailed("还没有评委提交评分，不能亮分。")
        _close(locked, slot, _compute(locked, slot), by=by, reason=CloseReason.CHAIR, note=note,
               data={"note": note})  # fmt: skip
        bump(locked)
    return slot


def mark_slot_absent(*, slot, by, reason) -> SessionSlot:
    session = slot.session
    require(by, "finals.chair_session", session)
    note = require_reason(reason, what="缺席说明")
    with transaction.atomic():
        locked = lock_session(session)
        require_status(locked, SessionStatus.DRAWN, SessionStatus.LIVE, action="标记缺席")
        slot = _lock_slot(locked, slot)
        transition(slot, SlotStatus.ABSENT, by=by, values=bumped(closed_at=timezone.now(), close_note=note),
                   data={"session": locked.pk, "position": slot.position, "note": note})  # fmt: skip
        bump(locked)
    return slot


def correct_live_score(*, score, new_score, reason, by) -> ScoreCorrection:
    """The chair changes a submitted score, with a reason; the closed slot's result follows."""
    session = score.slot.session
    require(by, "finals.chair_session", session)
    note = require_reason(reason, what="更正理由")
    value = parse_score(new_score, low=session.score_min, high=session.score_max, field="new_score")
    with transaction.atomic():
        locked = lock_session(session)
        require_status(locked, SessionStatus.LIVE, action="更正评分")
        slot = _lock_slot(locked, score.slot)
        score = (
            LiveScore.objects.select_for_update()
            .select_related("judge")
            .filter(pk=score.pk, slot=slot)
            .first()
        )
        if score is None:
            raise NotFound("未找到。")
        if score.score == value:
            raise ValidationFailed("新分数与原分数相同。", field="new_score")
        correction = ScoreCorrection.objects.create(score=score, old_score=score.score, new_score=value,
                                                    reason=note, corrected_by=by)  # fmt: skip
        old_result = slot.result
        LiveScore.objects.filter(pk=score.pk).update(score=value, corrected=True)
        score.score, score.corrected = value, True
        fields = {}
        if slot.status == SlotStatus.CLOSED:
            result = _compute(locked, slot)
            fields = {"result": result.result, "result_detail": result.detail}
        _touch_slot(slot, **fields)
        bump(locked)
        audit.record(action="finals.score.corrected", obj=score, by=by, scope=scope(locked),
                     data={"session": locked.pk, "slot": slot.pk, "seat": score.judge.seat,
                           "old": correction.old_score, "new": value, "reason": note,
                           "old_result": old_result, "new_result": slot.result})  # fmt: skip
    return correction


# -- the judge --------------------------------------------------------------------------------------


def judge_for(session: RoadshowSession, user) -> SessionJudge | None:
    if getattr(user, "pk", None) is None:
        return None
    return session.judges.select_related("expert").filter(expert__user_id=user.pk).first()


def submit_live_score(*, slot, by, score) -> LiveScore:
    """A judge's score for the open slot; locked once submitted. The last expected judge's
    submission closes the slot and computes its result in the same transaction."""
    session = slot.session
    require(by, "finals.submit_live_score", session)
    judge = judge_for(session, by)
    if judge is None:
        raise NotFound("未找到。")
    value = parse_score(score, low=session.score_min, high=session.score_max)
    with transaction.atomic():
        locked = lock_session(session)
        slot = _lock_slot(locked, slot)
        if locked.status != SessionStatus.LIVE or slot.status != SlotStatus.OPEN:
            if LiveScore.objects.filter(slot=slot, judge=judge).exists():
                raise Conflict("您已提交该项目的评分，不能修改。")
            raise Closed("该项目当前不在评分中。")
        if judge.expert_id in conflicted_expert_ids(locked, slot.entry_id):
            raise Conflict("您与该项目存在回避关系，不参与评分。")
        if LiveScore.objects.filter(slot=slot, judge=judge).exists():
            raise Conflict("您已提交该项目的评分，不能修改。")
        try:
            with transaction.atomic():
                row = LiveScore.objects.create(
                    slot=slot, judge=judge, score=value, submitted_at=timezone.now()
                )
        except IntegrityError:
            raise Conflict("您已提交该项目的评分，不能修改。") from None
        expected = {j.pk for j in expected_judges(slot)}
        submitted = set(slot.scores.values_list("judge_id", flat=True))
        data = {"session": locked.pk, "slot": slot.pk, "seat": judge.seat, "score": value}
        result = _compute(locked, slot) if expected <= submitted else None
        if result is not None:
            data.update(closed=True, result=result.result, detail=result.detail)
        audit.record(action="finals.score.submitted", obj=row, by=by, scope=scope(locked), data=data)
        if result is not None:
            _close(locked, slot, result, by=by, reason=CloseReason.ALL_SUBMITTED)
        else:
            _touch_slot(slot)
        bump(locked)
    return row


# -- the stage timer --------------------------------------------------------------------------------


def _elapsed_ms(session: RoadshowSession, now) -> int:
    running = 0
    if session.timer_started_at is not None:
        running = max(0, int((now - session.timer_started_at) / timedelta(milliseconds=1)))
    return session.timer_elapsed_ms + running


def start_timer(*, session, segment, by) -> RoadshowSession:
    """Start (or resume) segment ``segment`` (0-based index into ``session.segments``)."""
    require(by, "finals.chair_session", session)
    try:
        segment = int(segment)
    except (TypeError, ValueError):
        raise ValidationFailed("请选择环节。", field="segment") from None
    with transaction.atomic():
        locked = lock_session(session)
        require_status(locked, SessionStatus.DRAWN, SessionStatus.LIVE, action="计时")
        if not 0 <= segment < len(locked.segments):
            raise ValidationFailed("请选择环节。", field="segment")
        now = timezone.now()
        if locked.timer_segment == segment and locked.timer_started_at is not None:
            return locked  # already running
        elapsed = locked.timer_elapsed_ms if locked.timer_segment == segment else 0
        bump(locked, timer_segment=segment, timer_started_at=now, timer_elapsed_ms=elapsed)
        audit.record(action="finals.timer.started", obj=locked, by=by, scope=scope(locked),
                     data={"segment": segment, "elapsed_ms": elapsed})  # fmt: skip
    return locked


def pause_timer(*, session, by) -> RoadshowSession:
    require(by, "finals.chair_session", session)
    with transaction.atomic():
        locked = lock_session(session)
        if locked.timer_started_at is None:
            raise Conflict("计时未在进行。")
        elapsed = _elapsed_ms(locked, timezone.now())
        bump(locked, timer_started_at=None, timer_elapsed_ms=elapsed)
        audit.record(action="finals.timer.paused", obj=locked, by=by, scope=scope(locked),
                     data={"segment": locked.timer_segment, "elapsed_ms": elapsed})  # fmt: skip
    return locked


def reset_timer(*, session, by) -> RoadshowSession:
    require(by, "finals.chair_session", session)
    with transaction.atomic():
        locked = lock_session(session)
        bump(locked, timer_started_at=None, timer_elapsed_ms=0)
        audit.record(action="finals.timer.reset", obj=locked, by=by, scope=scope(locked),
                     data={"segment": locked.timer_segment})  # fmt: skip
    return locked
