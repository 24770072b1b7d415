"""Eligibility and the entry lifecycle: submit, review decisions, withdraw, reopen."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext

from contest.core import audit
from contest.core.errors import Conflict, ContestError, FieldErrors, ValidationFailed
from contest.core.inputs import check_text
from contest.core.lifecycle import refusal, transition, transition_many
from contest.registration.enums import AWAITING_REVIEW, RuleKind
from contest.registration.models import EligibilityRule, Entry, EntryImage, Submission
from contest.registration.rules import can_review, is_entry_owner
from contest.registration.services.common import S, locked_entry, require_entry_action
from contest.registration.services.duplicates import enqueue_duplicate_check
from contest.registration.services.entries import ENTRY_TEXT_FIELDS, REQUIRED_ON_SUBMIT, ensure_open
from contest.registration.services.notifications import notify_entrant

# -- eligibility ------------------------------------------------------------------------------


def eligibility_failures(
    entry: Entry, *, rules: list[EligibilityRule] | None = None, members: int | None = None
) -> list[str]:
    """Reasons the entrant does not meet the edition's rules for the entry's group.

    A batch (``services.intake``) passes the edition's active ``rules`` read once (those of other
    groups are skipped here) and, for a team not saved yet, the number of its listed ``members``."""
    failures = []
    if rules is None:
        rules = EligibilityRule.objects.filter(
            edition_id=entry.edition_id, group_code=entry.group.code, is_active=True
        )
    else:
        rules = [r for r in rules if r.group_code == entry.group.code and r.is_active]
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
            listed = team.members.count() if members is None else members
            ok = 1 + listed >= int(rule.value)  # the leader and the listed members
        if not ok:
            failures.append(rule.message or _default_rule_message(rule))
    return failures


def _default_rule_message(rule: EligibilityRule) -> str:
    """The rule's refusal in the reader's language (an organizer's own ``message`` is shown as written)."""
    value = {"value": rule.value}
    return {
        RuleKind.NOT_LISTED: gettext("上市企业不能报名。"),
        RuleKind.FOUNDED_ON_OR_AFTER: gettext("企业须在 %(value)s 及以后成立。") % value,
        RuleKind.REVENUE_AT_MOST: gettext("上年营业收入须不超过 %(value)s 万元。") % value,
        RuleKind.EMPLOYEES_AT_MOST: gettext("从业人数须不超过 %(value)s 人。") % value,
        RuleKind.NOT_AN_ENTERPRISE: gettext("创客组团队须未注册企业，且不是企业内部项目。"),
        RuleKind.MIN_MEMBERS: gettext("团队核心成员（含负责人）须不少于 %(value)s 人。") % value,
    }[rule.kind]


# -- the lifecycle ----------------------------------------------------------------------------
#
# Every status change goes through ``contest.core.lifecycle.transition`` (``Entry.lifecycle``
# declares the tables, the audit codes ``registration.entry.<status>`` and the history rows).

NUMBER_FORMAT = "CK{edition}-{tier}{seq:02d}-{pk:06d}"
#: the status a submission moves an entry to, from the statuses that may be submitted
SUBMITS_TO = {S.DRAFT: S.SUBMITTED, S.RETURNED: S.RESUBMITTED}


def manifest_for(entry: Entry, *, images: list[EntryImage] | None = None) -> dict[str, Any]:
    """What a receipt certifies: the content fields and the SHA-256 of every file (``images``: the
    entry's images in order, when the caller has read them already)."""
    images = list(entry.images.all()) if images is None else images
    return {
        "entry": entry.pk,
        "event": entry.event_id,
        "group": entry.group.code,
        "entrant": entry.credit_code or _entrant_without_credit_code(entry),
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
        + [{"role": "image", "name": i.name, "sha256": i.sha256} for i in images],
    }


def _entrant_without_credit_code(entry: Entry) -> str:
    """An overseas enterprise by its country and registration number; a team by its id."""
    if entry.enterprise_id:
        return f"enterprise:{entry.enterprise.country}:{entry.enterprise.registration_number}"
    return f"team:{entry.team_id}"


def entry_number(entry: Entry) -> str:
    """The entry's number: given at its first submission, kept for good."""
    return entry.number or NUMBER_FORMAT.format(
        edition=entry.edition.number, tier=entry.event.tier[0].upper(), seq=entry.event.seq, pk=entry.pk
    )


def receipt_manifest(
    entry: Entry, *, source: str, images: list[EntryImage] | None = None
) -> tuple[dict[str, Any], str]:
    """(manifest, its SHA-256) of a submission of ``entry`` as it stands."""
    manifest = manifest_for(entry, images=images)
    if source != "online":
        manifest["source"] = source
    digest = hashlib.sha256(audit.canonical_json(audit.jsonable(manifest)).encode("utf-8")).hexdigest()
    return manifest, digest


def record_submission(entry: Entry, *, by, source: str, at=None, reason: str = "") -> Submission:
    """THE submission of an entry, online (``submit_entry``) or by the offline import: the entry's
    number (given once), the time, the manifest and its SHA-256, the status (a draft becomes
    submitted, a returned entry resubmitted; an entry already awaiting review keeps its status)
    and a receipt row. The caller has locked the entry and checked everything else."""
    at = at or timezone.now()
    number = entry_number(entry)
    entry.number, entry.submitted_at = number, at
    manifest, digest = receipt_manifest(entry, source=source)
    values = {"number": number, "submitted_at": at, "content_sha256": digest}
    to = SUBMITS_TO.get(entry.status)
    if to is not None:
        transition(entry, to, by=by, reason=reason, values=values)
    else:
        entry.content_sha256 = digest
        entry.save(update_fields=[*values, "updated_at"])
    count = entry.submissions.count() + 1
    return Submission.objects.create(entry=entry, number=f"{number}-{count}", submitted_at=at, sha256=digest,
                                     manifest=audit.jsonable(manifest))  # fmt: skip


def write_fields(objs: list[Any], fields: list[str]) -> None:
    """Write ``fields`` of each of ``objs`` (one model) with one ``UPDATE … WHERE pk = %s``
    executed for all of them (``executemany``): what ``bulk_update`` does without its
    ``CASE … WHEN`` per object and field, which took 12 s for 4,000 entries. ``auto_now``
    fields are stamped as ``save()`` would. Never a status: ``core.lifecycle`` writes those."""
    if not objs:
        return
    if "status" in fields:
        raise ValueError("statuses are written by contest.core.lifecycle only")
    model = type(objs[0])
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name) for name in fields]
    sets = ", ".join(f"{quote(c.column)} = %s" for c in columns)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {quote(model._meta.pk.column)} = %s"  # noqa: S608 - names from the model
    params = [
        [c.get_db_prep_save(c.pre_save(obj, False), connection=connection) for c in columns] + [obj.pk]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def record_submissions(
    entries: list[Entry],
    *,
    by,
    source: str,
    reason: str = "",
    images: dict[int, list[EntryImage]] | None = None,
) -> list[Submission]:
    """``record_submission`` for many locked entries at once (a batch import): the same numbers,
    manifests, statuses, history, audit records and receipts, written in a few statements — the
    statuses through ``transition_many`` (one per target status). ``images``: entry pk → its images
    in order, for those the caller holds (the others are read in one query). Entries that cannot be
    submitted (decided, withdrawn) are refused by the lifecycle and nothing is written."""
    if not entries:
        return []
    at = timezone.now()
    ids = [e.pk for e in entries]
    images = dict(images or {})
    missing = [pk for pk in ids if pk not in images]
    if missing:
        images.update({pk: [] for pk in missing})
        for image in EntryImage.objects.filter(entry_id__in=missing).order_by("entry", "order", "id"):
            images[image.entry_id].append(image)
    counts = dict(
        Submission.objects.filter(entry_id__in=ids)
        .values("entry_id")
        .annotate(n=Count("pk"))
        .values_list("entry_id", "n")
    )
    receipts, moves = [], {}
    for entry in entries:
        entry.number, entry.submitted_at = entry_number(entry), at
        manifest, digest = receipt_manifest(entry, source=source, images=images.get(entry.pk, []))
        entry.content_sha256 = digest
        number = f"{entry.number}-{counts.get(entry.pk, 0) + 1}"
        receipts.append(Submission(entry=entry, number=number, submitted_at=at, sha256=digest,
                                   manifest=audit.jsonable(manifest)))  # fmt: skip
        to = SUBMITS_TO.get(entry.status)
        if to is not None:
            moves.setdefault(to, []).append(entry)
    with transaction.atomic():
        write_fields(entries, ["number", "submitted_at", "content_sha256", "updated_at"])
        for to, moving in moves.items():
            transition_many(moving, to, by=by, reason=reason, values={"submitted_at": at})
        return Submission.objects.bulk_create(receipts, batch_size=500)


def _submit_refusal(entry: Entry) -> ContestError:
    if entry.status in AWAITING_REVIEW or entry.status == S.QUALIFIED:
        return Conflict("项目已提交，无需重复提交。")
    return refusal(entry, entry.status, S.RESUBMITTED)


def submit_entry(*, by, entry: Entry) -> Submission:
    """Submit (or resubmit a returned entry): complete, eligible, before the deadline."""
    with transaction.atomic():
        entry = locked_entry(entry)
        require_entry_action(by, "registration.submit_entry", entry, person=is_entry_owner,
                             message="只有报名人可以提交项目。", refusal=_submit_refusal(entry))  # fmt: skip
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
                gettext("不符合参赛条件：%(reasons)s") % {"reasons": gettext("；").join(failures)},
                errors=failures,
                field="eligibility",
            )
        submission = record_submission(entry, by=by, source="online", at=now)
        notify_entrant(entry, "submitted",
                       extra=f"回执编号：{submission.number}\n内容哈希（SHA-256）：{submission.sha256}")  # fmt: skip
        entry_id = entry.pk
        transaction.on_commit(lambda: enqueue_duplicate_check(entry_id))
    return submission


