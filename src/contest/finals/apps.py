from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class FinalsConfig(AppConfig):
    name = "contest.finals"
    label = "finals"
    verbose_name = gettext_lazy("路演决赛与现场亮分")
