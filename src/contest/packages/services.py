"""Importing an event package in two background jobs: **check** every row and file (the same checks
as an online upload, through ``registration.services.intake.check_items``) and record a report;
then, once an organizer confirms, **write** everything or nothing (``intake.write_items``, source
``package``) and the rows marked 是否推荐 (``review.services.recommendations.recommend_entries``)
in one transaction.

The package is stored to default storage when it is uploaded (streamed: never whole in memory) and
deleted when the import is finished. Its files are read one at a time from the ZIP while the checks
ask for them. Each job writes its progress (rows done of total) and a heartbeat on the import's row;
a job whose worker died is failed by :func:`expire_stale_imports` (lazily when someone starts or
looks at an import, and periodically from ``run_worker``).

``by`` None is the server's operator (``manage.py import_package``), as in
``registration.services.importing``; every other caller needs ``packages.import_package``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import IO, Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from contest.catalog.models import Event
from contest.core import audit
from contest.core.access import require
from contest.core.errors import Conflict, ContestError, ValidationFailed
from contest.core.lifecycle import transition
from contest.core.workers import PRIORITY_BULK, PRIORITY_INTERACTIVE, KeepAlive, stale_before, stale_jobs
from contest.packages.archive import megabytes
from contest.packages.columns import HEADERS, MEMBER_SHEET, SHEETS
from contest.packages.enums import BUSY, FINISHED, ImportStatus
from contest.packages.models import PackageImport
from contest.packages.models.imports import package_path
from contest.packages.reader import Parsed, Problem, open_items
from contest.registration.services.import_rows import IMPORT_ROW_LIMIT
from contest.registration.services.intake import IntakeRefused, ItemOutcome, check_items, write_items
from contest.registration.validators import safe_filename
from contest.review.services.recommendations import recommend_entries

logger = logging.getLogger(__name__)
MANAGE = "packages.import_package"
S = ImportStatus
#: the largest package accepted (a province's several-GB package fits); setting PACKAGE_MAX_BYTES
PACKAGE_MAX_BYTES = 8 * 1024**3
#: items checked per call of ``check_items``: progress is written after each chunk
CHECK_CHUNK = 100
#: problems kept in the stored report (the count is always exact)
MAX_STORED_PROBLEMS = 5_000
#: a package above this size is checked as bulk work (behind the organizer-facing jobs)
BULK_CHECK_BYTES = 512 * 1024 * 1024
UPLOAD_SUFFIXES = (".zip", ".xlsx")


def _scope(event_id: int) -> str:
    return f"event:{event_id}"


def _check(by, event: Event) -> None:
    if by is not None:
        require(by, MANAGE, event)


def max_package_bytes() -> int:
    return int(getattr(settings, "PACKAGE_MAX_BYTES", 0) or PACKAGE_MAX_BYTES)


# -- phase one: upload and check ------------------------------------------------------------------------


def upload_package(*, by, event: Event, file, run_now: bool = False) -> PackageImport:
    """Store an uploaded package (``file``: an uploaded or local Django ``File`` with ``name`` and
    ``size``) and queue its check. One import job at a time per event. ``run_now`` checks it in
    this process instead (the command, the benchmark)."""
    _check(by, event)
    name = safe_filename(str(getattr(file, "name", "") or ""), default="")
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise ValidationFailed(_("请上传 ZIP 报名包（.zip），或不带文件的报名表（.xlsx）。"), field="file")
    size = int(getattr(file, "size", 0) or 0)
    if size <= 0:
        raise ValidationFailed(_("文件是空的。"), field="file")
    if size > max_package_bytes():
        raise ValidationFailed(_("文件过大：%(size)s，上限 %(limit)s。请分成几个包导入。")
                               % {"size": megabytes(size), "limit": megabytes(max_package_bytes())}, field="file")  # fmt: skip
    expire_stale_imports(event=event)
    _refuse_busy(event)
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    draft = PackageImport(event=event)
    stored = default_storage.save(package_path(draft, name), file)  # streamed in chunks
    try:
        with transaction.atomic():
            Event.objects.select_for_update().filter(pk=event.pk).first()
            _refuse_busy(event)
            package_import = PackageImport.objects.create(
                event=event, uploaded_by=by, file=stored, name=name, size=size, sha256=digest.hexdigest()
            )
            audit.record(action="packages.import.uploaded", obj=package_import, by=by, scope=_scope(event.pk),
                         data={"name": name, "size": size, "sha256": package_import.sha256})  # fmt: skip
            if not run_now:
                priority = PRIORITY_BULK if size > BULK_CHECK_BYTES else PRIORITY_INTERACTIVE
                pk = package_import.pk
                transaction.on_commit(lambda: check_package_task.using(priority=priority).enqueue(pk))
    except BaseException:
        default_storage.delete(stored)
        raise
    if run_now:
        return run_check(package_import.pk)
    return package_import


def _refuse_busy(event: Event) -> None:
    busy = PackageImport.objects.filter(event=event, status__in=sorted(BUSY)).first()
    if busy is not None:
        raise Conflict(_("本赛事的报名包“%(name)s”正在处理（%(status)s），请等它完成后再操作。")
                       % {"name": busy.name, "status": busy.get_status_display()})  # fmt: skip


def check_package(*, event: Event, handle: IO[bytes], label: str, progress=None) -> dict[str, Any]:
    """The report of checking the package in ``handle`` (seekable) for ``event``; writes nothing.
    ``progress(done, total)`` is called as the rows are checked."""
    try:
        with open_items(handle, label=label) as parsed:
            total = len(parsed.items)
            if progress is not None:
                progress(0, total)
            outcomes: list[ItemOutcome] = []
            if total > IMPORT_ROW_LIMIT:
                parsed.problems.append(Problem(_("一次最多导入 %(limit)d 个项目，报名包中有 %(count)d 个；请分成几个包导入。")
                                               % {"limit": IMPORT_ROW_LIMIT, "count": total}))  # fmt: skip
            elif parsed.items:
                for start in range(0, total, CHECK_CHUNK):
                    chunk = parsed.items[start : start + CHECK_CHUNK]
                    outcomes += check_items(event=event, items=chunk)
                    if progress is not None:
                        progress(min(start + CHECK_CHUNK, total), total)
            elif not parsed.problems:
                parsed.problems.append(Problem(_("报名表中没有项目：企业组和创客组都没有数据行。")))
            return build_report(parsed, outcomes, phase="check")
    except ContestError as exc:  # the package, or the event, refuses as a whole
        return refusal_report(exc, phase="check")


def refusal_report(exc: ContestError, *, phase: str) -> dict[str, Any]:
    messages = list(dict.fromkeys(getattr(exc, "errors", None) or [exc.message]))
    problems = [Problem(m).as_dict() for m in messages]
    return {"phase": phase, "counts": {}, "actions": {}, "warnings": [], "problems": problems,
            "problem_total": len(problems)}  # fmt: skip


def build_report(parsed: Parsed, outcomes: Sequence[ItemOutcome], *, phase: str) -> dict[str, Any]:
    """Counts, planned actions and every problem by sheet, row, column and file (package-level
    problems first, then in sheet and row order)."""
    problems = list(parsed.problems)
    for outcome in outcomes:
        problems += [place_of(parsed, p.key, p.column, p.message) for p in outcome.problems]
    order = {spec.title: i for i, spec in enumerate(SHEETS)}
    problems.sort(key=lambda p: (bool(p.sheet), order.get(p.sheet, 9), p.row or 0, p.column, p.file))
    actions = Counter(o.action for o in outcomes)
    return {
        "phase": phase,
        "counts": parsed.counts,
        "actions": {k: actions.get(k, 0) for k in ("created", "updated", "unchanged")},
        "warnings": parsed.warnings,
        "problems": [p.as_dict() for p in problems[:MAX_STORED_PROBLEMS]],
        "problem_total": len(problems),
    }


def place_of(parsed: Parsed, key: str, column: str, message: str) -> Problem:
    """An intake problem (item key, field name) as a place in the package (sheet, row, header, file)."""
    place = parsed.places.get(key)
    if place is None:
        return Problem(message, column=column)
    headers = HEADERS[place.sheet]
    head, _dot, rest = column.partition(".")
    index = None
    if "[" in head and head.endswith("]"):
        name, _bracket, number = head[:-1].partition("[")
        index = int(number) if number.isdigit() else None
        head = name
    if head == "members":
        rows = place.members
        if index is not None and index < len(rows):
            member_headers = HEADERS[MEMBER_SHEET]
            return Problem(
                message, sheet=MEMBER_SHEET, row=rows[index], column=member_headers.get(rest, rest)
            )
        return Problem(message, sheet=place.sheet, row=place.row, column=_("团队成员"))
    if head == "business_plan":
        return Problem(
            message, sheet=place.sheet, row=place.row, column=headers["business_plan"], file=place.plan
        )
    if head == "images":
        name = place.images[index] if index is not None and index < len(place.images) else ""
        return Problem(message, sheet=place.sheet, row=place.row, column=headers["images"], file=name)
    if head in ("group", "fields", "items"):
        return Problem(message, sheet=place.sheet, row=place.row)
    return Problem(message, sheet=place.sheet, row=place.row, column=headers.get(head, column))


class _Progress:
    """Writes a job's progress on its row, at most once a second (and at the end)."""

    def __init__(self, pk: int):
        self.pk, self.last = pk, 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and done and now - self.last < 1.0:
            return
        self.last = now
        PackageImport.objects.filter(pk=self.pk).update(done=done, total=total, heartbeat_at=timezone.now())


