"""Audit trail: append-only, each record hash-chained to the one before it.

The hash of record *n* is SHA-256 over the canonical JSON of its own fields and the
hash of record *n-1*. Altering, removing or reordering any record breaks every link
after it; ``manage.py verify_audit`` finds the first broken one.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

GENESIS_HASH = "0" * 64


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit records are append-only; they cannot be updated.")

    def delete(self):
        raise TypeError("Audit records are append-only; they cannot be deleted.")


class AuditRecord(models.Model):
    seq = models.PositiveBigIntegerField("序号", unique=True)
    created_at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField("操作人标识", max_length=200)
    action = models.CharField("动作", max_length=100, db_index=True)
    object_type = models.CharField("对象类型", max_length=100)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    scope = models.CharField("范围", max_length=100, blank=True, db_index=True)
    data = models.JSONField("内容", default=dict)
    prev_hash = models.CharField("前一条哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = gettext_lazy("审计记录")
        verbose_name_plural = gettext_lazy("审计记录")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Audit records are append-only; they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit records are append-only; they cannot be deleted.")


class AuditHead(models.Model):
    """A single row locked by every audit write, so the chain has one writer at a time."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = gettext_lazy("审计链头")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash}"


class WorkerHeartbeat(models.Model):
    """A background worker's sign of life (``manage.py run_worker`` writes it every few seconds).

    The console warns when work has waited in the queue with no worker seen recently
    (``core.workers.stalled_work``)."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=200, blank=True)
    pid = models.PositiveIntegerField(null=True)
    queues = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("后台任务进程")
        verbose_name_plural = gettext_lazy("后台任务进程")

    def __str__(self) -> str:
        return f"{self.worker_id} @ {self.hostname}:{self.pid}"


from contest.core.privacy_models import ErasureRequest, PrivacyConsent  # noqa: E402, F401 -- registered with the app
