from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "contest.review"
    label = "review"
    verbose_name = "专家评审与晋级"
