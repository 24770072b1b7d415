from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from contest.core.lifecycle import Lifecycle
from contest.review.enums import (
    ROUND_TRANSITIONS,
    RUN_TRANSITIONS,
    SHEET_TRANSITIONS,
    Aggregation,
    AssignmentSource,
    CarryOver,
    Decision,
    QuotaKind,
    RoundStage,
    RoundStatus,
    RunStatus,
    SheetStatus,
)


def round_scope(round_) -> str:
    """The audit scope of everything in a round: its event, or its edition for a national round."""
    return f"event:{round_.event_id}" if round_.event_id else f"edition:{round_.edition_id}"


def default_rubric() -> list[dict]:
    """The usual rubric; its criterion names are shown translated (``criterion_label``)."""
    return [
        {"code": "innovation", "name": gettext_noop("技术创新"), "max": "30", "weight": "30"},
        {"code": "business_model", "name": gettext_noop("商业模式"), "max": "20", "weight": "20"},
        {"code": "market", "name": gettext_noop("市场前景"), "max": "20", "weight": "20"},
        {"code": "team", "name": gettext_noop("团队能力"), "max": "20", "weight": "20"},
        {"code": "finance_social", "name": gettext_noop("财务与社会效益"), "max": "10", "weight": "10"},
    ]


#: the names the default rubric gives its criteria
DEFAULT_CRITERION_NAMES = frozenset(c["name"] for c in default_rubric())


def criterion_label(name: str) -> str:
    """A criterion's name as shown: the default rubric's names in the active language, an
    organizer's own names as typed."""
    return gettext(name) if name in DEFAULT_CRITERION_NAMES else name


class ReviewRound(models.Model):
    """A round of expert review: of one event, or national (event empty, run by the secretariat)."""

    edition = models.ForeignKey("catalog.Edition", on_delete=models.PROTECT, related_name="review_rounds")
    event = models.ForeignKey("catalog.Event", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="review_rounds")  # fmt: skip
    name = models.CharField("名称", max_length=100)
    stage = models.CharField("阶段", max_length=20, choices=RoundStage.choices)
    status = models.CharField("状态", max_length=20, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    rubric = models.JSONField("评分细则", default=default_rubric)
    judges_per_entry = models.PositiveSmallIntegerField("每个项目的评审人数", default=5)
    default_max_load = models.PositiveIntegerField("每位专家最多评审数", default=30)
    blind = models.BooleanField("匿名评审（隐藏参赛主体身份）", default=True)
    judges_see_others = models.BooleanField("评审可看到其他评审的打分", default=False)
    opens_at = models.DateTimeField("评审开始", null=True, blank=True)
    closes_at = models.DateTimeField("评审截止", null=True, blank=True)
    aggregation = models.CharField(
        "合成方式", max_length=20, choices=Aggregation.choices, default=Aggregation.MEAN
    )
    normalize = models.BooleanField("按评审标准化（z 分数）", default=False)
    places = models.PositiveSmallIntegerField("保留小数位", default=2)
    rank_by_industry = models.BooleanField("另按行业排名", default=False)
    require_investor = models.BooleanField("每个项目至少一位投资专家", default=False)
    distinct_organizations = models.BooleanField("同一项目的评审来自不同单位", default=False)
    carry_over = models.CharField(
        "上一轮成绩", max_length=20, choices=CarryOver.choices, default=CarryOver.FRESH
    )
    carry_weight = models.DecimalField("上一轮成绩占比", max_digits=4, decimal_places=3, default=0)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_rounds"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    lifecycle = Lifecycle(
        transitions=ROUND_TRANSITIONS, audit="review.round", scope=round_scope, noun=gettext_noop("评审轮次")
    )

    class Meta:
        ordering = ["edition", "event", "created_at"]
        verbose_name = gettext_lazy("评审轮次")
        verbose_name_plural = gettext_lazy("评审轮次")

    def __str__(self) -> str:
        return f"{self.event or '全国'} · {self.name}"


