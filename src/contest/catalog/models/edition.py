from django.db import models
from django.utils.translation import gettext_lazy

from contest.catalog.enums import OFFICIAL_SITE


class Edition(models.Model):
    """One season of the competition (第九届 = 2024)."""

    number = models.PositiveSmallIntegerField("届次", unique=True)
    year = models.PositiveSmallIntegerField("年份")
    title = models.CharField("名称", max_length=200)
    official_site = models.CharField(
        "大赛官网",
        max_length=200,
        default=OFFICIAL_SITE,
        help_text="在此网址报名的赛事视为通过本平台报名。",
    )
    is_current = models.BooleanField("当前届次", default=False)

    class Meta:
        ordering = ["-number"]
        verbose_name = gettext_lazy("届次")
        verbose_name_plural = gettext_lazy("届次")

    def __str__(self) -> str:
        return self.title


class EditionGroup(models.Model):
    """A group an edition runs: 企业组 and 创客组 by default, renameable (创业组 in the 10th)."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="groups")
    code = models.SlugField("代码", max_length=30)
    name = models.CharField("名称", max_length=30)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["edition", "order", "code"]
        verbose_name = gettext_lazy("组别")
        verbose_name_plural = gettext_lazy("组别")
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="catalog_group_unique_code"),
            models.UniqueConstraint(fields=["edition", "name"], name="catalog_group_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name
