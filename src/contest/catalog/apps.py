from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CatalogConfig(AppConfig):
    name = "contest.catalog"
    label = "catalog"
    verbose_name = gettext_lazy("赛事目录")
