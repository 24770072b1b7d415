"""``manage.py remind_recommendations [--edition N]``: e-mail the organizers of every feeding event
that still has places unused or recommended late (run by cron as the deadline nears)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from contest.catalog.models import Edition
from contest.review import services


class Command(BaseCommand):
    help = "提醒尚未完成或逾期向全国评审推荐项目的赛事组织方（按届次，默认当前届次）。"

    def add_arguments(self, parser):
        parser.add_argument("--edition", type=int, help="届次（如 9）；不填为当前届次")

    def handle(self, *args, edition, **options):
        editions = (
            Edition.objects.filter(number=edition) if edition else Edition.objects.filter(is_current=True)
        )
        chosen = editions.first()
        if chosen is None:
            raise CommandError(f"没有第 {edition} 届。" if edition else "没有当前届次；请用 --edition 指定。")
        with transaction.atomic():
            sent = services.send_recommendation_reminders(by=None, edition=chosen)
        self.stdout.write(f"已向 {sent} 个赛事的组织方发送提醒。")
