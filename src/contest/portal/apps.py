from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PortalConfig(AppConfig):
    name = "contest.portal"
    label = "portal"
    verbose_name = gettext_lazy("省级报名平台接口")
