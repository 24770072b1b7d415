from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AccountsConfig(AppConfig):
    name = "contest.accounts"
    label = "accounts"
    verbose_name = gettext_lazy("账号与角色")

    def ready(self) -> None:
        from contest.accounts import receivers  # noqa: F401, PLC0415 -- connects the sign-in signal receivers
