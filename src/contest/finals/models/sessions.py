"""Roadshow sessions (路演), their speaking-order draw and live scores (当场亮分).

Everything a screen shows lives in these rows, so any number of app processes can serve
screens: a write bumps ``RoadshowSession.version`` in the same transaction, and the
server-sent-event streams poll that one integer.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy, gettext_noop

from contest.core.lifecycle import Lifecycle
from contest.finals.enums import (
    SESSION_TRANSITIONS,
    SLOT_TRANSITIONS,
    CloseReason,
    LiveAggregation,
    SessionStatus,
    SlotStatus,
)


def default_segments() -> list[dict]:
    """8 minutes of pitch, 7 of questions — the most common national format."""
    return [{"label": "项目路演", "seconds": 480}, {"label": "评委问答", "seconds": 420}]


class RoadshowSession(models.Model):
    """One room of a roadshow final: its entries, its panel, its chair and its draw."""

    edition = models.ForeignKey("catalog.Edition", on_delete=models.PROTECT, related_name="roadshow_sessions")
    event = models.ForeignKey("catalog.Event", on_delete=models.PROTECT, related_name="roadshow_sessions")
    group = models.ForeignKey(
        "catalog.EditionGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="为空表示不分组",
    )  # fmt: skip
    source_round = models.ForeignKey(
        "review.ReviewRound", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="从该轮评审的晋级名单中带入项目",
    )  # fmt: skip
    name = models.CharField("场次名称", max_length=100)
    venue = models.CharField("地点", max_length=200)
    room = models.CharField("会场", max_length=100, blank=True)
    starts_at = models.DateTimeField("开始时间")
    segments = models.JSONField("路演环节", default=default_segments)
    aggregation = models.CharField(
        "计分方式", max_length=20, choices=LiveAggregation.choices, default=LiveAggregation.TRIMMED
    )
    places = models.PositiveSmallIntegerField("保留小数位", default=2, validators=[MaxValueValidator(4)])
    score_min = models.DecimalField("最低分", max_digits=6, decimal_places=2, default=Decimal("0"))
    score_max = models.DecimalField("最高分", max_digits=6, decimal_places=2, default=Decimal("100"))
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="chaired_sessions",
        verbose_name="主持人",
    )  # fmt: skip
    notary = models.CharField("公证机构/公证员", max_length=200, blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=SessionStatus.choices, default=SessionStatus.DRAFT, db_index=True
    )
    # Live state: what is on stage now and the stage timer.
    current_slot = models.ForeignKey(
        "finals.SessionSlot", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    timer_segment = models.PositiveSmallIntegerField(null=True, blank=True)
    timer_started_at = models.DateTimeField(null=True, blank=True)  # null while paused / stopped
    timer_elapsed_ms = models.PositiveIntegerField(default=0)  # accumulated before the last pause
    version = models.PositiveBigIntegerField(default=0)  # bumped by every write a screen shows
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    #: draft → drawn → live → finished; audit codes finals.session.drawn / started / finished
    lifecycle = Lifecycle(
        transitions=SESSION_TRANSITIONS,
        audit="finals.session",
        verbs={SessionStatus.LIVE: "started"},
        scope=lambda session: f"event:{session.event_id}",
        noun=gettext_noop("场次"),
    )

    class Meta:
        verbose_name = gettext_lazy("路演场次")
        verbose_name_plural = gettext_lazy("路演场次")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score_min__lt=models.F("score_max")), name="finals_session_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SessionJudge(models.Model):
    """A judge on the panel, in a numbered seat (评委 1 … 15)."""

    session = models.ForeignKey(RoadshowSession, on_delete=models.CASCADE, related_name="judges")
    expert = models.ForeignKey("review.Expert", on_delete=models.PROTECT, related_name="session_seats")
    seat = models.PositiveSmallIntegerField(
        "席位号", validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("路演评委")
        verbose_name_plural = gettext_lazy("路演评委")
        ordering = ["session", "seat"]
        constraints = [
            models.UniqueConstraint(fields=["session", "expert"], name="finals_judge_once"),
            models.UniqueConstraint(fields=["session", "seat"], name="finals_judge_seat"),
        ]

    def __str__(self) -> str:
        return f"评委 {self.seat}"


class SessionSlot(models.Model):
    """One entry's turn on stage: speaking position, state and the result shown on screen."""

    session = models.ForeignKey(RoadshowSession, on_delete=models.CASCADE, related_name="slots")
    entry = models.ForeignKey("registration.Entry", on_delete=models.PROTECT, related_name="roadshow_slots")
    position = models.PositiveSmallIntegerField("出场顺序", null=True, blank=True)  # set by the draw
    status = models.CharField("状态", max_length=20, choices=SlotStatus.choices, default=SlotStatus.WAITING)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    close_note = models.CharField("关闭说明", max_length=300, blank=True)
    result = models.DecimalField("最终得分", max_digits=8, decimal_places=4, null=True, blank=True)
    result_detail = models.JSONField(default=dict, blank=True)  # counted / dropped seats, method
    version = models.PositiveIntegerField(default=1)

    #: waiting → open → closed, or waiting → absent; audit codes finals.slot.opened / closed / absent
    lifecycle = Lifecycle(
        transitions=SLOT_TRANSITIONS,
        audit="finals.slot",
        verbs={SlotStatus.OPEN: "opened"},
        scope=lambda slot: f"event:{slot.session.event_id}",
        noun=gettext_noop("项目"),
    )

    class Meta:
        verbose_name = gettext_lazy("路演项目")
        verbose_name_plural = gettext_lazy("路演项目")
        ordering = ["session", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "entry"], name="finals_slot_entry_once"),
            models.UniqueConstraint(fields=["session", "position"], name="finals_slot_position"),
        ]

    def __str__(self) -> str:
        return f"{self.position or '-'} {self.entry_id}"


