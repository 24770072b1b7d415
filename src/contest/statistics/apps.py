from django.apps import AppConfig


class StatisticsConfig(AppConfig):
    name = "contest.statistics"
    label = "statistics"
    verbose_name = "统计"

    def ready(self) -> None:
        # Register every chart's exporter (statistics.<slug>) in the one export registry.
        from contest.statistics import exporters  # noqa: F401, PLC0415 -- registers on import; needs loaded models
