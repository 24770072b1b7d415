from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext_lazy

from contest.registration.enums import RuleKind

SHANGHAI = ZoneInfo("Asia/Shanghai")


class RegistrationWindow(models.Model):
    """When an event takes registrations, in Asia/Shanghai.

    Open from ``opens_at``; the closing day is inclusive: a submission at 23:59:59 on
    ``closes_on`` is accepted, one at 00:00:00 the next day is not.
    """

    event = models.OneToOneField(
        "catalog.Event", on_delete=models.CASCADE, related_name="registration_window"
    )
    opens_at = models.DateTimeField("开始报名")
    closes_on = models.DateField("报名截止日（含当天）")

    class Meta:
        verbose_name = gettext_lazy("报名时间")
        verbose_name_plural = gettext_lazy("报名时间")

    def __str__(self) -> str:
        return f"{self.event}: {self.opens_at:%Y-%m-%d} – {self.closes_on:%Y-%m-%d}"

    @property
    def closes_at(self) -> datetime:
        """The first instant registration is closed: 00:00 Asia/Shanghai after the closing day."""
        if self.closes_on >= date.max:  # stored before dates were bounded (or through the admin)
            return datetime.max.replace(tzinfo=SHANGHAI)
        return datetime.combine(self.closes_on + timedelta(days=1), time.min, tzinfo=SHANGHAI)

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


class EligibilityRule(models.Model):
    """An eligibility condition for an edition's group, edited by the secretariat."""

    edition = models.ForeignKey("catalog.Edition", on_delete=models.CASCADE, related_name="eligibility_rules")
    group_code = models.CharField("组别代码", max_length=30)
    kind = models.CharField("规则", max_length=30, choices=RuleKind.choices)
    value = models.CharField(
        "参数", max_length=50, blank=True, help_text="日期 YYYY-MM-DD、金额（万元）或人数"
    )
    message = models.CharField("不满足时的提示", max_length=200, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["edition", "group_code", "id"]
        verbose_name = gettext_lazy("参赛条件")
        verbose_name_plural = gettext_lazy("参赛条件")
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "group_code", "kind"], name="registration_rule_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_code}: {self.get_kind_display()} {self.value}"
