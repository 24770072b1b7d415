"""Building a roadshow session: its settings, entries (slots), panel, draw, start and finish."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from contest.core import audit
from contest.core.access import require
from contest.core.errors import Conflict, FieldErrors, NotFound, ValidationFailed
from contest.core.inputs import as_decimal, date_problem, text_problem
from contest.core.lifecycle import transition
from contest.finals import draw as drawing
from contest.finals.enums import LiveAggregation, SessionStatus, SlotStatus
from contest.finals.models import DrawRecord, RoadshowSession, SessionJudge, SessionSlot
from contest.finals.services.common import (
    bump,
    bumped,
    lock_session,
    require_may_become,
    require_status,
    scope,
)
from contest.finals.validators import clean_segments
from contest.registration.enums import EntryStatus
from contest.registration.models import Entry
from contest.review.models import Expert
from contest.review.selectors import advanced_decisions

MIN_JUDGES = 5
MAX_JUDGES = 15
EDITABLE = ("name", "venue", "room", "starts_at", "segments", "aggregation", "places", "score_min", "score_max",
            "chair", "notary", "group", "source_round")  # fmt: skip


def _decimal(value, field: str, label: str, errors: dict) -> Decimal | None:
    try:
        number = as_decimal(value.strip() if isinstance(value, str) else value)
    except ValidationFailed:
        errors[field] = f"{label}应为数字。"
        return None
    if (
        not number.is_finite()
        or number < 0
        or number > Decimal("9999.99")
        or number != number.quantize(Decimal("0.01"))
    ):
        errors[field] = f"{label}应为 0 到 9999.99 之间、最多两位小数的数字。"
        return None
    return number


def clean_session(data: dict[str, Any], *, event, by) -> dict[str, Any]:
    """Check every field of a session at once; FieldErrors names each problem."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for key, label, limit, required in (("name", "场次名称", 100, True), ("venue", "地点", 200, True),
                                        ("room", "会场", 100, False), ("notary", "公证机构/公证员", 200, False)):  # fmt: skip
        if key not in data:
            continue
        value = str(data.get(key) or "").strip()
        if required and not value:
            errors[key] = f"请填写{label}。"
        elif len(value) > limit:
            errors[key] = f"{label}不能超过 {limit} 个字符。"
        elif problem := text_problem(value):
            errors[key] = problem
        out[key] = value
    if "starts_at" in data:
        starts_at = data["starts_at"]
        if not isinstance(starts_at, datetime):
            errors["starts_at"] = "请填写开始时间。"
        elif timezone.is_naive(starts_at):
            errors["starts_at"] = "开始时间须带时区。"
        elif problem := date_problem(starts_at):
            errors["starts_at"] = problem
        out["starts_at"] = starts_at
    if "segments" in data:
        try:
            out["segments"] = clean_segments(data["segments"])
        except ValidationFailed as exc:
            errors["segments"] = exc.message
    if "aggregation" in data:
        if data["aggregation"] not in LiveAggregation.values:
            errors["aggregation"] = "请选择计分方式。"
        out["aggregation"] = data["aggregation"]
    if "places" in data:
        try:
            places = int(data["places"])
        except (TypeError, ValueError):
            places = -1
        if not 0 <= places <= 4:
            errors["places"] = "保留小数位应为 0 到 4。"
        out["places"] = places
    for key, label in (("score_min", "最低分"), ("score_max", "最高分")):
        if key in data:
            out[key] = _decimal(data[key], key, label, errors)
    low, high = out.get("score_min"), out.get("score_max")
    if low is not None and high is not None and low >= high:
        errors["score_max"] = "最高分须大于最低分。"
    if "chair" in data:
        chair = data["chair"]
        if chair is not None and not getattr(chair, "is_active", False):
            errors["chair"] = "主持人账号不可用。"
        out["chair"] = chair
    if "group" in data:
        group = data["group"]
        if group is not None and group.edition_id != event.edition_id:
            errors["group"] = "组别不属于该届次。"
        out["group"] = group
    if "source_round" in data:
        round_ = data["source_round"]
        if round_ is not None and (
            round_.edition_id != event.edition_id
            or round_.event_id not in (None, event.pk)
            or not by.has_perm("review.manage_round", round_)
        ):
            errors["source_round"] = "只能从本赛事的评审轮次带入项目。"
        out["source_round"] = round_
    if errors:
        raise FieldErrors(errors)
    return out


