"""Batch import, phase two: ``import_entries`` — the checked rows written in bulk by ``intake.write_plans``."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from contest.catalog.enums import Tier
from contest.catalog.models import EditionGroup, Event
from contest.core.errors import PermissionDenied, ValidationFailed
from contest.registration.enums import GroupKind
from contest.registration.services.entries import ensure_open
from contest.registration.services.import_rows import (
    IMPORT_ROW_LIMIT,
    EntryImportReport,
    ImportedRow,
    ImportRefused,
    import_state,
    plan_import,
)
from contest.registration.services.intake import ItemOutcome, PlannedItem, write_plans


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
    # The plan (every row cleaned, ~all of the work) is made before the lock; inside it, a few
    # queries tell whether anything it read has changed since, and only then is it made again.
    state = import_state(event=event, rows=rows)
    planned = plan_import(event=event, group=group, rows=rows)
    if any(item.errors for item in planned):
        raise ImportRefused(EntryImportReport(event=event, rows=planned, dry_run=False))
    with transaction.atomic():
        Event.objects.select_for_update().filter(pk=event.pk).first()  # one import per event at a time
        ensure_open(event)
        if import_state(event=event, rows=rows) != state:
            planned = plan_import(event=event, group=group, rows=rows)
        report = EntryImportReport(event=event, rows=planned, dry_run=False)
        if report.errors:
            raise ImportRefused(report)
        plans = [_as_plan(item, group) for item in report.rows]
        write_plans(plans, by=by, event=event, source="import", action="registration.import.completed",
                    data={"source": source_name, "sha256": source_sha256, "rows": len(report.rows)})  # fmt: skip
        for item, plan in zip(report.rows, plans, strict=True):
            item.entry = plan.outcome.entry
    return report


def _as_plan(item: ImportedRow, group: EditionGroup) -> PlannedItem:
    """A checked row as the bulk writer's plan; an import carries no files (the stored ones stay)."""
    key = f"第 {item.row} 行"
    return PlannedItem(
        key=key,
        kind=GroupKind.ENTERPRISE,
        group=group,
        outcome=ItemOutcome(key, item.action, [], item.entry),
        natural=item.credit_code,
        profile=item.enterprise_data,
        entry_data=item.entry_data,
        replace_files=False,
        enterprise=item.enterprise,
        entry=item.entry,
        changes=item.changes,
        row=item.row,
    )
