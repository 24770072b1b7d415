from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "contest.catalog"
    label = "catalog"
    verbose_name = "赛事目录"
