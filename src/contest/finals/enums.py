"""Choices and transition tables of the roadshow finals."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    DRAWN = "drawn", _("已抽签")
    LIVE = "live", _("进行中")
    FINISHED = "finished", _("已结束")


SESSION_TRANSITIONS: dict[str, set[str]] = {
    SessionStatus.DRAFT: {SessionStatus.DRAWN},
    SessionStatus.DRAWN: {SessionStatus.LIVE},
    SessionStatus.LIVE: {SessionStatus.FINISHED},
    SessionStatus.FINISHED: set(),
}


class SlotStatus(models.TextChoices):
    """One entry's turn on stage."""

    WAITING = "waiting", _("待上场")
    OPEN = "open", _("评分中")
    CLOSED = "closed", _("已亮分")
    ABSENT = "absent", _("缺席")


SLOT_TRANSITIONS: dict[str, set[str]] = {
    SlotStatus.WAITING: {SlotStatus.OPEN, SlotStatus.ABSENT},
    SlotStatus.OPEN: {SlotStatus.CLOSED},
    SlotStatus.CLOSED: set(),
    SlotStatus.ABSENT: set(),
}


class LiveAggregation(models.TextChoices):
    MEAN = "mean", _("算术平均")
    TRIMMED = "trimmed", _("去掉一个最高分和一个最低分后平均")


class CloseReason(models.TextChoices):
    ALL_SUBMITTED = "all_submitted", _("全部评委已提交")
    CHAIR = "chair", _("主持人关闭")
