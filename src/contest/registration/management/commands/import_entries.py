import hashlib
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from contest.catalog.models import Event
from contest.core.errors import ContestError
from contest.registration import services
from contest.registration.importer import read_entry_table


class Command(BaseCommand):
    help = (
        "导入线下报名（企业组，.xlsx 或 .csv，列见 docs/entry-import.md）。先校验全部行，"
        "任何一行有错都不写入；全部通过后在一个事务中写入。按统一社会信用代码 + 项目名称幂等。"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="报名表文件路径（.xlsx 或 .csv）")
        parser.add_argument("--event", type=int, required=True, help="赛事编号（Event id）")
        parser.add_argument("--dry-run", action="store_true", help="只校验并显示将要发生的变化，不写入")
        parser.add_argument(
            "--by", help="以哪个用户的身份导入（须为该赛事的组织方或秘书处）；不填为服务器操作员"
        )

    def handle(self, *args, path, event, dry_run, by, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"找不到文件：{path}")
        found = Event.objects.select_related("edition").filter(pk=event).first()
        if found is None:
            raise CommandError(f"没有编号为 {event} 的赛事。")
        actor = None
        if by:
            actor = get_user_model().objects.filter(username=by).first()
            if actor is None:
                raise CommandError(f"没有用户名为“{by}”的用户。")
        data = file.read_bytes()
        try:
            table = read_entry_table(data, filename=file.name)
            report = services.import_entries(
                by=actor, event=found, rows=table.rows, dry_run=dry_run,
                source_name=file.name, source_sha256=hashlib.sha256(data).hexdigest(),
            )  # fmt: skip
        except ContestError as exc:
            for message in getattr(exc, "errors", [exc.message]):
                self.stderr.write(message)
            raise CommandError(f"未导入任何数据：{exc.message}") from exc
        if table.ignored_columns:
            self.stdout.write("已忽略无法识别的列：" + "、".join(table.ignored_columns))
        if dry_run and report.errors:
            for line in report.lines()[1:]:
                self.stderr.write(line)
            raise CommandError(f"未导入任何数据：{len(report.errors)} 处错误。")
        if options["verbosity"] >= 1:
            for line in report.lines():
                self.stdout.write(line)
