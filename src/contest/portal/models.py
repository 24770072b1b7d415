"""Portal credentials and the pushes they made.

A :class:`PortalClient` is one credential of one event: the province's own registration site
signs its calls with ``<client_id>.<secret>``. Only the SHA-256 of the secret is stored (the
secret is 32 random bytes: see ``portal.credentials`` for why a fast hash is the right one).
A :class:`PortalPush` is one accepted or refused push, kept under its ``Idempotency-Key`` so a
replay answers the stored response and never writes twice.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy


class PortalClient(models.Model):
    event = models.ForeignKey(
        "catalog.Event", verbose_name="赛事", on_delete=models.PROTECT, related_name="portal_clients"
    )
    name = models.CharField("用途", max_length=100)
    client_id = models.CharField("客户端编号", max_length=40, unique=True)
    secret_sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="撤销人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("省级平台接口凭据")
        verbose_name_plural = gettext_lazy("省级平台接口凭据")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_by__isnull=False),
                name="portal_client_revoked_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class PortalPush(models.Model):
    """One push under its idempotency key: what was sent (its SHA-256) and what was answered."""

    client = models.ForeignKey(PortalClient, on_delete=models.PROTECT, related_name="pushes")
    key = models.CharField("幂等键", max_length=100)
    body_sha256 = models.CharField(max_length=64)
    http_status = models.PositiveSmallIntegerField("响应状态码")
    accepted = models.BooleanField("已写入")
    counts = models.JSONField("结果统计", default=dict)
    response = models.JSONField("响应内容")
    created_at = models.DateTimeField("推送时间", auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("推送记录")
        verbose_name_plural = gettext_lazy("推送记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="portal_push_one_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.client.client_id} · {self.key}"
