"""``manage.py import_experts PATH [--dry-run] [--by USERNAME]``: the expert pool from a table."""

import hashlib
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from contest.core.errors import ContestError
from contest.review import services
from contest.review.expert_import import read_expert_table


class Command(BaseCommand):
    help = (
        "导入评审专家（.xlsx 或 .csv；列：姓名、工作单位、单位统一社会信用代码、职称、擅长行业、熟悉地区、"
        "专家类别、手机、邮箱）。先校验全部行，任何一行有错都不写入；全部通过后在一个事务中写入。按手机号幂等。"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="专家名单文件路径（.xlsx 或 .csv）")
        parser.add_argument("--dry-run", action="store_true", help="只校验并显示将要发生的变化，不写入")
        parser.add_argument("--by", help="以哪个用户的身份导入（须为组织方或秘书处）；不填为服务器操作员")

    def handle(self, *args, path, dry_run, by, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"找不到文件：{path}")
        actor = None
        if by:
            actor = get_user_model().objects.filter(username=by).first()
            if actor is None:
                raise CommandError(f"没有用户名为“{by}”的用户。")
        data = file.read_bytes()
        try:
            table = read_expert_table(data, filename=file.name)
            report = services.import_experts(
                by=actor, rows=table.rows, dry_run=dry_run, source_name=file.name,
                source_sha256=hashlib.sha256(data).hexdigest(),
            )  # fmt: skip
        except ContestError as exc:
            for message in getattr(exc, "errors", [exc.message]):
                self.stderr.write(message)
            raise CommandError(f"未导入任何数据：{exc.message}") from exc
        if table.ignored_columns:
            self.stdout.write("已忽略无法识别的列：" + "、".join(table.ignored_columns))
        if report.errors:
            for line in report.lines()[1:]:
                self.stderr.write(line)
            raise CommandError(f"未导入任何数据：{len(report.errors)} 处错误。")
        if options["verbosity"] >= 1:
            for line in report.lines():
                self.stdout.write(line)
