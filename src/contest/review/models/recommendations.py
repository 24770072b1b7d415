"""Recommendations into the national review: each feeding event recommends its projects, within
the places (quotas) the secretariat gives it per group — and, where set, per industry and per
station (``catalog.EventZone``) — before the edition's deadline."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy, gettext_noop

from contest.core.lifecycle import Lifecycle
from contest.review.enums import RECOMMENDATION_TRANSITIONS, RecommendationSource, RecommendationStatus


class RecommendationQuota(models.Model):
    """How many projects of a group an event may recommend: the group's places (no industry, no
    station), or a cap on one industry and/or one station of the event. A recommended project counts
    against every quota row it matches."""

    edition = models.ForeignKey(
        "catalog.Edition", on_delete=models.PROTECT, related_name="recommendation_quotas"
    )
    event = models.ForeignKey("catalog.Event", on_delete=models.PROTECT, related_name="recommendation_quotas")
    group_code = models.CharField("组别", max_length=30)
    industry = models.CharField("行业领域", max_length=1, blank=True)
    zone = models.ForeignKey(
        "catalog.EventZone", verbose_name="赛区站点", null=True, blank=True, on_delete=models.PROTECT,
        related_name="recommendation_quotas",
    )  # fmt: skip
    count = models.PositiveIntegerField("推荐名额")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("推荐名额")
        verbose_name_plural = gettext_lazy("推荐名额")
        ordering = ["event_id", "group_code", "zone_id", "industry"]
        constraints = [
            # a NULL station never collides in SQL, so the rows without one have their own constraint
            models.UniqueConstraint(
                fields=["edition", "event", "group_code", "industry", "zone"],
                condition=Q(zone__isnull=False),
                name="review_recquota_unique_zone",
            ),
            models.UniqueConstraint(
                fields=["edition", "event", "group_code", "industry"],
                condition=Q(zone__isnull=True),
                name="review_recquota_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.group_code} {self.industry or '*'} {self.zone_id or '*'}: {self.count}"


class RecommendationDeadline(models.Model):
    """The time by which the events of an edition recommend their projects; later ones are late."""

    edition = models.OneToOneField(
        "catalog.Edition", on_delete=models.PROTECT, related_name="recommendation_deadline"
    )
    due_at = models.DateTimeField("推荐截止时间")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("推荐截止时间")
        verbose_name_plural = gettext_lazy("推荐截止时间")

    def __str__(self) -> str:
        return f"{self.edition_id}: {self.due_at:%Y-%m-%d %H:%M}"


def recommendation_scope(recommendation) -> str:
    return f"event:{recommendation.event_id}"


class Recommendation(models.Model):
    """A project an event recommends to the national review, with its local result."""

    edition = models.ForeignKey("catalog.Edition", on_delete=models.PROTECT, related_name="recommendations")
    event = models.ForeignKey("catalog.Event", on_delete=models.PROTECT, related_name="recommendations")
    entry = models.ForeignKey("registration.Entry", on_delete=models.PROTECT, related_name="recommendations")
    group_code = models.CharField("组别", max_length=30)
    zone = models.ForeignKey(
        "catalog.EventZone", verbose_name="赛区站点", null=True, blank=True, on_delete=models.PROTECT,
        related_name="recommendations",
    )  # fmt: skip
    rank = models.PositiveIntegerField("本赛事名次", null=True, blank=True)
    score = models.DecimalField("本赛事得分", max_digits=8, decimal_places=4, null=True, blank=True)
    award = models.CharField("本赛事奖项", max_length=50, blank=True)
    source = models.CharField("来源", max_length=20, choices=RecommendationSource.choices)
    status = models.CharField(
        "状态", max_length=20, choices=RecommendationStatus.choices, default=RecommendationStatus.RECOMMENDED
    )
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recommended_at = models.DateTimeField("推荐时间")
    on_time = models.BooleanField("按时推荐", default=True)

    lifecycle = Lifecycle(
        transitions=RECOMMENDATION_TRANSITIONS, audit="review.recommendation", scope=recommendation_scope,
        history="review.RecommendationTransition", history_subject="recommendation", noun=gettext_noop("推荐"),
    )  # fmt: skip

    class Meta:
        verbose_name = gettext_lazy("推荐项目")
        verbose_name_plural = gettext_lazy("推荐项目")
        ordering = ["event_id", "group_code", "rank", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "entry"], name="review_recommendation_unique_entry"),
        ]
        indexes = [models.Index(fields=["edition", "status"], name="review_rec_edition_status")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.entry_id} ({self.status})"


class RecommendationTransition(models.Model):
    """A recommendation's history: every status change with actor, time and reason."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=RecommendationStatus.choices)
    to_status = models.CharField(max_length=20, choices=RecommendationStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    is_override = models.BooleanField(default=False)
    at = models.DateTimeField()

    class Meta:
        ordering = ["recommendation", "at", "id"]
        verbose_name = gettext_lazy("推荐变更记录")
        verbose_name_plural = gettext_lazy("推荐变更记录")

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
