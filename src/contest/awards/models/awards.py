"""Award levels and awards: per event × group, staged then confirmed together, revoked with a reason."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy, gettext_noop

from contest.awards.enums import AWARD_TRANSITIONS, AwardSource, AwardStatus
from contest.core.lifecycle import Lifecycle


class AwardLevel(models.Model):
    """一等奖 … 优胜奖 for the whole edition (event empty), or a custom level of one event
    (最佳人气奖). A lower ``rank`` is a higher award."""

    edition = models.ForeignKey("catalog.Edition", on_delete=models.CASCADE, related_name="award_levels")
    event = models.ForeignKey(
        "catalog.Event", null=True, blank=True, on_delete=models.CASCADE, related_name="award_levels"
    )
    name = models.CharField("奖项名称", max_length=30)
    rank = models.PositiveSmallIntegerField("排序（越小等级越高）")
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("奖项等级")
        verbose_name_plural = gettext_lazy("奖项等级")
        ordering = ["rank", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "name"], condition=Q(event__isnull=True), name="awards_level_edition_name"
            ),
            models.UniqueConstraint(
                fields=["event", "name"], condition=Q(event__isnull=False), name="awards_level_event_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Award(models.Model):
    """One entry's award in its event and group. ``order`` is its place within the level."""

    event = models.ForeignKey("catalog.Event", on_delete=models.PROTECT, related_name="awards")
    group = models.ForeignKey("catalog.EditionGroup", on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey("registration.Entry", on_delete=models.PROTECT, related_name="awards")
    level = models.ForeignKey(AwardLevel, on_delete=models.PROTECT, related_name="awards")
    order = models.PositiveSmallIntegerField("等级内排序", default=1)
    citation = models.CharField("颁奖词", max_length=300, blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=AwardStatus.choices, default=AwardStatus.STAGED, db_index=True
    )
    source = models.CharField("来源", max_length=20, choices=AwardSource.choices, default=AwardSource.MANUAL)
    source_ref = models.CharField(max_length=40, blank=True)  # "session:12" / "snapshot:5"
    source_rank = models.PositiveIntegerField(null=True, blank=True)
    source_score = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True)
    staged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    staged_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField("撤销理由", max_length=300, blank=True)

    #: staged → confirmed (together, ``confirm_awards``) → revoked (with a reason, ``revoke_award``)
    lifecycle = Lifecycle(
        transitions=AWARD_TRANSITIONS,
        audit="awards.award",
        scope=lambda award: f"event:{award.event_id}",
        noun=gettext_noop("奖项"),
    )

    class Meta:
        verbose_name = gettext_lazy("奖项")
        verbose_name_plural = gettext_lazy("奖项")
        ordering = ["event", "group", "level__rank", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "entry", "level"], condition=~Q(status="revoked"), name="awards_award_once"
            ),
            models.CheckConstraint(
                condition=Q(status="revoked", revoked_at__isnull=False) | ~Q(status="revoked"),
                name="awards_award_revoked_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.level_id}"