def _move(pk: int, to: str, *, by=None, reason: str = "", **values) -> PackageImport:
    if to in FINISHED:
        values["finished_at"] = timezone.now()
    package_import = PackageImport.objects.get(pk=pk)
    transition(package_import, to, by=by, reason=reason, values=values)
    if to in FINISHED:
        _discard_file(package_import)
    return package_import


def _discard_file(package_import: PackageImport) -> None:
    """Delete the stored package once nothing more will read it (after the commit)."""
    name = package_import.file.name
    if not name:
        return
    PackageImport.objects.filter(pk=package_import.pk).update(file="")
    package_import.file.name = ""
    transaction.on_commit(lambda: default_storage.delete(name))


def run_check(import_id: int) -> PackageImport:
    """The check job's body: every row and file checked, the report stored; the import ends
    ``checked`` (ready to confirm) or ``rejected`` (problems found), or ``failed``."""
    package_import = _move(import_id, S.CHECKING, heartbeat_at=timezone.now(), done=0)
    with KeepAlive(PackageImport, import_id):
        try:
            with default_storage.open(package_import.file.name, "rb") as handle:
                report = check_package(event=package_import.event, handle=handle, label=package_import.name,
                                       progress=_Progress(import_id))  # fmt: skip
        except Exception as exc:
            logger.exception("package check %s failed", import_id)
            return _fail(import_id, _("校验失败：%(kind)s: %(detail)s") % {"kind": exc.__class__.__name__,
                                                                          "detail": exc})  # fmt: skip
    to = S.REJECTED if report["problem_total"] else S.CHECKED
    message = summary(report, to)
    return _move(import_id, to, report=report, message=message[:500])


