"""Choices and the lifecycles of notice lists (公示名单) and objections (异议)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    ADVANCEMENT = "advancement", _("晋级名单")
    SHORTLIST = "shortlist", _("500强名单")
    AWARDS = "awards", _("获奖名单")
    CUSTOM = "custom", _("其他名单")


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("公示中")
    FINAL = "final", _("已确认")


N = NoticeStatus
NOTICE_TRANSITIONS: dict[str, frozenset[str]] = {
    N.DRAFT: frozenset({N.PUBLISHED}),
    # a new version keeps the list published (published → published restarts the period)
    N.PUBLISHED: frozenset({N.PUBLISHED, N.FINAL}),
    N.FINAL: frozenset(),
}


class ObjectionStatus(models.TextChoices):
    FILED = "filed", _("待答复")
    UPHELD = "upheld", _("异议成立")
    DISMISSED = "dismissed", _("异议不成立")


O = ObjectionStatus  # noqa: E741 - short alias for the table below
OBJECTION_TRANSITIONS: dict[str, frozenset[str]] = {
    O.FILED: frozenset({O.UPHELD, O.DISMISSED}),
    O.UPHELD: frozenset(),
    O.DISMISSED: frozenset(),
}


class Phase(models.TextChoices):
    """What the public sees, derived from the status and the clock (never stored)."""

    DRAFT = "draft", _("草稿")
    OPEN = "open", _("公示中")
    ENDED = "ended", _("公示期已结束，待确认")
    FINAL = "final", _("公示结束，名单已确认")
