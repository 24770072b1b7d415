"""Choices and the lifecycles of review rounds, score sheets and advancement."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExpertKind(models.TextChoices):
    TECHNICAL = "technical", _("技术专家")
    INDUSTRY = "industry", _("产业专家")
    INVESTMENT = "investment", _("投资专家")


class ConflictKind(models.TextChoices):
    SAME_ORGANIZATION = "same_organization", _("与参赛主体同一单位")
    SAME_CREDIT_CODE = "same_credit_code", _("单位信用代码相同")
    TEAM_MEMBER = "team_member", _("本人为团队成员")
    SAME_EMPLOYER = "same_employer", _("与团队成员同一工作单位")
    DECLARED = "declared", _("专家本人申报")
    PINNED = "pinned", _("组织方指定回避")


class ConflictSource(models.TextChoices):
    DETECTED = "detected", _("系统检测")
    DECLARED = "declared", _("专家申报")
    ORGANIZER = "organizer", _("组织方指定")


class RoundStage(models.TextChoices):
    PRELIMINARY = "preliminary", _("初赛（网评）")
    SEMIFINAL = "semifinal", _("复赛")
    FINAL = "final", _("决赛")
    NATIONAL = "national", _("全国评审")


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    OPEN = "open", _("评审中")
    CLOSED = "closed", _("评审结束")
    PUBLISHED = "published", _("结果已发布")


R = RoundStatus
ROUND_TRANSITIONS: dict[str, frozenset[str]] = {
    R.DRAFT: frozenset({R.OPEN}),
    R.OPEN: frozenset({R.CLOSED}),
    R.CLOSED: frozenset({R.OPEN, R.PUBLISHED}),
    R.PUBLISHED: frozenset(),
}


class Aggregation(models.TextChoices):
    MEAN = "mean", _("平均分")
    TRIMMED_MEAN = "trimmed_mean", _("去掉一个最高分和一个最低分后的平均分")


class CarryOver(models.TextChoices):
    FRESH = "fresh", _("重新评分（不带入）")
    BLEND = "blend", _("按比例合成")
    TIE_BREAK = "tie_break", _("仅用于同分排序")


class AssignmentSource(models.TextChoices):
    AUTO = "auto", _("自动分配")
    PINNED = "pinned", _("组织方指定")
    MANUAL = "manual", _("手动调整")


class SheetStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")


#: a sheet is submitted once; edits after that keep it submitted (they are not status changes)
SHEET_TRANSITIONS: dict[str, frozenset[str]] = {
    SheetStatus.DRAFT: frozenset({SheetStatus.SUBMITTED}),
    SheetStatus.SUBMITTED: frozenset(),
}


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


#: a background assignment run: the worker starts it, then it ends done or failed (a queued run
#: fails without starting when the task breaks before its first step)
RUN_TRANSITIONS: dict[str, frozenset[str]] = {
    RunStatus.QUEUED: frozenset({RunStatus.RUNNING, RunStatus.FAILED}),
    RunStatus.RUNNING: frozenset({RunStatus.DONE, RunStatus.FAILED}),
    RunStatus.DONE: frozenset(),
    RunStatus.FAILED: frozenset(),
}


class QuotaKind(models.TextChoices):
    COUNT = "count", _("固定名额")
    PERCENT = "percent", _("按比例（含下限与上限）")
    PROPORTIONAL = "proportional", _("按各分区报名数比例分配")


class Decision(models.TextChoices):
    ADVANCE = "advance", _("晋级")
    HOLD = "hold", _("不晋级")


# -- recommendations into the national review -------------------------------------------------------


class RecommendationSource(models.TextChoices):
    PLATFORM = "platform", _("平台评审结果")
    PACKAGE = "package", _("赛事数据包")
    PORTAL = "portal", _("赛事系统接口")


class RecommendationStatus(models.TextChoices):
    RECOMMENDED = "recommended", _("已推荐")
    WITHDRAWN = "withdrawn", _("已撤回")


#: an event recommends a project, may withdraw it (with a reason) and recommend it again
RECOMMENDATION_TRANSITIONS: dict[str, frozenset[str]] = {
    RecommendationStatus.RECOMMENDED: frozenset({RecommendationStatus.WITHDRAWN}),
    RecommendationStatus.WITHDRAWN: frozenset({RecommendationStatus.RECOMMENDED}),
}
