from django.apps import AppConfig


class RegistrationConfig(AppConfig):
    name = "contest.registration"
    label = "registration"
    verbose_name = "报名与资格审查"
