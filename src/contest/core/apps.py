from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "contest.core"
    label = "core"
    verbose_name = "核心"
