"""Choices and the lifecycles of review rounds, score sheets and advancement."""

from django.db import models


class ExpertKind(models.TextChoices):
    TECHNICAL = "technical", "技术专家"
    INDUSTRY = "industry", "产业专家"
    INVESTMENT = "investment", "投资专家"


class ConflictKind(models.TextChoices):
    SAME_ORGANIZATION = "same_organization", "与参赛主体同一单位"
    SAME_CREDIT_CODE = "same_credit_code", "单位信用代码相同"
    TEAM_MEMBER = "team_member", "本人为团队成员"
    SAME_EMPLOYER = "same_employer", "与团队成员同一工作单位"
    DECLARED = "declared", "专家本人申报"
    PINNED = "pinned", "组织方指定回避"


class ConflictSource(models.TextChoices):
    DETECTED = "detected", "系统检测"
    DECLARED = "declared", "专家申报"
    ORGANIZER = "organizer", "组织方指定"


class RoundStage(models.TextChoices):
    PRELIMINARY = "preliminary", "初赛（网评）"
    SEMIFINAL = "semifinal", "复赛"
    FINAL = "final", "决赛"
    NATIONAL = "national", "全国评审"


class RoundStatus(models.TextChoices):
    DRAFT = "draft", "筹备中"
    OPEN = "open", "评审中"
    CLOSED = "closed", "评审结束"
    PUBLISHED = "published", "结果已发布"


R = RoundStatus
ROUND_TRANSITIONS: dict[str, frozenset[str]] = {
    R.DRAFT: frozenset({R.OPEN}),
    R.OPEN: frozenset({R.CLOSED}),
    R.CLOSED: frozenset({R.OPEN, R.PUBLISHED}),
    R.PUBLISHED: frozenset(),
}


class Aggregation(models.TextChoices):
    MEAN = "mean", "平均分"
    TRIMMED_MEAN = "trimmed_mean", "去掉一个最高分和一个最低分后的平均分"


class CarryOver(models.TextChoices):
    FRESH = "fresh", "重新评分（不带入）"
    BLEND = "blend", "按比例合成"
    TIE_BREAK = "tie_break", "仅用于同分排序"


class AssignmentSource(models.TextChoices):
    AUTO = "auto", "自动分配"
    PINNED = "pinned", "组织方指定"
    MANUAL = "manual", "手动调整"


class SheetStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "计算中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class QuotaKind(models.TextChoices):
    COUNT = "count", "固定名额"
    PERCENT = "percent", "按比例（含下限与上限）"
    PROPORTIONAL = "proportional", "按各分区报名数比例分配"


class Decision(models.TextChoices):
    ADVANCE = "advance", "晋级"
    HOLD = "hold", "不晋级"
