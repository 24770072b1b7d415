"""Eligibility and the entry lifecycle: submit, review decisions, withdraw, reopen."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from contest.core import audit
from contest.core.errors import Conflict, ContestError, FieldErrors, PermissionDenied, ValidationFailed
from contest.registration.enums import AWAITING_REVIEW, OVERRIDES, TRANSITIONS, RuleKind
from contest.registration.models import EligibilityRule, Entry, EntryTransition, Submission
from contest.registration.services.common import S, _locked, _require
from contest.registration.services.entries import ENTRY_TEXT_FIELDS, REQUIRED_ON_SUBMIT, ensure_open
from contest.registration.services.notifications import _enqueue_duplicates, _notify

# -- eligibility ------------------------------------------------------------------------------


def eligibility_failures(entry: Entry) -> list[str]:
    """Reasons the entrant does not meet the edition's rules for the entry's group."""
    failures = []
    rules = EligibilityRule.objects.filter(
        edition_id=entry.edition_id, group_code=entry.group.code, is_active=True
    )
    enterprise, team = entry.enterprise, entry.team
    for rule in rules:
        ok = True
        if rule.kind == RuleKind.NOT_LISTED and enterprise:
            ok = not enterprise.is_listed
        elif rule.kind == RuleKind.FOUNDED_ON_OR_AFTER and enterprise:
            ok = enterprise.founded_on >= date.fromisoformat(rule.value)
        elif rule.kind == RuleKind.REVENUE_AT_MOST and enterprise:
            ok = enterprise.revenue_last_year <= Decimal(rule.value)
        elif rule.kind == RuleKind.EMPLOYEES_AT_MOST and enterprise:
            ok = enterprise.employees <= int(rule.value)
        elif rule.kind == RuleKind.NOT_AN_ENTERPRISE and team:
            ok = team.declares_not_enterprise
        elif rule.kind == RuleKind.MIN_MEMBERS and team:
            ok = 1 + team.members.count() >= int(rule.value)  # the leader and the listed members
        if not ok:
            failures.append(rule.message or _default_rule_message(rule))
    return failures


def _default_rule_message(rule: EligibilityRule) -> str:
    return {
        RuleKind.NOT_LISTED: "上市企业不能报名。",
        RuleKind.FOUNDED_ON_OR_AFTER: f"企业须在 {rule.value} 及以后成立。",
        RuleKind.REVENUE_AT_MOST: f"上年营业收入须不超过 {rule.value} 万元。",
        RuleKind.EMPLOYEES_AT_MOST: f"从业人数须不超过 {rule.value} 人。",
        RuleKind.NOT_AN_ENTERPRISE: "创客组团队须未注册企业，且不是企业内部项目。",
        RuleKind.MIN_MEMBERS: f"团队核心成员（含负责人）须不少于 {rule.value} 人。",
    }[rule.kind]


# -- the lifecycle ----------------------------------------------------------------------------


def _transition(entry: Entry, to: str, *, by, reason: str = "", override: bool = False) -> None:
    """The one writer of Entry.status: checks the table, records history and audit."""
    table = OVERRIDES if override else TRANSITIONS
    if to not in table.get(entry.status, frozenset()):
        raise Conflict(f"项目当前状态为“{entry.get_status_display()}”，不能变为“{S(to).label}”。")
    before = entry.status
    entry.status = to
    entry.save(update_fields=["status", "organizer_comment", "updated_at", "number", "submitted_at",
                              "content_sha256", "version"])  # fmt: skip
    at = timezone.now()
    EntryTransition.objects.create(entry=entry, from_status=before, to_status=to, actor=by, reason=reason,
                                   is_override=override, at=at)  # fmt: skip
    audit.record(action=f"registration.entry.{to}", obj=entry, by=by, scope=f"event:{entry.event_id}",
                 data={"before": before, "after": to, "reason": reason, "override": override})  # fmt: skip


def manifest_for(entry: Entry) -> dict[str, Any]:
    """What a receipt certifies: the content fields and the SHA-256 of every file."""
    return {
        "entry": entry.pk,
        "event": entry.event_id,
        "group": entry.group.code,
        "entrant": entry.credit_code or f"team:{entry.team_id}",
        **{k: getattr(entry, k) for k in (*ENTRY_TEXT_FIELDS, "industry", "pitch_video_url")},
        "finances": entry.finances,
        "funding_sought": str(entry.funding_sought) if entry.funding_sought is not None else None,
        "ip_list": entry.ip_list,
        "files": [
            {
                "role": "business_plan",
                "name": entry.business_plan_name,
                "sha256": entry.business_plan_sha256,
                "pages": entry.business_plan_pages,
            }
        ]
        + [{"role": "image", "name": i.name, "sha256": i.sha256} for i in entry.images.all()],
    }


def submit_entry(*, by, entry: Entry) -> Submission:
    """Submit (or resubmit a returned entry): complete, eligible, before the deadline."""
    with transaction.atomic():
        entry = _locked(entry)
        _require(by, "registration.view_entry", entry)
        if entry.owner_id != by.pk:
            raise PermissionDenied("只有报名人可以提交项目。")
        if entry.status in AWAITING_REVIEW or entry.status == S.QUALIFIED:
            raise Conflict("项目已提交，无需重复提交。")
        # One instant decides and is recorded: a submission checked as open at 23:59:59.999 is
        # stamped 23:59:59.999, never later (taken after the row lock, so waiting counts).
        now = timezone.now()
        ensure_open(entry.event, now=now)
        missing = {
            k: f"提交前请填写{label}。" for k, label in REQUIRED_ON_SUBMIT.items() if not getattr(entry, k)
        }
        if not entry.business_plan_sha256 and entry.source == "online":
            missing["business_plan"] = "提交前请上传商业计划书（PDF）。"
        if len([r for r in entry.finances if r.get("year")]) < 3:
            missing["finances"] = "请填写近三年的营业收入与净利润（未满三年的年份填 0）。"
        if missing:
            raise FieldErrors(missing)
        failures = eligibility_failures(entry)
        if failures:
            raise ValidationFailed(
                "不符合参赛条件：" + "；".join(failures), errors=failures, field="eligibility"
            )
        to = S.SUBMITTED if entry.status == S.DRAFT else S.RESUBMITTED
        if not entry.number:
            entry.number = (
                f"CK{entry.edition.number}-{entry.event.tier[0].upper()}{entry.event.seq:02d}-{entry.pk:06d}"
            )
        entry.submitted_at = now
        manifest = manifest_for(entry)
        digest = hashlib.sha256(audit.canonical_json(audit.jsonable(manifest)).encode("utf-8")).hexdigest()
        entry.content_sha256 = digest
        _transition(entry, to, by=by)
        count = entry.submissions.count() + 1
        submission = Submission.objects.create(entry=entry, number=f"{entry.number}-{count}", submitted_at=now,
                                               sha256=digest, manifest=audit.jsonable(manifest))  # fmt: skip
        _notify(entry, "submitted", extra=f"回执编号：{submission.number}\n内容哈希（SHA-256）：{digest}")
        entry_id = entry.pk
        transaction.on_commit(lambda: _enqueue_duplicates(entry_id))
    return submission


def return_entry(*, by, entry: Entry, comment: str) -> Entry:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed("退回修改时请写明需要修改的内容。", field="comment")
    return _decide(by=by, entry=entry, to=S.RETURNED, reason=comment, comment=comment)


def qualify_entry(*, by, entry: Entry, reason: str = "") -> Entry:
    return _decide(by=by, entry=entry, to=S.QUALIFIED, reason=reason)


def disqualify_entry(*, by, entry: Entry, reason: str) -> Entry:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("资格审查不通过时请写明原因。", field="reason")
    return _decide(by=by, entry=entry, to=S.DISQUALIFIED, reason=reason, comment=reason)


def _decide(*, by, entry: Entry, to: str, reason: str, comment: str | None = None) -> Entry:
    with transaction.atomic():
        entry = _locked(entry)
        _require(by, "registration.review_entry", entry)
        if comment is not None:
            entry.organizer_comment = comment
        _transition(entry, to, by=by, reason=reason)
        _notify(entry, to, extra=reason)
    return entry


def withdraw_entry(*, by, entry: Entry, reason: str = "") -> Entry:
    """The entrant withdraws, before the qualification decision."""
    with transaction.atomic():
        entry = _locked(entry)
        _require(by, "registration.view_entry", entry)
        if entry.owner_id != by.pk:
            raise PermissionDenied("只有报名人可以撤回项目。")
        _transition(entry, S.WITHDRAWN, by=by, reason=reason)
    return entry


def reopen_entry(*, by, entry: Entry, reason: str) -> Entry:
    """Organizer override: send a decided entry back to review. Demands a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("撤销审查结论须写明理由。", field="reason")
    with transaction.atomic():
        entry = _locked(entry)
        _require(by, "registration.override_entry", entry)
        _transition(entry, S.SUBMITTED, by=by, reason=reason, override=True)
    return entry


@dataclass
class BulkResult:
    done: list[int]
    failed: dict[int, str]


def bulk_review(*, by, entries: list[Entry], action: str, reason: str = "") -> BulkResult:
    """Qualify, return or disqualify several entries; each independently, failures reported."""
    services = {"qualify": qualify_entry, "return": return_entry, "disqualify": disqualify_entry}
    if action not in services:
        raise ValidationFailed("未知的批量操作。", field="action")
    result = BulkResult(done=[], failed={})
    for entry in entries:
        try:
            if action == "return":
                return_entry(by=by, entry=entry, comment=reason)
            elif action == "disqualify":
                disqualify_entry(by=by, entry=entry, reason=reason)
            else:
                qualify_entry(by=by, entry=entry, reason=reason)
            result.done.append(entry.pk)
        except ContestError as exc:
            result.failed[entry.pk] = exc.message
    return result
