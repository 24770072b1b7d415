"""Delete the rows of signed-in sessions that ended long ago or whose session is gone.

Idempotent, for cron (e.g. daily) — ``run_worker`` also runs it among its periodic checks.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from contest.accounts.security import RETENTION_DAYS, clear_sign_in_sessions
from contest.core.errors import ContestError


class Command(BaseCommand):
    help = "删除登录已过期超过 N 天的会话记录，以及浏览器会话已不存在的记录（可重复运行）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=getattr(settings, "SIGN_IN_SESSION_RETENTION_DAYS", RETENTION_DAYS),
            help="登录过期后保留的天数（默认 SIGN_IN_SESSION_RETENTION_DAYS，30）",
        )

    def handle(self, *args, **options):
        try:
            counts = clear_sign_in_sessions(days=options["days"])
        except ContestError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"已删除 {counts['expired'] + counts['signed_out']} 条登录会话记录"
            f"（过期 {counts['expired']} 条，已退出 {counts['signed_out']} 条）。"
        )