class DrawRecord(models.Model):
    """The speaking-order draw as announced: room value, entry list, seed, order (see finals.draw)."""

    session = models.OneToOneField(RoadshowSession, on_delete=models.PROTECT, related_name="draw")
    algorithm = models.CharField(max_length=30)
    room_value = models.CharField("现场读出的数值", max_length=200)
    entries = models.JSONField()  # sorted registration numbers
    seed = models.CharField(max_length=64)
    order = models.JSONField()  # registration numbers, first speaker first
    witness = models.CharField("见证人", max_length=200, blank=True)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField()

    class Meta:
        verbose_name = gettext_lazy("抽签记录")
        verbose_name_plural = gettext_lazy("抽签记录")

    def __str__(self) -> str:
        return f"{self.algorithm} {self.seed[:12]}"


class LiveScore(models.Model):
    """One judge's score for one entry; locked on submit, changed only by a chair's correction."""

    slot = models.ForeignKey(SessionSlot, on_delete=models.CASCADE, related_name="scores")
    judge = models.ForeignKey(SessionJudge, on_delete=models.PROTECT, related_name="scores")
    score = models.DecimalField("得分", max_digits=6, decimal_places=2)
    submitted_at = models.DateTimeField()
    corrected = models.BooleanField(default=False)

    class Meta:
        verbose_name = gettext_lazy("现场评分")
        verbose_name_plural = gettext_lazy("现场评分")
        ordering = ["slot", "judge__seat"]
        constraints = [models.UniqueConstraint(fields=["slot", "judge"], name="finals_score_once")]

    def __str__(self) -> str:
        return f"{self.slot_id}/{self.judge_id}: {self.score}"


class ScoreCorrection(models.Model):
    """A chair-approved change of a submitted score, with its reason; never deleted."""

    score = models.ForeignKey(LiveScore, on_delete=models.PROTECT, related_name="corrections")
    old_score = models.DecimalField(max_digits=6, decimal_places=2)
    new_score = models.DecimalField(max_digits=6, decimal_places=2)
    reason = models.CharField("更正理由", max_length=300)
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("评分更正")
        verbose_name_plural = gettext_lazy("评分更正")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.score_id}: {self.old_score} → {self.new_score}"