def summary(report: dict[str, Any], status: str) -> str:
    counts, actions = report.get("counts") or {}, report.get("actions") or {}
    if report.get("problem_total"):
        return _("发现 %(count)d 处问题，未写入任何数据。请修改后重新上传。") % {
            "count": report["problem_total"]
        }
    made = _("企业组 %(enterprise)d 个、创客组 %(maker)d 个项目（成员 %(members)d 人，文件 %(files)d 个）") % {
        "enterprise": counts.get("enterprise", 0), "maker": counts.get("maker", 0),
        "members": counts.get("members", 0), "files": counts.get("files", 0),
    }  # fmt: skip
    plan = _("新增 %(created)d，更新 %(updated)d，无变化 %(unchanged)d") % {
        "created": actions.get("created", 0), "updated": actions.get("updated", 0),
        "unchanged": actions.get("unchanged", 0),
    }  # fmt: skip
    if status == S.IMPORTED:
        return _("已导入：%(made)s；%(plan)s；推荐 %(recommended)d 个。") % {
            "made": made, "plan": plan, "recommended": report.get("recommended", 0)}  # fmt: skip
    return _("校验通过：%(made)s；确认后将%(plan)s；推荐 %(recommended)d 个。") % {
        "made": made, "plan": plan, "recommended": counts.get("recommended", 0)}  # fmt: skip


