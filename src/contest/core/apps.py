from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CoreConfig(AppConfig):
    name = "contest.core"
    label = "core"
    verbose_name = gettext_lazy("核心")

    def ready(self) -> None:
        from contest.core import consent  # noqa: F401, PLC0415 -- connects the sign-in receiver (privacy notice)
