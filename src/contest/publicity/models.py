"""公示: a notice list, its immutable published versions, and the objections filed against them."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_noop

from contest.core.lifecycle import Lifecycle
from contest.publicity.enums import (
    NOTICE_TRANSITIONS,
    OBJECTION_TRANSITIONS,
    NoticeKind,
    NoticeStatus,
    ObjectionStatus,
)


def notice_scope(notice: Notice) -> str:
    """The audit scope of a list and everything filed against it: its event, or (a national list)
    its edition."""
    return f"event:{notice.event_id}" if notice.event_id else f"edition:{notice.edition_id}"


class Notice(models.Model):
    """A list put on public notice: of one event, or national (event empty, run by the secretariat).

    While a draft, ``draft_items`` holds the rows the organizer previews; publishing copies them
    into version 1. Published rows live only in ``NoticeVersion``."""

    edition = models.ForeignKey("catalog.Edition", on_delete=models.PROTECT, related_name="notices")
    event = models.ForeignKey("catalog.Event", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="notices")  # fmt: skip
    kind = models.CharField("名单类型", max_length=20, choices=NoticeKind.choices)
    title = models.CharField("标题", max_length=200)
    status = models.CharField("状态", max_length=20, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT)
    columns = models.JSONField("列", default=list)
    draft_items = models.JSONField("草稿名单", default=list, blank=True)
    source = models.JSONField("来源", default=dict, blank=True)
    current_version = models.ForeignKey(
        "publicity.NoticeVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finalized_at = models.DateTimeField("确认时间", null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    #: publishing (draft → published) and a new version (published → published) record
    #: ``publicity.notice.published`` / ``publicity.version.published``; 确认 records ``finalized``
    lifecycle = Lifecycle(
        transitions=NOTICE_TRANSITIONS,
        audit="publicity.notice",
        scope=notice_scope,
        verbs={NoticeStatus.FINAL: "finalized"},
        noun=gettext_noop("名单"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "公示名单"
        verbose_name_plural = "公示名单"
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(current_version__isnull=False),
                name="publicity_notice_published_has_version",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Published notice versions are immutable.")

    def delete(self):
        raise TypeError("Published notice versions are immutable.")


class NoticeVersion(models.Model):
    """One published state of a list: its rows, their hash and its notice period. Never changes."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("版本")
    columns = models.JSONField("列")
    items = models.JSONField("名单")
    sha256 = models.CharField("名单哈希", max_length=64)
    period_starts_at = models.DateTimeField("公示开始")
    period_ends_at = models.DateTimeField("公示结束")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField("发布时间")
    reason = models.TextField("变更原因", blank=True, max_length=2000)
    objections = models.ManyToManyField("publicity.Objection", blank=True, related_name="resolved_in")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["notice", "number"]
        verbose_name = "公示版本"
        verbose_name_plural = "公示版本"
        constraints = [
            models.UniqueConstraint(fields=["notice", "number"], name="publicity_version_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="publicity_version_number_positive"),
            models.CheckConstraint(
                condition=Q(period_ends_at__gt=models.F("period_starts_at")),
                name="publicity_version_period_order",
            ),
            models.CheckConstraint(condition=Q(number=1) | ~Q(reason=""), name="publicity_version_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Published notice versions are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Published notice versions are immutable.")


def evidence_path(objection: Objection, filename: str) -> str:
    """An unguessable name (not the tracking code, which the filer knows): evidence is served only
    through the organizers' console, but a storage that is reachable by URL must not give it away."""
    return f"publicity/{objection.notice_id}/evidence-{secrets.token_hex(16)}{objection.evidence_extension}"


class Objection(models.Model):
    """An objection filed by anyone during the notice period, against one version (and maybe one row)."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="objections")
    version = models.ForeignKey(NoticeVersion, on_delete=models.PROTECT, related_name="filed_objections")
    row_number = models.CharField("涉及项目（报名编号）", max_length=30, blank=True)
    tracking_code = models.CharField("查询码", max_length=16, unique=True)
    name = models.CharField("真实姓名", max_length=50)
    phone = models.CharField("联系电话", max_length=20)
    email = models.EmailField("电子邮箱", blank=True)
    reason = models.TextField("异议理由", max_length=2000)
    evidence = models.FileField("证据材料", upload_to=evidence_path, blank=True)
    evidence_name = models.CharField(max_length=100, blank=True)
    evidence_extension = models.CharField(max_length=8, blank=True)
    evidence_content_type = models.CharField(max_length=40, blank=True)
    evidence_size = models.PositiveIntegerField(null=True, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    phone_verified_at = models.DateTimeField("手机号验证时间", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=ObjectionStatus.choices,
                              default=ObjectionStatus.FILED)  # fmt: skip
    response = models.TextField("答复", blank=True, max_length=2000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    filed_at = models.DateTimeField("提交时间")

    #: filing creates an objection ``filed``; answering moves it to upheld or dismissed
    lifecycle = Lifecycle(
        transitions=OBJECTION_TRANSITIONS,
        audit="publicity.objection",
        scope=lambda objection: notice_scope(objection.notice),
        noun=gettext_noop("异议"),
    )

    class Meta:
        ordering = ["filed_at", "pk"]
        verbose_name = "异议"
        verbose_name_plural = "异议"
        indexes = [
            models.Index(fields=["notice", "phone", "filed_at"]),
            models.Index(fields=["notice", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="filed", answered_at__isnull=True)
                | (~Q(status="filed") & ~Q(response="")),
                name="publicity_objection_answered_with_response",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code


class PhoneVerification(models.Model):
    """A code sent by SMS to prove the objector holds the phone they give. Only the code's keyed
    hash is stored; it is valid for a few minutes and a few attempts, then used by one objection.
    The browser session that asked for it holds the row's id."""

    phone = models.CharField("手机号", max_length=20)  # E.164
    code_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "手机验证码"
        verbose_name_plural = "手机验证码"
        indexes = [
            models.Index(fields=["phone", "created_at"]),
            models.Index(fields=["ip", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"verification {self.pk}"
