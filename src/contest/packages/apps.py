from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PackagesConfig(AppConfig):
    name = "contest.packages"
    label = "packages"
    verbose_name = gettext_lazy("赛事报名包导入")