def _snapshot(session: RoadshowSession, fields) -> dict[str, Any]:
    return {k: getattr(session, f"{k}_id") if k in ("chair", "group", "source_round") else getattr(session, k)
            for k in fields}  # fmt: skip


def create_session(*, by, event, name, venue, starts_at, group=None, source_round=None, room="", segments=None,
                   aggregation=LiveAggregation.TRIMMED, places=2, score_min=Decimal(0), score_max=Decimal(100),
                   chair=None, notary="") -> RoadshowSession:  # fmt: skip
    probe = RoadshowSession(edition_id=event.edition_id, event=event)
    require(by, "finals.manage_session", probe)
    data = {"name": name, "venue": venue, "starts_at": starts_at, "group": group, "source_round": source_round,
            "room": room, "segments": segments if segments is not None else [
                {"label": "项目路演", "seconds": 480}, {"label": "评委问答", "seconds": 420}],
            "aggregation": aggregation, "places": places, "score_min": score_min, "score_max": score_max,
            "chair": chair, "notary": notary}  # fmt: skip
    cleaned = clean_session(data, event=event, by=by)
    with transaction.atomic():
        session = RoadshowSession.objects.create(
            edition_id=event.edition_id, event=event, created_by=by, **cleaned
        )
        audit.record(action="finals.session.created", obj=session, by=by, scope=scope(session),
                     data=_snapshot(session, cleaned))  # fmt: skip
    return session


def update_session(*, session, by, **fields) -> RoadshowSession:
    require(by, "finals.manage_session", session)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(f"不能修改：{', '.join(sorted(unknown))}。")
    cleaned = clean_session(fields, event=session.event, by=by)
    with transaction.atomic():
        locked = lock_session(session)
        require_status(locked, SessionStatus.DRAFT, action="修改设置（抽签后设置即固定）")
        before = _snapshot(locked, cleaned)
        bump(locked, **cleaned)
        audit.record(action="finals.session.updated", obj=locked, by=by, scope=scope(locked),
                     data={"changes": audit.diff(before, _snapshot(locked, cleaned))})  # fmt: skip
    for key, value in cleaned.items():
        setattr(session, key, value)
    return locked


# -- entries ----------------------------------------------------------------------------------------


def _check_entry(session: RoadshowSession, entry: Entry) -> None:
    if entry.event_id != session.event_id:
        raise ValidationFailed("该项目不属于本场次的赛事。", field="entry")
    if session.group_id and entry.group_id != session.group_id:
        raise ValidationFailed("该项目不属于本场次的组别。", field="entry")
    if entry.status != EntryStatus.QUALIFIED or not entry.number:
        raise ValidationFailed("只能加入资格审查通过的项目。", field="entry")


def add_slot(*, session, entry, by) -> SessionSlot:
    require(by, "finals.manage_session", session)
    _check_entry(session, entry)
    with transaction.atomic():
        locked = lock_session(session)
        require_status(locked, SessionStatus.DRAFT, action="增加项目")
        if SessionSlot.objects.filter(session=locked, entry=entry).exists():
            raise Conflict(f"项目 {entry.number} 已在本场次。")
        slot = SessionSlot.objects.create(session=locked, entry=entry)
        bump(locked)
        audit.record(action="finals.slot.added", obj=slot, by=by, scope=scope(locked),
                     data={"session": locked.pk, "entry": entry.pk, "number": entry.number})  # fmt: skip
    return slot