def _fail(import_id: int, message: str) -> PackageImport:
    try:
        return _move(import_id, S.FAILED, message=message[:500])
    except Conflict:  # finished meanwhile: it keeps its result
        return PackageImport.objects.get(pk=import_id)


# -- phase two: confirm and write ----------------------------------------------------------------------


def confirm_import(*, by, package_import: PackageImport, run_now: bool = False) -> PackageImport:
    """Confirm a checked import: queue the job that writes it (all or nothing)."""
    event = package_import.event
    _check(by, event)
    expire_stale_imports(event=event)
    with transaction.atomic():
        Event.objects.select_for_update().filter(pk=event.pk).first()
        other = PackageImport.objects.filter(event=event, status__in=[S.CONFIRMED, S.WRITING]).exclude(
            pk=package_import.pk
        )
        if other.exists():
            raise Conflict(_("本赛事另一个报名包正在写入，请等它完成后再确认。"))
        transition(package_import, S.CONFIRMED, by=by, values={"confirmed_by": by, "done": 0})
        if not run_now:
            pk = package_import.pk
            transaction.on_commit(lambda: write_package_task.enqueue(pk))
    if run_now:
        return run_write(package_import.pk)
    return package_import


def run_write(import_id: int) -> PackageImport:
    """The write job's body: the package read again and written in one transaction — the items
    (``write_items``), the recommendations and the import's move to ``imported``, so a job failed
    meanwhile as stale (its heartbeat lost) rolls the whole write back. A refusal (a row that
    changed meanwhile, a quota exceeded, the window closed) ends the import ``rejected`` with
    nothing written."""
    package_import = _move(import_id, S.WRITING, heartbeat_at=timezone.now(), done=0)
    with KeepAlive(PackageImport, import_id):
        try:
            with default_storage.open(package_import.file.name, "rb") as handle:
                report = _write(package_import, handle)
        except Exception as exc:
            logger.exception("package write %s failed", import_id)
            return _fail(import_id, _("写入失败，未写入任何数据：%(kind)s: %(detail)s")
                         % {"kind": exc.__class__.__name__, "detail": exc})  # fmt: skip
    if report is None:  # written and moved to imported in the write's transaction
        package_import.refresh_from_db()
        _discard_file(package_import)
        return package_import
    return _move(import_id, S.REJECTED, report=report, message=summary(report, S.REJECTED)[:500])


