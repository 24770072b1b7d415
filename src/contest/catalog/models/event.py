from django.db import models
from django.utils.translation import gettext_lazy

from contest.catalog.enums import OrgRole, RegistrationMode, Tier

from .division import Division
from .edition import Edition


class Organization(models.Model):
    """A host or undertaker, deduplicated across events by its exact name."""

    name = models.CharField("名称", max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = gettext_lazy("组织单位")
        verbose_name_plural = gettext_lazy("组织单位")

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    edition = models.ForeignKey(Edition, verbose_name="届次", on_delete=models.PROTECT, related_name="events")
    tier = models.CharField("赛事类别", max_length=20, choices=Tier.choices)
    seq = models.PositiveSmallIntegerField("序号")
    name = models.CharField("赛事名称", max_length=200)
    location = models.CharField("地点（按计划原文）", max_length=100, blank=True)
    province = models.ForeignKey(
        Division,
        verbose_name="所属省级区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events_in_province",
        limit_choices_to={"level": "province"},
    )
    city = models.ForeignKey(
        Division,
        verbose_name="城市",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events_in_city",
        limit_choices_to={"level": "prefecture"},
    )
    city_name = models.CharField("城市（按计划原文）", max_length=50, blank=True)
    theme = models.CharField("主题", max_length=50, blank=True)
    registration_urls = models.JSONField("报名网址", default=list, blank=True)
    registration_mode = models.CharField(
        "报名方式", max_length=20, choices=RegistrationMode.choices, default=RegistrationMode.PLATFORM
    )
    served_divisions = models.ManyToManyField(
        Division,
        verbose_name="服务区划",
        blank=True,
        related_name="served_by_events",
        help_text="区域赛负责的区划；计划单列市与兵团有自己的赛事。",
    )
    organizations = models.ManyToManyField(Organization, through="EventOrganization", related_name="events")

    class Meta:
        ordering = ["edition", "tier", "seq"]
        verbose_name = gettext_lazy("赛事")
        verbose_name_plural = gettext_lazy("赛事")
        constraints = [
            models.UniqueConstraint(fields=["edition", "tier", "seq"], name="catalog_event_unique_seq"),
            models.UniqueConstraint(fields=["edition", "name"], name="catalog_event_unique_name"),
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="catalog_event_seq_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_external(self) -> bool:
        return self.registration_mode == RegistrationMode.EXTERNAL


class EventOrganization(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="roles")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="roles")
    role = models.CharField("角色", max_length=20, choices=OrgRole.choices)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["event", "order"]
        verbose_name = gettext_lazy("赛事组织单位")
        verbose_name_plural = gettext_lazy("赛事组织单位")
        constraints = [
            models.UniqueConstraint(fields=["event", "organization", "role"], name="catalog_eventorg_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} ({self.get_role_display()})"
