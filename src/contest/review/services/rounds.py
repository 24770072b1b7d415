"""Review rounds: creation, status, settings, entries and judges of a round."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from contest.core import audit
from contest.core.access import require
from contest.core.errors import Conflict, FieldErrors
from contest.core.inputs import as_decimal, date_problem, text_problem
from contest.core.lifecycle import transition
from contest.registration.enums import EntryStatus
from contest.registration.models import Entry
from contest.review.enums import CarryOver, RoundStatus, SheetStatus
from contest.review.models import Expert, ReviewRound, RoundEntry, RoundJudge, ScoreSheet, round_scope
from contest.review.organizer_selectors import open_blockers
from contest.review.rankings import rubric_of
from contest.review.recommendation_selectors import recommended_for_national
from contest.review.selectors import advanced_decisions

__all__ = [
    "ENTRIES_OPEN", "ROUND_FIELDS", "ROUND_PLACES_MAX", "add_entries", "add_judges", "anonymous_code", "clean_rubric",
    "create_round", "rubric_of", "set_round_judge", "set_round_status", "update_round",
]  # fmt: skip

# -- rounds -----------------------------------------------------------------------------------------

ROUND_FIELDS = ("name", "stage", "judges_per_entry", "default_max_load", "blind", "judges_see_others", "opens_at",
                "closes_at", "aggregation", "normalize", "places", "rank_by_industry", "require_investor",
                "distinct_organizations", "carry_over", "carry_weight", "rubric")  # fmt: skip


def clean_rubric(rubric: list[dict]) -> list[dict]:
    errors = {}
    out = []
    codes = set()
    for i, c in enumerate(rubric, start=1):
        code = str(c.get("code") or "").strip()
        name = str(c.get("name") or "").strip()
        try:
            maximum, weight = as_decimal(c.get("max")), as_decimal(c.get("weight"))
        except Exception:
            errors[f"rubric-{i}"] = f"第 {i} 项的满分和权重应为数字。"
            continue
        if not code or not name or code in codes:
            errors[f"rubric-{i}"] = f"第 {i} 项须有唯一的代码和名称。"
        if maximum <= 0 or weight < 0:
            errors[f"rubric-{i}"] = f"第 {i} 项的满分须大于 0，权重不能为负。"
        codes.add(code)
        out.append({"code": code, "name": name, "max": str(maximum), "weight": str(weight)})
    if not errors and sum(Decimal(c["weight"]) for c in out) != 100:
        errors["rubric"] = "各项权重之和须为 100。"
    if errors:
        raise FieldErrors(errors)
    return out


def input_problems(fields: dict[str, Any]) -> dict[str, str]:
    """Control characters in the name, dates outside the competition's calendar (``core.inputs``)."""
    problems = {}
    if (problem := text_problem(str(fields.get("name") or ""))) is not None:
        problems["name"] = problem
    for key in ("opens_at", "closes_at"):
        if fields.get(key) is not None and (problem := date_problem(fields[key])) is not None:
            problems[key] = problem
    return problems


def create_round(*, by, edition, event=None, data: dict[str, Any]) -> ReviewRound:
    probe = ReviewRound(edition=edition, event=event)
    require(by, "review.manage_round", probe)
    fields = {k: data[k] for k in ROUND_FIELDS if k in data}
    if "rubric" in fields:
        fields["rubric"] = clean_rubric(fields["rubric"])
    if not str(fields.get("name") or "").strip():
        raise FieldErrors({"name": "请填写轮次名称。"})
    if problems := input_problems(fields):
        raise FieldErrors(problems)
    if int(fields.get("judges_per_entry", 5)) < 1:
        raise FieldErrors({"judges_per_entry": "每个项目至少 1 位评审。"})
    with transaction.atomic():
        round_ = ReviewRound.objects.create(edition=edition, event=event, **fields)
        audit.record(action="review.round.created", obj=round_, by=by, scope=round_scope(round_),
                     data={k: getattr(round_, k) for k in fields})  # fmt: skip
    return round_


def set_round_status(*, by, round: ReviewRound, to: str) -> ReviewRound:
    """Open, close or reopen a round (``ROUND_TRANSITIONS``); audited as ``review.round.<to>``.

    Starting review (draft → open) is refused while the round has no assignment or its window has
    not opened yet (``open_blockers``, the reasons the round page shows beside the disabled button)."""
    require(by, "review.manage_round", round)
    if to == RoundStatus.OPEN and round.status == RoundStatus.DRAFT:
        blockers = open_blockers(round)
        if blockers:
            raise Conflict(blockers[0])
    transition(round, to, by=by)
    return round