def _write(package_import: PackageImport, handle: IO[bytes]) -> dict[str, Any] | None:
    """Write the package; None when written, else the report of why nothing was."""
    event, by = package_import.event, package_import.confirmed_by
    try:
        with open_items(handle, label=package_import.name) as parsed:
            if parsed.problems:  # the same package passed the check: only a changed reader gets here
                return build_report(parsed, [], phase="write")
            total = len(parsed.items)
            PackageImport.objects.filter(pk=package_import.pk).update(total=total)
            try:
                with transaction.atomic():
                    outcomes = write_items(by=by, event=event, items=parsed.items, source="package")
                    recommended = _recommend(parsed, outcomes, event=event, by=by)
                    report = build_report(parsed, outcomes, phase="write")
                    report["recommended"] = recommended
                    audit.record(action="packages.import.written", obj=package_import, by=by,
                                 scope=_scope(event.pk), data={"actions": report["actions"],
                                                               "recommended": recommended,
                                                               "sha256": package_import.sha256})  # fmt: skip
                    transition(package_import, S.IMPORTED, by=None,
                               values={"report": report, "message": summary(report, S.IMPORTED)[:500],
                                       "done": total, "total": total, "finished_at": timezone.now()})  # fmt: skip
            except IntakeRefused as exc:
                return build_report(parsed, exc.outcomes, phase="write")
            return None
    except ContestError as exc:
        return refusal_report(exc, phase="write")


def _recommend(parsed: Parsed, outcomes: Iterable[ItemOutcome], *, event: Event, by) -> int:
    results = [(o.entry, parsed.results[o.key]) for o in outcomes if o.key in parsed.results and o.entry]
    if not results:
        return 0
    recommend_entries(by=by, event=event, results=results, source="package")
    return len(results)


# -- cancelling, stale jobs -----------------------------------------------------------------------------


def cancel_import(*, by, package_import: PackageImport) -> PackageImport:
    """Drop a checked (or still queued) import without writing anything; its package is deleted."""
    _check(by, package_import.event)
    with transaction.atomic():
        transition(package_import, S.CANCELLED, by=by, values={"finished_at": timezone.now()})
        _discard_file(package_import)
    return package_import


def expire_stale_imports(*, event: Event | int | None = None) -> int:
    """Fail the imports whose worker died: running with no heartbeat (or start) for
    ``STALE_JOB_AFTER``, or queued that long while no worker is alive. The system acts (no user);
    the reason names the last sign of life; nothing was written (the write is one transaction).
    Returns how many it failed."""
    limit = stale_before()
    condition: Q = stale_jobs(limit, running=S.CHECKING, queued=S.QUEUED) | stale_jobs(
        limit, running=S.WRITING, queued=S.CONFIRMED
    )
    stale = PackageImport.objects.filter(condition)
    if event is not None:
        stale = stale.filter(event=event)
    failed = 0
    for package_import in stale.order_by("pk"):
        last = timezone.localtime(package_import.heartbeat_at or package_import.created_at)
        reason = _("后台任务中断：自 %(time)s 起没有进展，已标记为失败；未写入任何数据，请重新上传。") % {
            "time": f"{last:%Y-%m-%d %H:%M}"}  # fmt: skip
        try:
            with transaction.atomic():
                transition(package_import, S.FAILED, by=None, reason=reason,
                           values={"message": reason[:500], "finished_at": timezone.now()})  # fmt: skip
                _discard_file(package_import)
        except Conflict:  # it finished meanwhile
            continue
        failed += 1
    return failed


# -- tasks (declared beside the services they run: in tasks.py they would make a cycle) ---------------


@task(priority=PRIORITY_INTERACTIVE)
def check_package_task(import_id: int) -> str:
    """Check a package in the background; progress and report live on the PackageImport row."""
    try:
        return run_check(import_id).status
    except Exception:
        logger.exception("package check %s failed", import_id)
        return _fail(import_id, _("校验失败（后台任务出错）。")).status


@task(priority=PRIORITY_INTERACTIVE)  # an organizer waits for it
def write_package_task(import_id: int) -> str:
    """Write a confirmed package in the background (all or nothing)."""
    try:
        return run_write(import_id).status
    except Exception:
        logger.exception("package write %s failed", import_id)
        return _fail(import_id, _("写入失败（后台任务出错），未写入任何数据。")).status
