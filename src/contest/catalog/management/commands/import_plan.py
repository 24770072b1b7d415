from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contest.catalog.importer import PlanError, read_plan
from contest.catalog.services import import_plan


class Command(BaseCommand):
    help = (
        "导入赛事计划（PDF 提取的文本、.xlsx 或 .csv）。先校验全部内容，再在一个事务中写入；"
        "任何错误都不会写入任何数据。重复导入只更新，不重复。"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="计划文件路径")
        parser.add_argument("--edition", type=int, required=True, help="届次，如 9")
        parser.add_argument("--dry-run", action="store_true", help="只显示将要发生的变化，不写入")

    def handle(self, *args, path, edition, dry_run, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"找不到文件：{path}")
        data = file.read_bytes()
        try:
            plan = read_plan(data, filename=file.name, expected_edition=edition)
            report = import_plan(
                plan=plan, edition_number=edition, dry_run=dry_run, source=data, source_name=file.name
            )
        except PlanError as exc:
            for message in exc.errors:
                self.stderr.write(message)
            raise CommandError(f"未导入任何数据：{exc.message}") from exc
        if options["verbosity"] >= 1:
            for line in report.lines():
                self.stdout.write(line)
