from django.db import models
from django.utils.translation import gettext_lazy

from .event import Event


class EventZone(models.Model):
    """A station of an event that collects its own projects (the overseas final's 香港, 新加坡,
    德国 …): entries belong to one, and it has its own quotas and local results."""

    event = models.ForeignKey(Event, verbose_name="赛事", on_delete=models.CASCADE, related_name="zones")
    code = models.SlugField("代码", max_length=30)
    name = models.CharField("名称", max_length=50)
    name_en = models.CharField("英文名称", max_length=100, blank=True)
    country = models.CharField("国家或地区（ISO 3166-1）", max_length=2, blank=True)
    time_zone = models.CharField("时区（IANA）", max_length=50, default="Asia/Shanghai")
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["event", "order", "code"]
        verbose_name = gettext_lazy("赛区站点")
        verbose_name_plural = gettext_lazy("赛区站点")
        constraints = [
            models.UniqueConstraint(fields=["event", "code"], name="catalog_zone_unique_code"),
            models.UniqueConstraint(fields=["event", "name"], name="catalog_zone_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name