def remove_slot(*, slot, by) -> None:
    session = slot.session
    require(by, "finals.manage_session", session)
    with transaction.atomic():
        locked = lock_session(session)
        require_status(locked, SessionStatus.DRAFT, action="移除项目")
        slot = SessionSlot.objects.select_related("entry").filter(pk=slot.pk, session=locked).first()
        if slot is None:
            raise NotFound("未找到。")
        audit.record(action="finals.slot.removed", obj=slot, by=by, scope=scope(locked),
                     data={"session": locked.pk, "entry": slot.entry_id, "number": slot.entry.number})  # fmt: skip
        slot.delete()
        bump(locked)


def add_slots_from_round(*, session, by) -> int:
    """Add every entry ``session.source_round`` advanced (``review.selectors.advanced_decisions``:
    published, still qualified) of the session's event and group that is not yet here."""
    require(by, "finals.manage_session", session)
    if session.source_round_id is None:
        raise ValidationFailed("本场次未设置来源评审轮次。", field="source_round")
    with transaction.atomic():
        locked = lock_session(session)
        require_status(locked, SessionStatus.DRAFT, action="增加项目")
        decisions = (
            advanced_decisions(locked.source_round)
            .filter(round_entry__entry__event_id=locked.event_id)
            .exclude(round_entry__entry__in=locked.slots.values("entry"))
        )
        if locked.group_id:
            decisions = decisions.filter(round_entry__entry__group_id=locked.group_id)
        entry_ids = sorted(decisions.values_list("round_entry__entry_id", flat=True))
        SessionSlot.objects.bulk_create([SessionSlot(session=locked, entry_id=e) for e in entry_ids])
        if entry_ids:
            bump(locked)
            audit.record(action="finals.slots.added_from_round", obj=locked, by=by, scope=scope(locked),
                         data={"round": locked.source_round_id, "entries": entry_ids})  # fmt: skip
    return len(entry_ids)


# -- the panel --------------------------------------------------------------------------------------


def add_judge(*, session, expert, seat, by) -> SessionJudge:
    """Seat an expert. A judge in conflict with an entry is allowed (and shown); they do not
    score that entry. The expert needs an account to score on a phone."""
    require(by, "finals.manage_session", session)
    try:
        seat = int(seat)
    except (TypeError, ValueError):
        raise ValidationFailed("席位号应为 1 到 99 的整数。", field="seat") from None
    if not 1 <= seat <= 99:
        raise ValidationFailed("席位号应为 1 到 99 的整数。", field="seat")
    if not isinstance(expert, Expert) or not expert.is_active:
        raise ValidationFailed("请从专家库中选择在库专家。", field="expert")
    if expert.user_id is None:
        raise ValidationFailed(f"{expert.name} 还没有平台账号，请先在专家库中邀请。", field="expert")
    with transaction.atomic():
        locked = lock_session(session)
        require_status(locked, SessionStatus.DRAFT, SessionStatus.DRAWN, action="调整评委")
        if SessionJudge.objects.filter(session=locked, expert=expert).exists():
            raise Conflict(f"{expert.name} 已在本场次评委中。")
        if SessionJudge.objects.filter(session=locked, seat=seat).exists():
            raise Conflict(f"{seat} 号席位已有评委。")
        if SessionJudge.objects.filter(session=locked).count() >= MAX_JUDGES:
            raise Conflict(f"每个场次最多 {MAX_JUDGES} 位评委。")
        try:
            with transaction.atomic():
                judge = SessionJudge.objects.create(session=locked, expert=expert, seat=seat)
        except IntegrityError:
            raise Conflict("该席位或评委刚被占用，请刷新后重试。") from None
        bump(locked)
        audit.record(action="finals.judge.added", obj=judge, by=by, scope=scope(locked),
                     data={"session": locked.pk, "expert": expert.pk, "seat": seat})  # fmt: skip
    return judge


