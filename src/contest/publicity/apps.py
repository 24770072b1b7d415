from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "contest.publicity"
    label = "publicity"
    verbose_name = "公示与异议"
