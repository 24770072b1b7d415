from django.core.management.base import BaseCommand, CommandError

from contest.core.audit import verify_chain


class Command(BaseCommand):
    help = "校验审计链：任何记录被改动、删除或重排时以非零状态退出，并指出第一处断点。"

    def handle(self, *args, **options):
        checked, broken = verify_chain()
        if broken is not None:
            raise CommandError(f"审计链断裂于 #{broken.seq}：{broken.reason}（此前 {checked} 条完好）")
        self.stdout.write(f"审计链完好：共 {checked} 条记录。")
