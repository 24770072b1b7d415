"""Judges' score sheets and reminders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from contest.core import audit
from contest.core.access import require
from contest.core.errors import Closed, Conflict, FieldErrors, ValidationFailed
from contest.core.inputs import as_decimal, check_text
from contest.core.lifecycle import transition
from contest.review import aggregation as agg
from contest.review.enums import RoundStatus, SheetStatus
from contest.review.models import Assignment, Expert, ReviewRound, ScoreSheet, round_scope
from contest.review.rankings import rubric_of

# -- scoring ---------------------------------------------------------------------------------------------


def ensure_round_open(round: ReviewRound, now=None) -> None:
    now = now or timezone.now()
    if round.status != RoundStatus.OPEN:
        raise Closed(f"评审轮次“{round.name}”当前为“{round.get_status_display()}”，不能评分。")
    if round.opens_at and now < round.opens_at:
        raise Closed("评审尚未开始。")
    if round.closes_at and now >= round.closes_at:
        raise Closed("评审已截止。")


def parse_scores(rubric, raw: dict[str, Any]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    errors: dict[str, str] = {}
    names = {c.code: c.name for c in rubric}
    for code, value in raw.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            out[code] = as_decimal(value)  # typed: plain ASCII digits, not “１０”, “1_0”, “NaN”, “1e3”
        except ValidationFailed:
            errors[code] = f"“{names.get(code, code)}”的分数应为数字。"
    if errors:
        raise FieldErrors(errors)
    return out


def save_sheet(*, by, assignment: Assignment, scores: dict[str, Any], comment: str = "", submit: bool = False,
               expected_version: int | None = None) -> ScoreSheet:  # fmt: skip
    """A judge saves (or submits) their sheet. Edits after submitting are allowed while the round
    is open and recorded with before and after."""
    require(by, "review.score_entry", assignment)
    rubric = rubric_of(assignment.round)
    values = parse_scores(rubric, scores)
    check_text(comment or "", field="comment")
    with transaction.atomic():
        round_ = ReviewRound.objects.get(pk=assignment.round_id)
        ensure_round_open(round_)
        sheet, _ = ScoreSheet.objects.select_for_update().get_or_create(assignment=assignment)
        if expected_version is not None and expected_version != sheet.version:
            raise Conflict("评分已在其他窗口中修改，请刷新后再保存。")
        # A submitted sheet stays complete: saving it again is a resubmission.
        submit = submit or sheet.status == SheetStatus.SUBMITTED
        errors = agg.validate_sheet(rubric, values)
        if not submit:  # a draft may leave criteria empty, but what it holds must be valid
            errors = {code: message for code, message in errors.items() if code in values}
        if errors:
            raise FieldErrors(errors)
        before = {
            "scores": dict(sheet.scores),
            "total": sheet.total,
            "comment": sheet.comment,
            "status": sheet.status,
        }
        complete = not agg.validate_sheet(rubric, values)
        changes = {
            "scores": {k: str(val) for k, val in values.items()},
            "comment": (comment or "").strip()[:3000],
            "total": agg.quantize(agg.sheet_total(rubric, values), 4) if complete else None,
            "version": sheet.version + 1,
        }
        after = {
            "scores": changes["scores"],
            "total": changes["total"],
            "comment": changes["comment"],
            "status": SheetStatus.SUBMITTED if submit else sheet.status,
        }
        data = {"assignment": assignment.pk, "before": before, "after": after}
        if submit and before["status"] != SheetStatus.SUBMITTED:
            # the first submission is the sheet's one status change: the lifecycle writes and audits it
            sheet.assignment = assignment
            transition(sheet, SheetStatus.SUBMITTED, by=by, action="review.sheet.submitted", data=data,
                       values={**changes, "submitted_at": sheet.submitted_at or timezone.now()})  # fmt: skip
            return sheet
        for key, value in changes.items():
            setattr(sheet, key, value)
        sheet.save()
        action = "review.sheet.edited" if before["status"] == SheetStatus.SUBMITTED else "review.sheet.saved"
        audit.record(action=action, obj=sheet, by=by, scope=round_scope(round_), data=data)
    return sheet


def remind_judges(*, by, round: ReviewRound) -> int:
    """E-mail every judge with unfinished assignments in the round."""
    require(by, "review.manage_round", round)
    pending = (round.assignments.exclude(sheet__status=SheetStatus.SUBMITTED).values("expert_id")
               .annotate(n=Count("id")))  # fmt: skip
    experts = {e.pk: e for e in Expert.objects.filter(pk__in=[p["expert_id"] for p in pending])}
    sent = 0
    with transaction.atomic():
        for row in pending:
            expert = experts[row["expert_id"]]
            if not expert.email:
                continue
            subject = f"【创客中国】评审提醒：{round.name}尚有 {row['n']} 个项目待评"
            body = f"{expert.name}专家您好：\n\n“{round}”中您还有 {row['n']} 个项目未提交评分，请尽快完成。\n"
            transaction.on_commit(lambda s=subject, b=body, to=expert.email: send_mail(
                s, b, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=True))  # fmt: skip
            sent += 1
        audit.record(
            action="review.round.reminded", obj=round, by=by, scope=round_scope(round), data={"sent": sent}
        )
    return sent
