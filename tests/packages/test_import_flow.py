"""Checking and writing a package through the services: both groups and their members, files named
by row, refusals naming sheet/row/column/file, idempotent re-import, recommendations, stale jobs."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from contest.core.errors import Conflict
from contest.core.lifecycle import transition
from contest.core.models import AuditRecord
from contest.packages import services
from contest.packages.enums import ImportStatus
from contest.packages.models import PackageImport
from contest.registration.models import Entry, TeamMember
from contest.review.models import Recommendation
from contest.review.services.recommendations import set_recommendation_quota
from tests.registration.factories import organizer_for, pdf_bytes, superuser

from .builders import enterprise_row, maker_row, member_row, package, png_bytes, workbook_bytes, zip_bytes

pytestmark = pytest.mark.integration
S = ImportStatus
T = datetime(2024, 6, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def upload(event, by, data: bytes, name: str = "广东报名包.zip") -> PackageImport:
    return services.upload_package(by=by, event=event, file=ContentFile(data, name=name), run_now=True)


def problems(package_import: PackageImport) -> list[tuple]:
    return [
        (p["sheet"], p["row"], p["column"], p["file"], p["message"])
        for p in package_import.report["problems"]
    ]


def test_both_groups_and_members_are_checked_then_written_with_their_files(
    ningbo, django_capture_on_commit_callbacks
):
    organizer = organizer_for(ningbo)
    team = maker_row(1, 项目图片="创客组/1/样机.png；创客组/1/现场.png")
    data = package([enterprise_row(1), enterprise_row(2)], [team], [member_row(team, 1), member_row(team, 2)],
                   encoding="gbk")  # fmt: skip

    checked = upload(ningbo, organizer, data)

    assert (checked.status, checked.done, checked.total) == (S.CHECKED, 3, 3)
    assert checked.report["counts"] == {
        "enterprise": 2,
        "maker": 1,
        "members": 2,
        "files": 5,
        "recommended": 0,
    }
    assert checked.report["actions"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert (problems(checked), Entry.objects.filter(event=ningbo).count()) == ([], 0)
    assert default_storage.exists(checked.file.name)

    with django_capture_on_commit_callbacks(execute=True):  # the stored package is deleted after the commit
        written = services.confirm_import(by=organizer, package_import=checked, run_now=True)

    assert (written.status, written.done, written.total, written.confirmed_by) == (
        S.IMPORTED,
        3,
        3,
        organizer,
    )
    assert (
        written.message
        == "已导入：企业组 2 个、创客组 1 个项目（成员 2 人，文件 5 个）；新增 3，更新 0，无变化 0；推荐 0 个。"
    )
    entries = Entry.objects.filter(event=ningbo).order_by("title")
    assert [(e.title, e.group.code, e.source, bool(e.business_plan)) for e in entries] == [
        ("便携式微塑料检测仪1", "maker", "package", True),
        ("工业视觉缺陷检测平台1", "enterprise", "package", True),
        ("工业视觉缺陷检测平台2", "enterprise", "package", True),
    ]
    maker = entries[0]
    assert maker.images.count() == 2
    assert list(TeamMember.objects.filter(team=maker.team).values_list("name", "affiliation")) == [
        ("赵雪1", "中山大学"), ("赵雪2", "中山大学")]  # fmt: skip
    assert (written.file.name, default_storage.exists(checked.file.name)) == ("", False)
    assert [(t.from_status, t.to_status, t.actor) for t in written.transitions.all()] == [
        ("queued", "checking", None), ("checking", "checked", None), ("checked", "confirmed", organizer),
        ("confirmed", "writing", None), ("writing", "imported", None),
    ]  # fmt: skip
    assert list(AuditRecord.objects.filter(action__startswith="packages.").values_list("action", flat=True)) == [
        "packages.import.uploaded", "packages.import.checking", "packages.import.checked",
        "packages.import.confirmed", "packages.import.writing", "packages.import.written", "packages.import.imported",
    ]  # fmt: skip


def test_every_problem_names_its_sheet_row_column_and_file_and_nothing_is_written(ningbo):
    organizer = organizer_for(ningbo)
    team = maker_row(1)
    data = package(
        [enterprise_row(1), enterprise_row(2, 商业计划书="企业组/2/缺少.pdf")],
        [team],
        [member_row(team, 1, 成员手机="123"), member_row(maker_row(9), 2)],
        skip=["企业组/2/缺少.pdf"], extra={"企业组/1/商业计划书.pdf": png_bytes()},
    )  # fmt: skip

    rejected = upload(ningbo, organizer, data)

    assert rejected.status == S.REJECTED
    assert problems(rejected) == [
        ("企业组", 2, "商业计划书", "企业组/1/商业计划书.pdf", "文件内容不是 PDF（可能是改了扩展名的其他文件）。"),
        ("企业组", 3, "商业计划书", "企业组/2/缺少.pdf", "压缩包中没有这个文件。"),
        ("团队成员", 2, "成员手机", "", "请输入有效的中国大陆手机号。"),
        ("团队成员", 3, "负责人手机", "",
         "创客组中没有负责人手机为“13900000009”、项目名称为“便携式微塑料检测仪9”的团队。"),
    ]  # fmt: skip
    assert rejected.message == "发现 4 处问题，未写入任何数据。请修改后重新上传。"
    assert (Entry.objects.count(), rejected.file.name) == (0, "")
    with pytest.raises(Conflict):
        services.confirm_import(by=organizer, package_import=rejected)


def test_a_file_named_by_two_rows_and_a_project_given_twice_are_refused(ningbo):
    organizer = organizer_for(ningbo)
    first = enterprise_row(1)
    data = package([first, enterprise_row(2, 商业计划书=first["商业计划书"]),
                    enterprise_row(3, 统一社会信用代码=first["统一社会信用代码"])])  # fmt: skip

    rejected = upload(ningbo, organizer, data)

    assert problems(rejected) == [
        ("企业组", 3, "商业计划书", "企业组/1/商业计划书.pdf", "这个文件已由企业组 第 2 行使用；每个文件只能属于一个项目。"),
        ("企业组", 4, "统一社会信用代码", "", "与企业组 第 2 行是同一项目（同一统一社会信用代码），请合并为一行。"),
    ]  # fmt: skip


def test_reimporting_a_corrected_package_updates_and_never_duplicates(ningbo):
    organizer = organizer_for(ningbo)
    team = maker_row(1)
    rows, members = [enterprise_row(1), enterprise_row(2)], [member_row(team, 1)]
    first = upload(ningbo, organizer, package(rows, [team], members))
    services.confirm_import(by=organizer, package_import=first, run_now=True)
    ids = set(Entry.objects.values_list("pk", flat=True))

    same = upload(ningbo, organizer, package(rows, [team], members))
    assert same.report["actions"] == {"created": 0, "updated": 0, "unchanged": 3}
    services.confirm_import(by=organizer, package_import=same, run_now=True)

    rows[1]["项目简介"] = "更正后的项目简介。"
    corrected = upload(ningbo, organizer, package(rows, [team], members))
    assert corrected.report["actions"] == {"created": 0, "updated": 1, "unchanged": 2}
    done = services.confirm_import(by=organizer, package_import=corrected, run_now=True)

    assert done.status == S.IMPORTED
    assert set(Entry.objects.values_list("pk", flat=True)) == ids
    assert Entry.objects.get(title="工业视觉缺陷检测平台2").summary == "更正后的项目简介。"


def test_a_bare_workbook_with_a_title_row_and_gb18030_csvs_are_accepted(ningbo):
    organizer = organizer_for(ningbo)
    book = workbook_bytes([enterprise_row(1, 商业计划书="")], [maker_row(1, 商业计划书="", 项目图片="")],
                          title_row="广东省报名汇总表")  # fmt: skip
    checked = upload(ningbo, organizer, book, name="报名表.xlsx")
    assert (checked.status, checked.report["counts"]["enterprise"], checked.report["counts"]["maker"]) == (
        S.CHECKED, 1, 1)  # fmt: skip
    services.cancel_import(by=organizer, package_import=checked)

    headers = ["企业名称", "统一社会信用代码", "成立日期", "注册资本（万元）", "从业人数", "上年营业收入（万元）",
               "所属行业", "联系人", "联系人手机", "项目名称", "项目简介", "商业计划书"]  # fmt: skip
    row = enterprise_row(2)
    text = ",".join(headers) + "\n" + ",".join(str(row[h]) for h in headers) + "\n"
    data = zip_bytes({"企业组.csv": text.encode("gb18030"), row["商业计划书"]: pdf_bytes()}, encoding="gbk")
    from_csv = upload(ningbo, organizer, data)

    assert (from_csv.status, from_csv.report["counts"]["enterprise"], from_csv.report["counts"]["files"]) == (
        S.CHECKED, 1, 1)  # fmt: skip


def test_a_bare_workbook_naming_files_says_they_must_be_zipped(ningbo):
    organizer = organizer_for(ningbo)
    rejected = upload(ningbo, organizer, workbook_bytes([enterprise_row(1)]), name="报名表.xlsx")

    assert problems(rejected) == [("企业组", 2, "商业计划书", "企业组/1/商业计划书.pdf",
                                   "上传的是单独的 Excel 文件，没有附带任何文件；请将报名表与文件一起打包为 ZIP。")]  # fmt: skip


def test_a_package_refused_as_a_whole_names_the_file(ningbo):
    organizer = organizer_for(ningbo)
    data = zip_bytes(
        {"报名表.xlsx": workbook_bytes([enterprise_row(1)]), "../evil.pdf": b"x"}, encoding="gbk"
    )

    rejected = upload(ningbo, organizer, data)

    assert problems(rejected) == [
        ("", None, "", "", "文件“../evil.pdf”：文件名含有“..”，指向压缩包之外，拒绝导入。")
    ]
    assert rejected.report["counts"] == {}


def test_recommended_rows_are_recommended_within_the_quota_and_refused_beyond_it(ningbo):
    organizer, secretariat = organizer_for(ningbo), superuser()
    set_recommendation_quota(by=secretariat, event=ningbo, group_code="enterprise", count=1)
    rows = [enterprise_row(1, 是否推荐="是", 本地排名="1", 本地得分="92.35", 本地奖项="一等奖"),
            enterprise_row(2, 是否推荐="否")]  # fmt: skip
    checked = upload(ningbo, organizer, package(rows))
    assert checked.report["counts"]["recommended"] == 1

    written = services.confirm_import(by=organizer, package_import=checked, run_now=True)

    assert written.report["recommended"] == 1
    recommendation = Recommendation.objects.get()
    assert (recommendation.entry.title, recommendation.rank, recommendation.score, recommendation.award,
            recommendation.source) == ("工业视觉缺陷检测平台1", 1, Decimal("92.3500"), "一等奖", "package")  # fmt: skip

    rows[1]["是否推荐"] = "是"
    over = upload(ningbo, organizer, package(rows))
    refused = services.confirm_import(by=organizer, package_import=over, run_now=True)

    assert (refused.status, problems(refused)) == (
        S.REJECTED,
        [("", None, "", "", "企业组推荐 2 个，超过名额 1 个。")],
    )
    assert Recommendation.objects.count() == 1


def test_a_bad_recommendation_cell_is_named(ningbo):
    organizer = organizer_for(ningbo)
    rows = [
        enterprise_row(1, 是否推荐="也许"),
        enterprise_row(2, 是否推荐="是", 本地排名="第一", 本地得分="abc"),
    ]

    rejected = upload(ningbo, organizer, package(rows))

    assert problems(rejected) == [
        ("企业组", 2, "是否推荐", "", "应填“是”或“否”。"),
        ("企业组", 3, "本地得分", "", "得分应为数字（-9999.9999 到 9999.9999）。"),
        ("企业组", 3, "本地排名", "", "名次应为 1 到 100000 的整数。"),
    ]


def test_one_job_at_a_time_per_event_and_a_dead_job_fails_after_the_threshold(
    ningbo, django_capture_on_commit_callbacks
):
    organizer = organizer_for(ningbo)
    data = package([enterprise_row(1)])
    with time_machine.travel(T, tick=False):
        stuck = services.upload_package(by=organizer, event=ningbo, file=ContentFile(data, name="a.zip"))
        transition(stuck, S.CHECKING, by=None, values={"heartbeat_at": T})
    stored = stuck.file.name

    with time_machine.travel(T + timedelta(minutes=4), tick=False), pytest.raises(Conflict) as caught:
        upload(ningbo, organizer, data)
    assert caught.value.message == "本赛事的报名包“a.zip”正在处理（校验中），请等它完成后再操作。"

    with (
        time_machine.travel(T + timedelta(minutes=6), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.expire_stale_imports() == 1
    stuck.refresh_from_db()
    reason = "后台任务中断：自 2024-06-03 10:00 起没有进展，已标记为失败；未写入任何数据，请重新上传。"
    assert (stuck.status, stuck.message, stuck.transitions.last().reason) == (S.FAILED, reason, reason)
    assert (stuck.file.name, default_storage.exists(stored)) == ("", False)
    assert upload(ningbo, organizer, data).status == S.CHECKED


def test_the_check_job_runs_through_the_task_queue_with_progress(ningbo, django_capture_on_commit_callbacks):
    organizer = organizer_for(ningbo)
    data = package([enterprise_row(n) for n in range(1, 4)])

    with django_capture_on_commit_callbacks(execute=True):
        queued = services.upload_package(by=organizer, event=ningbo, file=ContentFile(data, name="a.zip"))
    queued.refresh_from_db()

    assert (queued.status, queued.done, queued.total, queued.percent) == (S.CHECKED, 3, 3, 100)
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_import(by=organizer, package_import=queued)
    queued.refresh_from_db()
    assert (queued.status, Entry.objects.count()) == (S.IMPORTED, 3)


def test_a_cancelled_import_cannot_be_confirmed(ningbo):
    organizer = organizer_for(ningbo)
    checked = upload(ningbo, organizer, package([enterprise_row(1)]))
    services.cancel_import(by=organizer, package_import=checked)

    with pytest.raises(Conflict) as caught:
        services.confirm_import(by=organizer, package_import=checked)

    assert caught.value.message == "报名包导入当前为“已取消”，不能变为“已确认，排队写入”。"
    assert Entry.objects.count() == 0


def test_progress_is_reported_after_each_chunk_of_rows(ningbo, monkeypatch):
    monkeypatch.setattr(services, "CHECK_CHUNK", 2)
    seen = []
    data = package([enterprise_row(n) for n in range(1, 6)])

    report = services.check_package(event=ningbo, handle=io.BytesIO(data), label="a.zip",
                                    progress=lambda done, total: seen.append((done, total)))  # fmt: skip

    assert (seen, report["problem_total"]) == ([(0, 5), (2, 5), (4, 5), (5, 5)], 0)


def test_the_uploaded_name_is_kept_without_its_path_or_control_characters(ningbo):
    organizer = organizer_for(ningbo)

    queued = services.upload_package(by=organizer, event=ningbo,
                                     file=ContentFile(package([enterprise_row(1)]), name="../..\\广东\x01包.zip"))  # fmt: skip

    assert (queued.name, queued.status, queued.file.name.startswith(f"packages/{ningbo.pk}/")) == (
        "广东_包.zip", S.QUEUED, True)  # fmt: skip
