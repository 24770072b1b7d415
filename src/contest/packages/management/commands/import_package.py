from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from contest.catalog.models import Event
from contest.core.errors import ContestError
from contest.packages import services
from contest.packages.enums import ImportStatus
from contest.packages.reader import Problem


class Command(BaseCommand):
    help = (
        "导入赛事报名包（ZIP：一个报名表 .xlsx —— 工作表 企业组、创客组、团队成员 —— 以及表中列出的商业计划书和图片；"
        "也可以是不带文件的 .xlsx，格式见 docs/packages.md）。先校验每一行和每个文件，有任何问题都不写入；"
        "全部通过后在一个事务中写入，并按“是否推荐”列推荐到全国评审。以服务器操作员身份执行。"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="报名包路径（.zip 或 .xlsx）")
        parser.add_argument("--event", type=int, required=True, help="赛事编号（Event id）")
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告，不写入任何数据")

    def handle(self, *args, path, event, dry_run, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"找不到文件：{path}")
        found = Event.objects.select_related("edition").filter(pk=event).first()
        if found is None:
            raise CommandError(f"没有编号为 {event} 的赛事。")
        if dry_run:
            with file.open("rb") as handle:
                report = services.check_package(event=found, handle=handle, label=file.name)
            self._print(
                report, status=ImportStatus.REJECTED if report["problem_total"] else ImportStatus.CHECKED
            )
            if report["problem_total"]:
                raise CommandError(f"校验未通过：{report['problem_total']} 处问题（未写入任何数据）。")
            self.stdout.write("试运行：校验通过，未写入任何数据。")
            return
        try:
            with file.open("rb") as handle:
                package_import = services.upload_package(by=None, event=found, file=File(handle, name=file.name),
                                                         run_now=True)  # fmt: skip
            if package_import.status == ImportStatus.CHECKED:
                package_import = services.confirm_import(by=None, package_import=package_import, run_now=True)
        except ContestError as exc:
            for message in getattr(exc, "errors", None) or [exc.message]:
                self.stderr.write(message)
            raise CommandError(f"未导入任何数据：{exc.message}") from exc
        self._print(package_import.report, status=package_import.status)
        if package_import.status != ImportStatus.IMPORTED:
            raise CommandError(f"未导入任何数据（导入记录 {package_import.pk}）：{package_import.message}")
        self.stdout.write(f"导入记录 {package_import.pk}：{package_import.message}")

    def _print(self, report: dict, *, status: str) -> None:
        for warning in report.get("warnings") or []:
            self.stdout.write(warning)
        problems = report.get("problems") or []
        for problem in problems:
            self.stderr.write(str(Problem(**problem)))
        more = (report.get("problem_total") or 0) - len(problems)
        if more > 0:
            self.stderr.write(f"……另有 {more} 处问题未列出。")
        self.stdout.write(services.summary(report, status))
