"""Finalize every list whose notice period has ended and whose objections are all answered.

Idempotent, for cron (e.g. every 10 minutes): a final list is never touched again; a list with
an objection awaiting its answer (or an upheld one not yet in a new version) waits.
"""

from django.core.management.base import BaseCommand

from contest.publicity.services import finalize_due_notices


class Command(BaseCommand):
    help = "确认公示期已结束且异议均已答复的名单（可重复运行）。"

    def handle(self, *args, **options):
        done = finalize_due_notices()
        self.stdout.write(f"已确认 {len(done)} 份名单" + (f"：{', '.join(map(str, done))}" if done else "。"))
