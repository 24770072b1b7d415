"""Choices and the entry lifecycle's transition table.

Labels are marked for translation (the pages show them in the reader's language); files that leave
or enter the system (exports, imports) use the Chinese names, ``chinese_label``."""

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class EntryStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    RETURNED = "returned", _("退回修改")
    RESUBMITTED = "resubmitted", _("已重新提交")
    QUALIFIED = "qualified", _("资格审查通过")
    DISQUALIFIED = "disqualified", _("资格审查未通过")
    WITHDRAWN = "withdrawn", _("已撤回")


S = EntryStatus
#: status → the statuses it may move to. Declared on ``Entry.lifecycle``; only ``core.lifecycle`` writes status.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.RETURNED, S.QUALIFIED, S.DISQUALIFIED, S.WITHDRAWN}),
    S.RETURNED: frozenset({S.RESUBMITTED, S.WITHDRAWN}),
    S.RESUBMITTED: frozenset({S.RETURNED, S.QUALIFIED, S.DISQUALIFIED, S.WITHDRAWN}),
    S.QUALIFIED: frozenset(),
    S.DISQUALIFIED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
#: organizer overrides (reopen a decided entry) — a separate service that demands a reason.
OVERRIDES: dict[str, frozenset[str]] = {
    S.QUALIFIED: frozenset({S.SUBMITTED}),
    S.DISQUALIFIED: frozenset({S.SUBMITTED}),
}
EDITABLE = frozenset({S.DRAFT, S.RETURNED})
AWAITING_REVIEW = frozenset({S.SUBMITTED, S.RESUBMITTED})
ACTIVE = frozenset(set(S) - {S.WITHDRAWN})


class GroupKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业组")
    MAKER = "maker", _("创客组")


class Industry(models.TextChoices):
    """国民经济行业分类 (GB/T 4754-2017) sections."""

    A = "A", _("A 农、林、牧、渔业")
    B = "B", _("B 采矿业")
    C = "C", _("C 制造业")
    D = "D", _("D 电力、热力、燃气及水生产和供应业")
    E = "E", _("E 建筑业")
    F = "F", _("F 批发和零售业")
    G = "G", _("G 交通运输、仓储和邮政业")
    H = "H", _("H 住宿和餐饮业")
    I = "I", _("I 信息传输、软件和信息技术服务业")  # noqa: E741
    J = "J", _("J 金融业")
    K = "K", _("K 房地产业")
    L = "L", _("L 租赁和商务服务业")
    M = "M", _("M 科学研究和技术服务业")
    N = "N", _("N 水利、环境和公共设施管理业")
    O = "O", _("O 居民服务、修理和其他服务业")  # noqa: E741
    P = "P", _("P 教育")
    Q = "Q", _("Q 卫生和社会工作")
    R = "R", _("R 文化、体育和娱乐业")
    S = "S", _("S 公共管理、社会保障和社会组织")
    T = "T", _("T 国际组织")


class SmeStatus(models.TextChoices):
    NONE = "none", _("无")
    INNOVATIVE = "innovative", _("创新型中小企业")
    SRDI = "srdi", _("专精特新中小企业")
    LITTLE_GIANT = "little_giant", _("专精特新“小巨人”企业")


class RuleKind(models.TextChoices):
    NOT_LISTED = "not_listed", _("非上市企业")
    FOUNDED_ON_OR_AFTER = "founded_on_or_after", _("成立日期不早于")
    REVENUE_AT_MOST = "revenue_at_most", _("上年营业收入不超过（万元）")
    EMPLOYEES_AT_MOST = "employees_at_most", _("从业人员不超过")
    NOT_AN_ENTERPRISE = "not_an_enterprise", _("团队未注册企业、非企业内部项目")
    MIN_MEMBERS = "min_members", _("团队核心成员不少于")


def chinese_label(choice: models.Choices) -> str:
    """The choice's label in the site's source language (Chinese), whatever language is active."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(choice.label)
