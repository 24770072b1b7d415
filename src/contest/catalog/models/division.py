from django.db import models
from django.utils.translation import gettext_lazy

from contest.catalog.enums import DivisionLevel


class Division(models.Model):
    """A province- or prefecture-level administrative division (GB/T 2260).

    ``code`` is the six-digit GB/T 2260 code; a few divisions the competition treats as
    their own (兵团) carry the code used in credit codes and have ``is_standard`` False.
    """

    code = models.CharField("区划代码", max_length=6, unique=True)
    name = models.CharField("名称", max_length=50)
    short_name = models.CharField("简称", max_length=20)
    level = models.CharField("级别", max_length=20, choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    aliases = models.CharField("别名（以、分隔）", max_length=200, blank=True)
    is_standard = models.BooleanField("GB/T 2260 代码", default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = gettext_lazy("行政区划")
        verbose_name_plural = gettext_lazy("行政区划")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="catalog_division_unique_name"),
            models.CheckConstraint(
                condition=models.Q(level="province", parent__isnull=True)
                | models.Q(level="prefecture", parent__isnull=False),
                name="catalog_division_level_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def province(self) -> "Division":
        return self if self.parent_id is None else self.parent

    def alias_list(self) -> list[str]:
        return [a for a in self.aliases.split("、") if a]
