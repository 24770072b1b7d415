"""``manage.py import_package PATH --event ID [--dry-run]``: the same two phases, synchronously, as the
server's operator; the report on the terminal; exit code 1 when refused."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from contest.packages.enums import ImportStatus
from contest.packages.management.commands.import_package import Command
from contest.packages.models import PackageImport
from contest.registration.models import Entry

from .builders import enterprise_row, maker_row, member_row, package

pytestmark = pytest.mark.integration


def run(*args) -> tuple[str, str, str | None]:
    out, err = StringIO(), StringIO()
    failure = None
    try:
        call_command("import_package", *args, stdout=out, stderr=err)
    except CommandError as exc:
        failure = str(exc)
    return out.getvalue(), err.getvalue(), failure


def test_dry_run_reports_and_writes_nothing(ningbo, tmp_path):
    team = maker_row(1)
    path = tmp_path / "广东.zip"
    path.write_bytes(package([enterprise_row(1)], [team], [member_row(team)], encoding="gbk"))

    out, err, failure = run(str(path), "--event", str(ningbo.pk), "--dry-run")

    assert (err, failure) == ("", None)
    assert out == ("校验通过：企业组 1 个、创客组 1 个项目（成员 1 人，文件 3 个）；确认后将新增 2，更新 0，无变化 0；推荐 0 个。\n"
                   "试运行：校验通过，未写入任何数据。\n")  # fmt: skip
    assert (Entry.objects.count(), PackageImport.objects.count()) == (0, 0)


def test_import_writes_and_prints_the_outcome(ningbo, tmp_path):
    path = tmp_path / "广东.zip"
    path.write_bytes(package([enterprise_row(1), enterprise_row(2)]))

    out, err, failure = run(str(path), "--event", str(ningbo.pk))

    done = PackageImport.objects.get()
    assert (err, failure, done.status, done.uploaded_by) == ("", None, ImportStatus.IMPORTED, None)
    assert out == (f"已导入：企业组 2 个、创客组 0 个项目（成员 0 人，文件 2 个）；新增 2，更新 0，无变化 0；推荐 0 个。\n"
                   f"导入记录 {done.pk}：已导入：企业组 2 个、创客组 0 个项目（成员 0 人，文件 2 个）；新增 2，更新 0，"
                   f"无变化 0；推荐 0 个。\n")  # fmt: skip
    assert Entry.objects.count() == 2


def test_refusal_prints_sheet_row_column_and_exits_with_1(ningbo, tmp_path):
    path = tmp_path / "广东.zip"
    path.write_bytes(package([enterprise_row(1, 联系人手机="12345")]))

    out, err, failure = run(str(path), "--event", str(ningbo.pk), "--dry-run")

    assert err == "企业组 第 2 行 “联系人手机”：请输入有效的中国大陆手机号。\n"
    assert failure == "校验未通过：1 处问题（未写入任何数据）。"
    assert out == "发现 1 处问题，未写入任何数据。请修改后重新上传。\n"

    out, err, failure = run(str(path), "--event", str(ningbo.pk))
    rejected = PackageImport.objects.get()
    assert err == "企业组 第 2 行 “联系人手机”：请输入有效的中国大陆手机号。\n"
    assert (
        failure
        == f"未导入任何数据（导入记录 {rejected.pk}）：发现 1 处问题，未写入任何数据。请修改后重新上传。"
    )
    assert Entry.objects.count() == 0


def test_exit_code_is_1_when_refused(ningbo, tmp_path):
    path = tmp_path / "坏.zip"
    path.write_bytes(b"not a zip at all")

    with pytest.raises(SystemExit) as caught:
        Command().run_from_argv(
            ["manage.py", "import_package", str(path), "--event", str(ningbo.pk), "--dry-run"]
        )

    assert caught.value.code == 1


def test_unknown_event_and_missing_file_are_refused(ningbo, tmp_path):
    assert run(str(tmp_path / "无.zip"), "--event", str(ningbo.pk))[2] == f"找不到文件：{tmp_path / '无.zip'}"
    path = tmp_path / "a.zip"
    path.write_bytes(package([enterprise_row(1)]))
    assert run(str(path), "--event", "999999")[2] == "没有编号为 999999 的赛事。"
