from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy, gettext_noop

from contest.core.lifecycle import Lifecycle
from contest.registration.enums import OVERRIDES, TRANSITIONS, EntryStatus, Industry


def business_plan_path(entry: "Entry", filename: str) -> str:
    return f"entries/{entry.edition_id}/{entry.pk or 'new'}/plan-{entry.business_plan_sha256[:16]}.pdf"


def image_path(image: "EntryImage", filename: str) -> str:
    return f"entries/{image.entry.edition_id}/{image.entry_id}/img-{image.sha256[:16]}{image.extension}"


class Entry(models.Model):
    """A project registered into one event of an edition, by an enterprise or a maker team."""

    edition = models.ForeignKey("catalog.Edition", on_delete=models.PROTECT, related_name="entries")
    event = models.ForeignKey("catalog.Event", on_delete=models.PROTECT, related_name="entries")
    group = models.ForeignKey("catalog.EditionGroup", on_delete=models.PROTECT, related_name="entries")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="entries")
    enterprise = models.ForeignKey(
        "registration.Enterprise", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    team = models.ForeignKey(
        "registration.MakerTeam", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    credit_code = models.CharField("统一社会信用代码", max_length=18, null=True, blank=True, db_index=True)
    division = models.ForeignKey(
        "catalog.Division", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    zone = models.ForeignKey(
        "catalog.EventZone", verbose_name="赛区站点", null=True, blank=True, on_delete=models.PROTECT,
        related_name="entries",
    )  # fmt: skip

    title = models.CharField("项目名称", max_length=200)
    industry = models.CharField("行业领域", max_length=1, choices=Industry.choices)
    summary = models.TextField("项目简介", max_length=2000)
    innovation = models.TextField("技术与创新", max_length=5000, blank=True)
    market = models.TextField("市场前景", max_length=5000, blank=True)
    business_model = models.TextField("商业模式", max_length=5000, blank=True)
    team_description = models.TextField("团队情况", max_length=5000, blank=True)
    finances = models.JSONField("近三年财务（万元）", default=list, blank=True)
    funding_sought = models.DecimalField(
        "融资需求（万元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    ip_list = models.JSONField("知识产权", default=list, blank=True)
    pitch_video_url = models.URLField("路演视频链接", blank=True)

    business_plan = models.FileField("商业计划书", upload_to=business_plan_path, blank=True)
    business_plan_name = models.CharField(max_length=200, blank=True)
    business_plan_sha256 = models.CharField(max_length=64, blank=True)
    business_plan_pages = models.PositiveIntegerField(null=True, blank=True)
    business_plan_size = models.PositiveIntegerField(null=True, blank=True)

    status = models.CharField("状态", max_length=20, choices=EntryStatus.choices, default=EntryStatus.DRAFT,
                              db_index=True)  # fmt: skip
    number = models.CharField("报名编号", max_length=30, unique=True, null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    content_sha256 = models.CharField("提交内容哈希", max_length=64, blank=True)
    organizer_comment = models.TextField("组织方意见", blank=True)
    source = models.CharField("来源", max_length=10, default="online")  # online | import
    summary_simhash = models.BigIntegerField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    #: every status change goes through ``contest.core.lifecycle.transition`` against these tables
    lifecycle = Lifecycle(
        transitions=TRANSITIONS,
        overrides=OVERRIDES,
        audit="registration.entry",
        scope=lambda e: f"event:{e.event_id}",
        history="registration.EntryTransition",
        history_subject="entry",
        noun=gettext_noop("项目"),
    )

    class Meta:
        verbose_name = gettext_lazy("参赛项目")
        verbose_name_plural = gettext_lazy("参赛项目")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["event", "status"]),
            models.Index(fields=["event", "group", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(enterprise__isnull=False) & Q(team__isnull=True))
                | (Q(enterprise__isnull=True) & Q(team__isnull=False)),
                name="registration_entry_enterprise_xor_team",
            ),
            # One project per enterprise per edition, across all events (withdrawn ones aside).
            models.UniqueConstraint(
                fields=["edition", "credit_code"],
                condition=~Q(status="withdrawn") & Q(credit_code__isnull=False),
                name="registration_entry_one_per_credit_code",
            ),
            # …and per enterprise (an overseas enterprise has no credit code)
            models.UniqueConstraint(
                fields=["edition", "enterprise"],
                condition=~Q(status="withdrawn") & Q(enterprise__isnull=False),
                name="registration_entry_one_per_enterprise",
            ),
            models.UniqueConstraint(
                fields=["edition", "team"],
                condition=~Q(status="withdrawn") & Q(team__isnull=False),
                name="registration_entry_one_per_team",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def entrant_name(self) -> str:
        return self.enterprise.name if self.enterprise_id else self.team.name


class EntryImage(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(upload_to=image_path)
    name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    extension = models.CharField(max_length=8)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["entry", "order", "id"]

    def __str__(self) -> str:
        return self.name


class Submission(models.Model):
    """A receipt: what was submitted, when, and the SHA-256 of its content and files."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="submissions")
    number = models.CharField("回执编号", max_length=40, unique=True)
    submitted_at = models.DateTimeField("提交时间")
    sha256 = models.CharField("内容哈希", max_length=64)
    manifest = models.JSONField("提交内容清单")

    class Meta:
        ordering = ["entry", "submitted_at"]
        verbose_name = gettext_lazy("提交回执")
        verbose_name_plural = gettext_lazy("提交回执")

    def __str__(self) -> str:
        return self.number


class EntryTransition(models.Model):
    """The entry's history: every status change with actor, time, reason, before/after."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=EntryStatus.choices)
    to_status = models.CharField(max_length=20, choices=EntryStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    is_override = models.BooleanField(default=False)
    at = models.DateTimeField()

    class Meta:
        ordering = ["entry", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class DuplicateFlag(models.Model):
    """Near-duplicate titles or summaries across events, shown to organizers."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="duplicate_flags")
    other = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="+")
    score = models.DecimalField("相似度", max_digits=4, decimal_places=3)
    field = models.CharField(max_length=20)  # title | summary
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("疑似重复")
        verbose_name_plural = gettext_lazy("疑似重复")
        ordering = ["-score"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "other", "field"], name="registration_dup_unique")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} ~ {self.other_id} ({self.field} {self.score})"
