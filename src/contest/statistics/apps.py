from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class StatisticsConfig(AppConfig):
    name = "contest.statistics"
    label = "statistics"
    verbose_name = gettext_lazy("统计")

    def ready(self) -> None:
        # Register every chart's exporter (statistics.<slug>) in the one export registry.
        from contest.statistics import exporters  # noqa: F401, PLC0415 -- registers on import; needs loaded models
