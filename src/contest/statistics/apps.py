from django.apps import AppConfig


class StatisticsConfig(AppConfig):
    name = "contest.statistics"
    label = "statistics"
    verbose_name = "统计"