class RoundEntry(models.Model):
    """An entry taking part in a round, with what it carries from the round before."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="round_entries")
    entry = models.ForeignKey("registration.Entry", on_delete=models.PROTECT, related_name="round_entries")
    carried_score = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True)
    source_round = models.ForeignKey(
        ReviewRound, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField("匿名编号", max_length=20)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("参评项目")
        verbose_name_plural = gettext_lazy("参评项目")
        ordering = ["round", "code"]
        constraints = [
            models.UniqueConstraint(fields=["round", "entry"], name="review_roundentry_unique"),
            models.UniqueConstraint(fields=["round", "code"], name="review_roundentry_code_unique"),
        ]

    def __str__(self) -> str:
        return self.code


class RoundJudge(models.Model):
    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="round_judges")
    expert = models.ForeignKey("review.Expert", on_delete=models.PROTECT, related_name="round_judges")
    max_load = models.PositiveIntegerField("最多评审数")
    available = models.BooleanField("可参加", default=True)

    class Meta:
        verbose_name = gettext_lazy("轮次评审专家")
        verbose_name_plural = gettext_lazy("轮次评审专家")
        constraints = [models.UniqueConstraint(fields=["round", "expert"], name="review_roundjudge_unique")]

    def __str__(self) -> str:
        return f"{self.expert_id} @ {self.round_id}"


class Assignment(models.Model):
    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="assignments")
    round_entry = models.ForeignKey(RoundEntry, on_delete=models.CASCADE, related_name="assignments")
    expert = models.ForeignKey("review.Expert", on_delete=models.PROTECT, related_name="assignments")
    source = models.CharField(max_length=20, choices=AssignmentSource.choices, default=AssignmentSource.AUTO)
    match_score = models.PositiveSmallIntegerField("匹配度", default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("评审分配")
        verbose_name_plural = gettext_lazy("评审分配")
        ordering = ["round", "round_entry", "expert"]
        constraints = [
            models.UniqueConstraint(fields=["round_entry", "expert"], name="review_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.round_entry_id} ← {self.expert_id}"


class ScoreSheet(models.Model):
    """One judge's scores for one entry. Decimal values, validated against the rubric."""

    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="sheet")
    scores = models.JSONField("各项得分", default=dict)  # code → Decimal string
    total = models.DecimalField("总分", max_digits=8, decimal_places=4, null=True, blank=True)
    comment = models.TextField("评语", blank=True, max_length=3000)
    status = models.CharField(max_length=20, choices=SheetStatus.choices, default=SheetStatus.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    lifecycle = Lifecycle(transitions=SHEET_TRANSITIONS, audit="review.sheet",
                          scope=lambda sheet: round_scope(sheet.assignment.round), noun=gettext_noop("评分表"))  # fmt: skip

    class Meta:
        verbose_name = gettext_lazy("评分表")
        verbose_name_plural = gettext_lazy("评分表")

    def __str__(self) -> str:
        return f"sheet {self.assignment_id}"


class AssignmentRun(models.Model):
    """A background run of the automatic assignment, with progress for the organizer's page."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="assignment_runs")
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: the worker's last sign of life while the run runs (a running run whose heartbeat is old is stale)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    lifecycle = Lifecycle(transitions=RUN_TRANSITIONS, audit="review.assignment_run",
                          scope=lambda run: round_scope(run.round), noun=gettext_noop("分配任务"))  # fmt: skip

    class Meta:
        verbose_name = gettext_lazy("自动分配任务")
        verbose_name_plural = gettext_lazy("自动分配任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"run {self.pk} {self.status}"


class Quota(models.Model):
    """How many of a round's entries of a group may advance."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="quotas")
    group_code = models.CharField(max_length=30)
    kind = models.CharField(max_length=20, choices=QuotaKind.choices)
    count = models.PositiveIntegerField(null=True, blank=True)
    percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    floor = models.PositiveIntegerField(null=True, blank=True)
    cap = models.PositiveIntegerField(null=True, blank=True)
    total = models.PositiveIntegerField("按比例分配的总名额", null=True, blank=True)
    taken = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = gettext_lazy("晋级名额")
        verbose_name_plural = gettext_lazy("晋级名额")
        constraints = [
            models.UniqueConstraint(fields=["round", "group_code"], name="review_quota_unique"),
            models.CheckConstraint(condition=Q(taken__gte=0), name="review_quota_taken_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.group_code}: {self.kind}"


class RankingSnapshot(models.Model):
    """A ranking as computed at one moment; published ones never change."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="rankings")
    group_code = models.CharField(max_length=30)
    industry = models.CharField(max_length=1, blank=True)
    rows = models.JSONField()
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("排名快照")
        verbose_name_plural = gettext_lazy("排名快照")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.group_code} {self.sha256[:12]}"


class AdvancementDecision(models.Model):
    """A staged decision; publishing makes all of a round's decisions final together."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="decisions")
    round_entry = models.ForeignKey(RoundEntry, on_delete=models.PROTECT, related_name="decisions")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    rank = models.PositiveIntegerField(null=True, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    staged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    staged_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("晋级决定")
        verbose_name_plural = gettext_lazy("晋级决定")
        constraints = [
            models.UniqueConstraint(fields=["round", "round_entry"], name="review_decision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.round_entry_id}: {self.decision}"
