from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class RegistrationConfig(AppConfig):
    name = "contest.registration"
    label = "registration"
    verbose_name = gettext_lazy("报名与资格审查")
