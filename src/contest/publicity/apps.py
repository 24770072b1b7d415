from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PublicityConfig(AppConfig):
    name = "contest.publicity"
    label = "publicity"
    verbose_name = gettext_lazy("公示与异议")
