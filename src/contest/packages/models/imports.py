"""An event package import: the uploaded ZIP (or bare workbook), its two background jobs' progress
and the report of every problem found (by sheet, row, column or file)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy, gettext_noop

from contest.core.lifecycle import Lifecycle
from contest.packages.enums import BUSY, FINISHED, TRANSITIONS, ImportStatus


def package_path(package_import: PackageImport, filename: str) -> str:
    """Where the uploaded package waits while its jobs run: never under its own (untrusted) name."""
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".zip"
    return f"packages/{package_import.event_id}/{uuid.uuid4().hex}{suffix}"


class PackageImport(models.Model):
    event = models.ForeignKey("catalog.Event", on_delete=models.PROTECT, related_name="package_imports")
    #: None: the server's operator (``manage.py import_package``)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: the stored package; emptied once the import is finished (the name, size and hash stay)
    file = models.FileField(upload_to=package_path, max_length=200, blank=True)
    name = models.CharField(gettext_lazy("文件名"), max_length=200)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    #: the running job's progress: rows (entries) checked or written of ``total``
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    #: counts, problems (sheet/row/column/file/message), warnings, actions — see services.report
    report = models.JSONField(default=dict, blank=True)
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: the worker's last sign of life while a job runs (a running job whose heartbeat is old is stale)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    lifecycle = Lifecycle(
        transitions=TRANSITIONS,
        audit="packages.import",
        scope=lambda package_import: f"event:{package_import.event_id}",
        history="packages.PackageImportTransition",
        history_subject="package_import",
        noun=gettext_noop("报名包导入"),
    )

    class Meta:
        verbose_name = gettext_lazy("报名包导入")
        verbose_name_plural = gettext_lazy("报名包导入")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["event", "status"], name="packages_import_event_status")]

    def __str__(self) -> str:
        return f"package import {self.pk} {self.status}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, (self.done * 100) // self.total)

    @property
    def is_busy(self) -> bool:
        return self.status in BUSY

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def problem_total(self) -> int:
        return int(self.report.get("problem_total", 0)) if isinstance(self.report, dict) else 0


class PackageImportTransition(models.Model):
    """The import's history: every status change with actor, time and reason."""

    package_import = models.ForeignKey(PackageImport, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=ImportStatus.choices)
    to_status = models.CharField(max_length=20, choices=ImportStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    is_override = models.BooleanField(default=False)
    at = models.DateTimeField()

    class Meta:
        ordering = ["package_import", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
