from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "contest.api"
    label = "api"
    verbose_name = "API"
