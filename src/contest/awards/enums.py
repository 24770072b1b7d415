"""Choices and lifecycles of awards and certificate batches."""

from django.db import models

#: (name, rank) of the levels every edition has; custom levels (e.g. 最佳人气奖) come after them
DEFAULT_LEVELS: tuple[tuple[str, int], ...] = (("一等奖", 10), ("二等奖", 20), ("三等奖", 30), ("优胜奖", 40))


class AwardStatus(models.TextChoices):
    STAGED = "staged", "拟定"
    CONFIRMED = "confirmed", "已确认"
    REVOKED = "revoked", "已撤销"


A = AwardStatus
AWARD_TRANSITIONS: dict[str, frozenset[str]] = {
    A.STAGED: frozenset({A.CONFIRMED}),  # a staged award may also simply be removed
    A.CONFIRMED: frozenset({A.REVOKED}),
    A.REVOKED: frozenset(),
}


class AwardSource(models.TextChoices):
    MANUAL = "manual", "手动评定"
    SESSION = "session", "路演场次排名"
    SNAPSHOT = "snapshot", "评审轮次排名"


class TiePolicy(models.TextChoices):
    REFUSE = "refuse", "拒绝（列出并列项目，由组织方调整名额后重试）"
    SHARE = "share", "并列项目同获较高等级（下一等级相应减少）"


class BatchStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


B = BatchStatus
BATCH_TRANSITIONS: dict[str, frozenset[str]] = {
    B.QUEUED: frozenset({B.RUNNING, B.FAILED}),
    B.RUNNING: frozenset({B.DONE, B.FAILED}),
    B.DONE: frozenset(),
    B.FAILED: frozenset(),
}
