"""Batch import, phase two: ``import_entries`` and the writes of each planned row."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from contest.catalog.enums import Tier
from contest.catalog.models import EditionGroup, Event
from contest.core import audit
from contest.core.errors import Conflict, PermissionDenied, ValidationFailed
from contest.registration.enums import GroupKind
from contest.registration.models import Enterprise, Entry
from contest.registration.services.common import locked_entry, snapshot
from contest.registration.services.duplicates import enqueue_duplicate_checks
from contest.registration.services.entries import ensure_open
from contest.registration.services.import_rows import (
    IMPORT_ROW_LIMIT,
    PLACEHOLDER_PREFIX,
    EntryImportReport,
    ImportedRow,
    ImportRefused,
    entry_snapshot,
    is_placeholder,
    plan_import,
)
from contest.registration.services.lifecycle import record_submission
from contest.registration.services.notifications import notify_entrant
from contest.registration.similarity import simhash


def import_entries(
    *,
    by,
    event: Event,
    rows: list[dict[str, Any]],
    dry_run: bool = False,
    source_name: str = "",
    source_sha256: str = "",
) -> EntryImportReport:
    """Import offline registrations of the enterprise group into ``event``.

    ``by`` None is the server's operator (the management command). The registration window
    must be open. Each new entry is submitted with a receipt (source “import”); an enterprise
    without an account gets an inactive placeholder user ``import-<credit code>`` that its
    owner can claim later. Re-importing the same credit code + title updates that entry (a
    returned one is resubmitted); a different project for the same credit code is an error.
    Raises ``ImportRefused`` (nothing written) when any row is wrong and ``dry_run`` is False.
    """
    if by is not None and not by.has_perm("registration.manage_event_entries", event):
        raise PermissionDenied("您没有管理该赛事的权限。")
    if event.tier == Tier.NATIONAL_FINAL:
        raise ValidationFailed("全国总决赛不接受报名，不能导入。", field="event")
    group = EditionGroup.objects.filter(edition_id=event.edition_id, code=GroupKind.ENTERPRISE).first()
    if group is None:
        raise ValidationFailed("本届没有企业组，不能导入企业报名。", field="event")
    if not rows:
        raise ValidationFailed("文件中没有数据行。", field="file")
    if len(rows) > IMPORT_ROW_LIMIT:
        raise ValidationFailed(
            f"一次最多导入 {IMPORT_ROW_LIMIT} 行，当前 {len(rows)} 行；请分批导入。", field="file"
        )
    ensure_open(event)
    if dry_run:
        planned = plan_import(event=event, group=group, rows=rows)
        return EntryImportReport(event=event, rows=planned, dry_run=True)
    with transaction.atomic():
        Event.objects.select_for_update().filter(pk=event.pk).first()  # one import per event at a time
        ensure_open(event)
        report = EntryImportReport(
            event=event, rows=plan_import(event=event, group=group, rows=rows), dry_run=False
        )
        if report.errors:
            raise ImportRefused(report)
        for item in report.rows:
            if item.action == "created":
                item.entry = _create_imported(item, by=by, event=event, group=group)
            elif item.action == "updated":
                item.entry = _update_imported(item, by=by)
        audit.record(
            action="registration.import.completed",
            obj=event,
            by=by,
            scope=f"event:{event.pk}",
            data={
                "source": source_name,
                "sha256": source_sha256,
                "rows": len(report.rows),
                "created": [r.entry.pk for r in report.with_action("created")],
                "updated": [r.entry.pk for r in report.with_action("updated")],
                "unchanged": [r.entry.pk for r in report.with_action("unchanged")],
            },
        )
        changed = [r.entry.pk for r in report.rows if r.action in ("created", "updated")]
        transaction.on_commit(lambda: enqueue_duplicate_checks(changed))  # one bulk task, not one per row
    return report


def _placeholder_owner(credit_code: str, name: str):
    user_model = get_user_model()
    owner = user_model.objects.filter(username=f"{PLACEHOLDER_PREFIX}{credit_code}").first()
    if owner is None:
        owner = user_model(
            username=f"{PLACEHOLDER_PREFIX}{credit_code}", display_name=name[:100], is_active=False
        )
        owner.set_unusable_password()
        owner.save()
    return owner


def _save_imported_enterprise(item: ImportedRow, *, by) -> Enterprise:
    profile = dict(item.enterprise_data)
    enterprise = item.enterprise
    if enterprise is not None and not is_placeholder(enterprise.owner):
        return enterprise  # the entrant's own profile is theirs to edit
    created = enterprise is None
    before = {} if created else snapshot(enterprise, profile)
    if created:
        enterprise = Enterprise(owner=_placeholder_owner(profile["credit_code"], profile["name"]))
    for key, value in profile.items():
        setattr(enterprise, key, value)
    enterprise.save()
    changes = audit.diff(before, snapshot(enterprise, profile))
    if created or changes:
        audit.record(
            action=f"registration.enterprise.{'created' if created else 'updated'}",
            obj=enterprise,
            by=by,
            data={"changes": changes, "source": "import"},
        )
    return enterprise


def _create_imported(item: ImportedRow, *, by, event: Event, group: EditionGroup) -> Entry:
    enterprise = _save_imported_enterprise(item, by=by)
    entry = Entry(
        edition_id=event.edition_id,
        event=event,
        group=group,
        owner=enterprise.owner,
        enterprise=enterprise,
        credit_code=enterprise.credit_code,
        division=enterprise.division,
        source="import",
        **item.entry_data,
    )
    entry.summary_simhash = simhash(entry.summary)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:
        raise Conflict(
            f"第 {item.row} 行：该企业本届已报名一个项目（可能刚刚在线报名），请重新预览。"
        ) from exc
    entry = locked_entry(entry)
    audit.record(
        action="registration.entry.created",
        obj=entry,
        by=by,
        scope=f"event:{event.pk}",
        data={
            "title": entry.title,
            "group": group.code,
            "event": event.pk,
            "source": "import",
            "row": item.row,
        },
    )
    submission = record_submission(entry, by=by, source="import", reason="批量导入线下报名")
    extra = f"回执编号：{submission.number}\n内容哈希（SHA-256）：{submission.sha256}"
    notify_entrant(entry, "submitted", extra=extra)
    return entry


def _update_imported(item: ImportedRow, *, by) -> Entry:
    _save_imported_enterprise(item, by=by)
    entry = locked_entry(item.entry)
    before = entry_snapshot(entry, item.entry_data)
    for key, value in item.entry_data.items():
        setattr(entry, key, value)
    entry.summary_simhash = simhash(entry.summary)
    entry.version += 1
    entry.save()
    audit.record(
        action="registration.entry.updated",
        obj=entry,
        by=by,
        scope=f"event:{entry.event_id}",
        data={"changes": audit.diff(before, item.entry_data), "source": "import", "row": item.row},
    )
    record_submission(entry, by=by, source="import", reason="批量导入更新")
    return entry
