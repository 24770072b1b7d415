"""Build demo data by calling each app's services.

Every domain app may provide ``contest.<app>.demo`` with ``build(*, stage, stdout)``
returning a list of (role, login, password) rows to print. Apps run in INSTALLED_APPS
order, so later stages build on earlier ones. Idempotent: running it twice changes nothing.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from contest.core.consent import record_consent

STAGES = ["catalog", "registration", "review", "finals"]


class Command(BaseCommand):
    help = "生成演示数据并打印演示账号。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--stage", choices=STAGES, default=STAGES[-1], help="构建到哪一阶段为止（默认：全部已实现的阶段）"
        )

    def handle(self, *args, stage, **options):
        logins: list[tuple[str, str, str]] = []
        for config in apps.get_app_configs():
            if not config.name.startswith("contest."):
                continue
            module_name = f"{config.name}.demo"
            if find_spec(module_name) is None:
                continue
            module = import_module(module_name)
            logins.extend(module.build(stage=stage, stdout=self.stdout) or [])
        # The demo accounts have accepted the current privacy notice, so signing in to try the
        # demo goes straight to its pages (a real account is asked at sign-up or next sign-in).
        for user in get_user_model().objects.filter(username__in=[login for _role, login, _pw in logins]):
            record_consent(user=user, context="demo")
        self.stdout.write("")
        self.stdout.write("演示账号 / demo logins:")
        for role, login, password in logins:
            self.stdout.write(f"  {role:<28} {login:<32} {password}")