def return_entry(*, by, entry: Entry, comment: str) -> Entry:
    comment = check_text((comment or "").strip(), field="comment")
    if not comment:
        raise ValidationFailed("退回修改时请写明需要修改的内容。", field="comment")
    return _decide(by=by, entry=entry, to=S.RETURNED, reason=comment, comment=comment)


def qualify_entry(*, by, entry: Entry, reason: str = "") -> Entry:
    check_text(reason or "", field="reason")
    return _decide(by=by, entry=entry, to=S.QUALIFIED, reason=reason)


def disqualify_entry(*, by, entry: Entry, reason: str) -> Entry:
    reason = check_text((reason or "").strip(), field="reason")
    if not reason:
        raise ValidationFailed("资格审查不通过时请写明原因。", field="reason")
    return _decide(by=by, entry=entry, to=S.DISQUALIFIED, reason=reason, comment=reason)


def _decide(*, by, entry: Entry, to: str, reason: str, comment: str | None = None) -> Entry:
    with transaction.atomic():
        entry = locked_entry(entry)
        require_entry_action(by, "registration.review_entry", entry, person=can_review,
                             refusal=refusal(entry, entry.status, to))  # fmt: skip
        values = {} if comment is None else {"organizer_comment": comment}
        transition(entry, to, by=by, reason=reason, values=values)
        notify_entrant(entry, to, extra=reason)
    return entry


def withdraw_entry(*, by, entry: Entry, reason: str = "") -> Entry:
    """The entrant withdraws, before the qualification decision."""
    check_text(reason or "", field="reason")
    with transaction.atomic():
        entry = locked_entry(entry)
        require_entry_action(by, "registration.withdraw_entry", entry, person=is_entry_owner,
                             message="只有报名人可以撤回项目。", refusal=refusal(entry, entry.status, S.WITHDRAWN))  # fmt: skip
        transition(entry, S.WITHDRAWN, by=by, reason=reason)
    return entry


def reopen_entry(*, by, entry: Entry, reason: str) -> Entry:
    """Organizer override: send a decided entry back to review. Demands a reason."""
    reason = check_text((reason or "").strip(), field="reason")
    if not reason:
        raise ValidationFailed("撤销审查结论须写明理由。", field="reason")
    with transaction.atomic():
        entry = locked_entry(entry)
        require_entry_action(by, "registration.override_entry", entry, person=can_review,
                             refusal=refusal(entry, entry.status, S.SUBMITTED))  # fmt: skip
        transition(entry, S.SUBMITTED, by=by, reason=reason, override=True)
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
    check_text(reason or "", field="reason")  # refused once, not once per entry
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
