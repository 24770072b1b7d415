"""Choices and lifecycles of awards and certificate batches."""

from django.db import models
from django.utils.translation import gettext_lazy as _

#: (name, rank) of the levels every edition has; custom levels (e.g. 最佳人气奖) come after them
DEFAULT_LEVELS: tuple[tuple[str, int], ...] = (("一等奖", 10), ("二等奖", 20), ("三等奖", 30), ("优胜奖", 40))

#: how the default levels read in the user's language. Levels are data (a name stored in Chinese,
#: on certificates too), so they are translated where they are shown, through ``level_label``;
#: an organizer's custom level is shown as typed.
DEFAULT_LEVEL_LABELS = {
    "一等奖": _("一等奖"),
    "二等奖": _("二等奖"),
    "三等奖": _("三等奖"),
    "优胜奖": _("优胜奖"),
}


def level_label(name: str) -> str:
    """A level's name as the user reads it: a default level translated, a custom one as typed."""
    return str(DEFAULT_LEVEL_LABELS.get(name, name))


class AwardStatus(models.TextChoices):
    STAGED = "staged", _("拟定")
    CONFIRMED = "confirmed", _("已确认")
    REVOKED = "revoked", _("已撤销")


A = AwardStatus
AWARD_TRANSITIONS: dict[str, frozenset[str]] = {
    A.STAGED: frozenset({A.CONFIRMED}),  # a staged award may also simply be removed
    A.CONFIRMED: frozenset({A.REVOKED}),
    A.REVOKED: frozenset(),
}


class AwardSource(models.TextChoices):
    MANUAL = "manual", _("手动评定")
    SESSION = "session", _("路演场次排名")
    SNAPSHOT = "snapshot", _("评审轮次排名")


class TiePolicy(models.TextChoices):
    REFUSE = "refuse", _("拒绝（列出并列项目，由组织方调整名额后重试）")
    SHARE = "share", _("并列项目同获较高等级（下一等级相应减少）")


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


B = BatchStatus
BATCH_TRANSITIONS: dict[str, frozenset[str]] = {
    B.QUEUED: frozenset({B.RUNNING, B.FAILED}),
    B.RUNNING: frozenset({B.DONE, B.FAILED}),
    B.DONE: frozenset(),
    B.FAILED: frozenset(),
}
