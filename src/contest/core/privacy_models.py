"""Records of personal-information choices: consent to the privacy notice, requests for erasure.

They live in core (beside the audit chain) because every app's users give consent and any app's
data may be erased; core still imports no app — the erasure itself is carried out by the app
that holds the data (``registration.services.personal_data``)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy, gettext_noop

from contest.core.lifecycle import Lifecycle


class PrivacyConsent(models.Model):
    """A user accepted version ``version`` of the privacy notice (/privacy/), at sign-up or at a
    later sign-in after the notice changed. Kept after erasure: it proves what was agreed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="privacy_consents"
    )
    version = models.CharField("隐私政策版本", max_length=40)
    accepted_at = models.DateTimeField("同意时间")
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    context = models.CharField("场合", max_length=20)  # signup | sign_in

    class Meta:
        verbose_name = gettext_lazy("隐私政策同意记录")
        verbose_name_plural = gettext_lazy("隐私政策同意记录")
        constraints = [models.UniqueConstraint(fields=["user", "version"], name="core_privacy_consent_once")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.version}"


class ErasureStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("待确认")
    DONE = "done", gettext_lazy("已删除")
    REJECTED = "rejected", gettext_lazy("未予删除")


ERASURE_TRANSITIONS: dict[str, frozenset[str]] = {
    ErasureStatus.PENDING: frozenset({ErasureStatus.DONE, ErasureStatus.REJECTED}),
    ErasureStatus.DONE: frozenset(),
    ErasureStatus.REJECTED: frozenset(),
}


class ErasureRequest(models.Model):
    """A user asked for the personal data the competition need not keep to be erased. Done at once
    when nothing of theirs was ever submitted; otherwise pending until the secretariat or an
    organizer of their events confirms (or refuses, with a reason)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="erasure_requests"
    )
    status = models.CharField(
        "状态", max_length=20, choices=ErasureStatus.choices, default=ErasureStatus.PENDING
    )
    requested_at = models.DateTimeField("申请时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    reason = models.CharField("不予删除的理由", max_length=500, blank=True)
    #: what was erased, field by field (names only, never the values)
    summary = models.JSONField("处理结果", default=dict, blank=True)

    lifecycle = Lifecycle(
        transitions=ERASURE_TRANSITIONS, audit="privacy.erasure", noun=gettext_noop("删除申请")
    )

    class Meta:
        verbose_name = gettext_lazy("个人信息删除申请")
        verbose_name_plural = gettext_lazy("个人信息删除申请")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status="pending"), name="core_erasure_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.status}"