def remove_judge(*, judge, by) -> None:
    session = judge.session
    require(by, "finals.manage_session", session)
    with transaction.atomic():
        locked = lock_session(session)
        require_status(locked, SessionStatus.DRAFT, SessionStatus.DRAWN, action="调整评委")
        judge = SessionJudge.objects.filter(pk=judge.pk, session=locked).first()
        if judge is None:
            raise NotFound("未找到。")
        audit.record(action="finals.judge.removed", obj=judge, by=by, scope=scope(locked),
                     data={"session": locked.pk, "expert": judge.expert_id, "seat": judge.seat})  # fmt: skip
        judge.delete()
        bump(locked)


def _check_panel(session: RoadshowSession) -> None:
    n = session.judges.count()
    if not MIN_JUDGES <= n <= MAX_JUDGES:
        raise ValidationFailed(f"评委应为 {MIN_JUDGES}–{MAX_JUDGES} 位，目前 {n} 位。", field="judges")


# -- draw, start, finish ------------------------------------------------------------------------------


def draw_speaking_order(*, session, room_value, by, witness="") -> DrawRecord:
    """Fix the speaking order with ``finals.draw`` (cnmaker-draw-v1) over the entries'
    registration numbers and the value read out in the room. DRAFT → DRAWN."""
    require(by, "finals.manage_session", session)
    room_value = str(room_value or "").strip()
    if not room_value:
        raise ValidationFailed("请填写现场读出的数值。", field="room_value")
    if len(room_value) > 200 or "\n" in room_value:
        raise ValidationFailed("现场数值应为一行，不超过 200 个字符。", field="room_value")
    witness = str(witness or "").strip()[:200]
    with transaction.atomic():
        locked = lock_session(session)
        require_status(locked, SessionStatus.DRAFT, action="抽签")
        slots = list(locked.slots.select_related("entry").order_by("pk"))
        if not slots:
            raise ValidationFailed("请先加入参加路演的项目。", field="slots")
        _check_panel(locked)
        by_number = {slot.entry.number: slot for slot in slots}
        result = drawing.draw(room_value, list(by_number))
        for position, number in enumerate(result.order, start=1):
            by_number[number].position = position
        SessionSlot.objects.bulk_update(slots, ["position"])
        record = DrawRecord.objects.create(
            session=locked, algorithm=result.algorithm, room_value=result.room_value, entries=list(result.entries),
            seed=result.seed, order=list(result.order), witness=witness, drawn_by=by, drawn_at=timezone.now(),
        )  # fmt: skip
        transition(session, SessionStatus.DRAWN, by=by, values=bumped(),
                   data={"algorithm": result.algorithm, "room_value": result.room_value,
                         "entries": list(result.entries), "seed": result.seed, "order": list(result.order),
                         "witness": witness})  # fmt: skip
    return record


def start_session(*, session, by) -> RoadshowSession:
    """DRAWN → LIVE (audit ``finals.session.started``); ``session`` is updated in place."""
    require(by, "finals.manage_session", session)
    with transaction.atomic():
        locked = lock_session(session)
        require_may_become(locked, SessionStatus.LIVE)
        _check_panel(locked)
        transition(session, SessionStatus.LIVE, by=by, values=bumped())
    return session


def finish_session(*, session, by) -> RoadshowSession:
    """LIVE → FINISHED once every slot is closed or absent; ``session`` is updated in place."""
    require(by, "finals.manage_session", session)
    with transaction.atomic():
        locked = lock_session(session)
        require_may_become(locked, SessionStatus.FINISHED)
        pending = list(locked.slots.exclude(status__in=[SlotStatus.CLOSED, SlotStatus.ABSENT])
                       .order_by("position").values_list("position", flat=True))  # fmt: skip
        if pending:
            raise Conflict(
                f"还有 {len(pending)} 个项目未亮分或标记缺席（出场序号 {', '.join(map(str, pending))}）。"
            )
        now = timezone.now()
        transition(session, SessionStatus.FINISHED, by=by,
                   values=bumped(finished_at=now, current_slot=None, timer_started_at=None),
                   data={"finished_at": now})  # fmt: skip
    return session