def anonymous_code(round: ReviewRound, entry: Entry, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A code that reveals neither the entrant nor the registration order: six hex digits of a keyed
    digest, longer when those six are ``taken`` in the round (with 4,000 entries, two six-digit codes
    collide about one time in three; the longer code keeps every code unique and still stable)."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{round.pk}:{entry.pk}".encode()).hexdigest()
    for length in (6, 8, 10, 12):
        code = f"R{round.pk}-{digest[:length].upper()}"
        if code not in taken:
            return code
    raise Conflict("匿名编号冲突，请重试。")  # four digests colliding: not in this universe


#: a round takes entries while it is being prepared or under review, never once review has ended
ENTRIES_OPEN = frozenset({RoundStatus.DRAFT, RoundStatus.OPEN})


def add_entries(*, by, round: ReviewRound, entries: list[Entry] | None = None) -> int:
    """Put entries in a round: by default the event's qualified entries — or, when the round
    follows another, the entries that round advanced; for a national round, exactly the projects
    the events recommend (``recommendation_selectors.recommended_for_national``), carrying each
    one's local score when the round carries scores over. Refused once the round is closed or
    published (checked under the round's row lock)."""
    require(by, "review.manage_round", round)
    carried: dict[int, tuple[Decimal | None, int | None]] = {}
    if entries is None:
        if round.event_id:
            if round.previous_id:
                advanced = advanced_decisions(round.previous).select_related("round_entry__entry")
                entries = [d.round_entry.entry for d in advanced]
                carried = {d.round_entry.entry_id: (d.score, round.previous_id) for d in advanced}
            else:
                entries = list(Entry.objects.filter(event_id=round.event_id, status=EntryStatus.QUALIFIED))
        else:
            recommended = list(recommended_for_national(round.edition_id))
            entries = [r.entry for r in recommended]
            if round.carry_over != CarryOver.FRESH:
                carried = {r.entry_id: (r.score, None) for r in recommended}
    with transaction.atomic():
        locked = ReviewRound.objects.select_for_update().get(pk=round.pk)
        if locked.status not in ENTRIES_OPEN:
            raise Conflict(f"评审轮次当前为“{locked.get_status_display()}”，不能再加入参评项目。")
        present = set(round.round_entries.values_list("entry_id", flat=True))
        taken = set(round.round_entries.values_list("code", flat=True))
        rows = []
        for e in entries:
            if e.pk in present:
                continue
            code = anonymous_code(round, e, taken)
            taken.add(code)
            rows.append(RoundEntry(round=round, entry=e, code=code, carried_score=carried.get(e.pk, (None,))[0],
                                   source_round_id=carried.get(e.pk, (None, None))[1]))  # fmt: skip
        RoundEntry.objects.bulk_create(rows)
        if rows:
            audit.record(action="review.round.entries_added", obj=round, by=by, scope=round_scope(round),
                         data={"entries": [r.entry_id for r in rows]})  # fmt: skip
    return len(rows)


def add_judges(*, by, round: ReviewRound, experts: list[Expert], max_load: int | None = None) -> int:
    require(by, "review.manage_round", round)
    with transaction.atomic():
        present = set(round.round_judges.values_list("expert_id", flat=True))
        rows = [RoundJudge(round=round, expert=e, max_load=max_load or round.default_max_load)
                for e in experts if e.pk not in present and e.is_active]  # fmt: skip
        RoundJudge.objects.bulk_create(rows)
        if rows:
            audit.record(action="review.round.judges_added", obj=round, by=by, scope=round_scope(round),
                         data={"experts": [r.expert_id for r in rows], "max_load": max_load})  # fmt: skip
    return len(rows)


# -- organizer pages: round settings, judges of a round --------------------------------------------------

ROUND_PLACES_MAX = 4


def _previous_round_errors(round_: ReviewRound, previous: ReviewRound | None) -> str | None:
    """Why ``previous`` cannot be the round before ``round_`` (None when it can)."""
    if previous is None:
        return None
    if previous.pk == round_.pk:
        return "上一轮不能是本轮自己。"
    if previous.edition_id != round_.edition_id:
        return "上一轮须属于同一届大赛。"
    if round_.event_id is not None and previous.event_id != round_.event_id:
        return "上一轮须属于同一赛事。"
    seen, cursor = {round_.pk}, previous
    while cursor is not None:  # a chain of rounds, never a loop
        if cursor.pk in seen:
            return "上一轮的设置会形成循环。"
        seen.add(cursor.pk)
        cursor = cursor.previous
    return None


