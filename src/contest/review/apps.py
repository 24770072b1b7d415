from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ReviewConfig(AppConfig):
    name = "contest.review"
    label = "review"
    verbose_name = gettext_lazy("专家评审与晋级")
