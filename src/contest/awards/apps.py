from django.apps import AppConfig


class AwardsConfig(AppConfig):
    name = "contest.awards"
    label = "awards"
    verbose_name = "奖项与证书"
