from django.apps import AppConfig


class FinalsConfig(AppConfig):
    name = "contest.finals"
    label = "finals"
    verbose_name = "路演决赛与现场亮分"