def update_round(*, by, round: ReviewRound, data: dict[str, Any]) -> ReviewRound:
    """Edit a round's settings (any of ``ROUND_FIELDS`` and ``previous``).

    Nothing changes once the result is published; the rubric is fixed once a judge has submitted
    a sheet (the totals were computed with it); ``previous`` must be a round of the same edition
    (and the same event for an event's round) without forming a loop."""
    require(by, "review.manage_round", round)
    fields = {k: data[k] for k in ROUND_FIELDS if k in data}
    errors: dict[str, str] = {}
    if "rubric" in fields:
        try:
            fields["rubric"] = clean_rubric(fields["rubric"])
        except FieldErrors as exc:
            errors.update(exc.fields)
    if "name" in fields:
        fields["name"] = str(fields["name"] or "").strip()
        if not fields["name"]:
            errors["name"] = "请填写轮次名称。"
    if "judges_per_entry" in fields and int(fields["judges_per_entry"]) < 1:
        errors["judges_per_entry"] = "每个项目至少 1 位评审。"
    if "default_max_load" in fields and int(fields["default_max_load"]) < 1:
        errors["default_max_load"] = "每位专家最多评审数至少为 1。"
    if "places" in fields and not 0 <= int(fields["places"]) <= ROUND_PLACES_MAX:
        errors["places"] = f"保留小数位应在 0 到 {ROUND_PLACES_MAX} 之间。"
    if "carry_weight" in fields:
        fields["carry_weight"] = Decimal(str(fields["carry_weight"] or 0))
        if not 0 <= fields["carry_weight"] <= 1:
            errors["carry_weight"] = "上一轮成绩占比应在 0 到 1 之间。"
    errors = {**input_problems(fields), **errors}
    opens, closes = fields.get("opens_at", round.opens_at), fields.get("closes_at", round.closes_at)
    if opens and closes and closes <= opens and not errors.keys() & {"opens_at", "closes_at"}:
        errors["closes_at"] = "评审截止时间应晚于开始时间。"
    if "previous" in data:
        previous = data["previous"]
        if previous is not None:
            require(by, "review.manage_round", previous)
        problem = _previous_round_errors(round, previous)
        if problem:
            errors["previous"] = problem
        fields["previous"] = previous
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        round_ = ReviewRound.objects.select_for_update().get(pk=round.pk)
        if round_.status == RoundStatus.PUBLISHED:
            raise Conflict("结果已发布的轮次不能再修改。")
        submitted = ScoreSheet.objects.filter(assignment__round=round_, status=SheetStatus.SUBMITTED).exists()
        if "rubric" in fields and fields["rubric"] != round_.rubric and submitted:
            raise Conflict("已有专家提交评分，不能再修改评分细则。")
        before = {k: getattr(round_, k) for k in fields}
        for key, value in fields.items():
            setattr(round_, key, value)
        round_.save()
        changes = audit.diff(before, {k: getattr(round_, k) for k in fields})
        if changes:
            audit.record(action="review.round.updated", obj=round_, by=by, scope=round_scope(round_),
                         data={"changes": changes})  # fmt: skip
    return round_


def set_round_judge(*, by, round_judge: RoundJudge, max_load: int, available: bool) -> RoundJudge:
    """A judge's load cap and availability in one round (used by the next assignment run)."""
    require(by, "review.manage_round", round_judge.round)
    try:
        max_load = int(max_load)
    except (TypeError, ValueError):
        raise FieldErrors({"max_load": "最多评审数应为整数。"}) from None
    if max_load < 1:
        raise FieldErrors({"max_load": "最多评审数至少为 1。"})
    with transaction.atomic():
        row = RoundJudge.objects.select_for_update().select_related("round").get(pk=round_judge.pk)
        before = {"max_load": row.max_load, "available": row.available}
        row.max_load, row.available = max_load, bool(available)
        row.save(update_fields=["max_load", "available"])
        after = {"max_load": row.max_load, "available": row.available}
        if before != after:
            audit.record(action="review.round.judge_updated", obj=row.round, by=by, scope=round_scope(row.round),
                         data={"expert": row.expert_id, "changes": audit.diff(before, after)})  # fmt: skip
    return row
