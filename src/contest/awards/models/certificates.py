"""Certificates (one PDF per award, with a public verification code) and bulk-generation batches."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from contest.awards.enums import BATCH_TRANSITIONS, BatchStatus
from contest.core.lifecycle import Lifecycle


def certificate_path(certificate: "Certificate", filename: str) -> str:
    award = certificate.award
    return f"certificates/{award.event.edition_id}/{award.event_id}/{certificate.sha256}.pdf"


class CertificateBatch(models.Model):
    """A background run generating the certificates of an event × group, with its progress."""

    event = models.ForeignKey("catalog.Event", on_delete=models.PROTECT, related_name="certificate_batches")
    group = models.ForeignKey("catalog.EditionGroup", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    site_url = models.CharField(max_length=200)  # where the QR codes point, from the request
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: the worker's last sign of life while the batch runs (a running batch whose heartbeat is old is stale)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    #: queued → running → done, or failed from either; the system moves it (audit ``by`` is None)
    lifecycle = Lifecycle(
        transitions=BATCH_TRANSITIONS,
        audit="awards.batch",
        scope=lambda batch: f"event:{batch.event_id}",
        verbs={BatchStatus.RUNNING: "started", BatchStatus.DONE: "finished"},
        noun=gettext_noop("证书批次"),
    )

    class Meta:
        verbose_name = gettext_lazy("证书生成批次")
        verbose_name_plural = gettext_lazy("证书生成批次")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"batch {self.pk} {self.status}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, (self.done * 100) // self.total)

    @property
    def summary(self) -> str:
        """The batch's outcome in the reader's language: a finished batch's counts; otherwise the
        stored message (a failure's detail, as it happened)."""
        if self.status == BatchStatus.DONE:
            return gettext("已生成 %(made)d 份，跳过已有的 %(skipped)d 份。") % {
                "made": self.done - self.skipped, "skipped": self.skipped,
            }  # fmt: skip
        return self.message


class Certificate(models.Model):
    """The certificate of one award. What it printed is kept in ``data``, so the verification page
    shows the certificate as issued even if the entry is edited later."""

    award = models.ForeignKey("awards.Award", on_delete=models.PROTECT, related_name="certificates")
    code = models.CharField("核验码", max_length=13, unique=True)
    sha256 = models.CharField("PDF 的 SHA-256", max_length=64)
    file = models.FileField(upload_to=certificate_path, max_length=200)
    size = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict)
    verify_url = models.CharField(max_length=300)
    template_version = models.CharField(max_length=20)
    batch = models.ForeignKey(
        CertificateBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="certificates"
    )
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField("作废理由", max_length=300, blank=True)

    class Meta:
        verbose_name = gettext_lazy("获奖证书")
        verbose_name_plural = gettext_lazy("获奖证书")
        ordering = ["award", "-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["award"], condition=Q(revoked_at__isnull=True), name="awards_certificate_one_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None
