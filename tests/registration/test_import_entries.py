"""Batch import of offline registrations: file → rows → checked → one transaction."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from contest.catalog.models import Event
from contest.core.audit import verify_chain
from contest.core.errors import Closed, PermissionDenied, ValidationFailed
from contest.core.models import AuditRecord
from contest.registration import services
from contest.registration.enums import RuleKind
from contest.registration.importer import ImportFileError, read_entry_table
from contest.registration.models import EligibilityRule, Enterprise, Entry, Submission

from .factories import (
    ENTERPRISE,
    SHANGHAI,
    credit_code,
    enterprise_owner,
    open_registration,
    organizer_for,
    submitted_entry,
    superuser,
)

pytestmark = pytest.mark.integration

HEADERS = ["企业名称", "统一社会信用代码", "成立日期", "注册资本（万元）", "从业人数", "上年营业收入（万元）",
           "是否上市", "所属行业", "专精特新情况", "联系人", "联系人手机", "项目名称", "项目简介", "行业领域",
           "技术与创新", "知识产权"]  # fmt: skip
CODE_A = credit_code("330203", body="MA2CKDR01")
CODE_B = credit_code("330212", body="MA2CKDR02")
BAD_CHECK_DIGIT = CODE_A[:-1] + ("1" if CODE_A[-1] == "0" else "0")
CHECK_DIGIT = "统一社会信用代码校验位不正确，请核对。"


def row(**overrides) -> dict:
    values = {
        "企业名称": "宁波海曙智造科技有限公司", "统一社会信用代码": CODE_A, "成立日期": date(2019, 3, 15),
        "注册资本（万元）": 800, "从业人数": 56, "上年营业收入（万元）": 4200.5, "是否上市": "否",
        "所属行业": "制造业", "专精特新情况": "专精特新中小企业", "联系人": "王芳",
        "联系人手机": "13905741234",
        "项目名称": "注塑机能耗优化系统", "项目简介": "以边缘计算降低注塑机能耗。", "行业领域": "I",
        "技术与创新": "自适应温控算法", "知识产权": "发明专利 一种注塑温控方法；软件著作权 能耗平台V1.0",
    }  # fmt: skip
    values.update(overrides)
    return values


def row_b(**overrides) -> dict:
    return row(**{"企业名称": "宁波北仑港航数据有限公司", "统一社会信用代码": CODE_B, "成立日期": "2021/6/1",
                  "所属行业": "I", "专精特新情况": "", "是否上市": "", "联系人手机": "13705749876",
                  "项目名称": "港口集卡智能调度平台", "项目简介": "港口集卡调度优化。", "行业领域": "",
                  "技术与创新": "", "知识产权": "", **overrides})  # fmt: skip


def xlsx(*rows: dict, headers: list[str] = HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for values in rows:
        sheet.append([values.get(h) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run_import(event, data: bytes, *, by=None, dry_run=False, filename="报名表.xlsx"):
    table = read_entry_table(data, filename=filename)
    return services.import_entries(by=by, event=event, rows=table.rows, dry_run=dry_run)


# -- a good file ---------------------------------------------------------------------------------


def test_import_good_file_creates_submitted_entries_with_receipts(ningbo):
    organizer = organizer_for(ningbo)
    report = run_import(ningbo, xlsx(row(), row_b()), by=organizer)

    assert report.errors == []
    assert [(r.row, r.action, r.credit_code) for r in report.rows] == [
        (2, "created", CODE_A),
        (3, "created", CODE_B),
    ]
    first, second = Entry.objects.order_by("pk")
    assert (first.status, first.source, first.title, first.industry, first.event_id) == (
        "submitted", "import", "注塑机能耗优化系统", "I", ningbo.pk,
    )  # fmt: skip
    assert first.number == f"CK9-R30-{first.pk:06d}"
    assert first.ip_list == [
        {"kind": "", "name": "发明专利 一种注塑温控方法", "number": ""},
        {"kind": "", "name": "软件著作权 能耗平台V1.0", "number": ""},
    ]
    assert second.industry == "I"  # 行业领域 empty: the enterprise's 所属行业
    enterprise = first.enterprise
    assert (enterprise.name, enterprise.division.name, enterprise.founded_on, enterprise.employees) == (
        "宁波海曙智造科技有限公司", "宁波市", date(2019, 3, 15), 56,
    )  # fmt: skip
    assert (str(enterprise.revenue_last_year), enterprise.industry, enterprise.sme_status) == (
        "4200.50",
        "C",
        "srdi",
    )
    assert second.enterprise.founded_on == date(2021, 6, 1)
    owner = first.owner
    assert (owner.username, owner.is_active, owner.has_usable_password()) == (
        f"import-{CODE_A}",
        False,
        False,
    )
    receipt = Submission.objects.get(entry=first)
    assert (receipt.number, receipt.manifest["source"], receipt.sha256) == (
        f"{first.number}-1", "import", first.content_sha256,
    )  # fmt: skip
    assert list(first.transitions.values_list("from_status", "to_status", "actor_id", "reason")) == [
        ("draft", "submitted", organizer.pk, "批量导入线下报名")
    ]
    record = AuditRecord.objects.get(action="registration.import.completed")
    assert record.data["created"] == [first.pk, second.pk]
    assert verify_chain()[1] is None


def test_import_dry_run_reports_and_writes_nothing(ningbo):
    records = AuditRecord.objects.count()
    report = run_import(ningbo, xlsx(row(), row_b()), dry_run=True)
    assert report.lines() == [
        "“第九届“创客中国”宁波市中小企业创新创业大赛”：将新增 2 个项目，更新 0 个，无变化 0 个。",
        f"+ 新增 第 2 行 {CODE_A} 宁波海曙智造科技有限公司：注塑机能耗优化系统",
        f"+ 新增 第 3 行 {CODE_B} 宁波北仑港航数据有限公司：港口集卡智能调度平台",
    ]
    assert (Entry.objects.count(), Enterprise.objects.count(), AuditRecord.objects.count()) == (0, 0, records)
    assert not get_user_model().objects.filter(username__startswith="import-").exists()


def test_import_reads_csv_in_gb18030(ningbo):
    text = ",".join(HEADERS) + "\n" + ",".join(str(row(成立日期="2019-03-15")[h]) for h in HEADERS) + "\n"
    report = run_import(ningbo, text.encode("gb18030"), filename="报名表.csv")
    assert [(r.action, r.title) for r in report.rows] == [("created", "注塑机能耗优化系统")]


# -- bad rows ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"企业名称": ""}, "第 2 行“企业名称”：请填写企业名称。"),
        ({"统一社会信用代码": BAD_CHECK_DIGIT}, f"第 2 行“统一社会信用代码”：{CHECK_DIGIT}"),
        ({"统一社会信用代码": "9133020"},
         "第 2 行“统一社会信用代码”：统一社会信用代码应为 18 位，当前为 7 位。"),
        ({"成立日期": "去年"}, "第 2 行“成立日期”：成立日期应为日期，格式 YYYY-MM-DD。"),
        ({"成立日期": date(2030, 1, 1)}, "第 2 行“成立日期”：成立日期不能晚于今天。"),
        ({"注册资本（万元）": "八百"}, "第 2 行“注册资本（万元）”：注册资本应为数字。"),
        ({"从业人数": "很多"}, "第 2 行“从业人数”：从业人数应为整数。"),
        ({"上年营业收入（万元）": -1}, "第 2 行“上年营业收入（万元）”：上年营业收入不能为负数。"),
        ({"是否上市": "也许"}, "第 2 行“是否上市”：应填“是”或“否”。"),
        ({"所属行业": "Z"},
         "第 2 行“所属行业”：应为国民经济行业分类门类的字母（A–T）或名称，如“C”或“制造业”。"),
        ({"专精特新情况": "独角兽"},
         "第 2 行“专精特新情况”：应为“无”“创新型中小企业”“专精特新中小企业”或“专精特新“小巨人”企业”。"),
        ({"联系人": ""}, "第 2 行“联系人”：请填写联系人。"),
        ({"联系人手机": "0574-8888888"}, "第 2 行“联系人手机”：请输入有效的中国大陆手机号。"),
        ({"项目名称": ""}, "第 2 行“项目名称”：请填写项目名称。"),
        ({"项目名称": "长" * 201}, "第 2 行“项目名称”：项目名称不能超过 200 个字符（当前 201 个）。"),
        ({"项目简介": ""}, "第 2 行“项目简介”：请填写项目简介。"),
        ({"行业领域": "外星"},
         "第 2 行“行业领域”：应为国民经济行业分类门类的字母（A–T）或名称，如“I”或“软件和信息技术服务业”。"),
    ],
)  # fmt: skip
@time_machine.travel(datetime(2024, 7, 1, 10, tzinfo=SHANGHAI), tick=False)
def test_import_bad_cell_is_reported_with_row_and_column(ningbo, overrides, expected):
    report = run_import(ningbo, xlsx(row(**overrides)), dry_run=True)
    assert [str(e) for e in report.errors] == [expected]


def test_import_reports_every_bad_row_and_writes_nothing(ningbo):
    records = AuditRecord.objects.count()
    data = xlsx(
        row(), row_b(联系人手机="123", 从业人数="很多"), row(统一社会信用代码=CODE_A, 项目名称="另一个项目")
    )
    with pytest.raises(services.ImportRefused) as exc:
        run_import(ningbo, data)
    assert exc.value.errors == [
        "第 3 行“从业人数”：从业人数应为整数。",
        "第 3 行“联系人手机”：请输入有效的中国大陆手机号。",
        "第 4 行“统一社会信用代码”：与第 2 行的统一社会信用代码重复；每个企业本届只能报名一个项目。",
    ]
    assert exc.value.message == "3 处错误，未导入任何数据。"
    assert (Entry.objects.count(), Enterprise.objects.count(), AuditRecord.objects.count()) == (0, 0, records)
    assert not get_user_model().objects.filter(username__startswith="import-").exists()


def test_import_reports_eligibility_rules(ningbo, edition9):
    EligibilityRule.objects.create(edition=edition9, group_code="enterprise", kind=RuleKind.REVENUE_AT_MOST,
                                   value="2000")  # fmt: skip
    report = run_import(ningbo, xlsx(row()), dry_run=True)
    assert [str(e) for e in report.errors] == [
        "第 2 行“参赛条件”：不符合参赛条件：上年营业收入须不超过 2000 万元。"
    ]


def test_import_file_without_required_columns_is_refused(ningbo):
    with pytest.raises(ImportFileError) as exc:
        read_entry_table(xlsx(row(), headers=["企业名称", "项目名称", "备注"]), filename="a.xlsx")
    assert exc.value.errors == [
        "缺少必需的列：统一社会信用代码、成立日期、注册资本（万元）、从业人数、上年营业收入（万元）、所属行业、"
        "联系人、联系人手机、项目简介。请使用导入模板的表头。"
    ]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "a.xlsx", "无法读取 Excel 文件（文件损坏，或不是 .xlsx 格式；旧版 .xls 请另存为 .xlsx）。"),
        (b"%PDF-1.4", "a.pdf", "请上传 Excel 文件（.xlsx）或 CSV 文件（.csv）。"),
        ("企业名称,统一社会信用代码\n".encode(), "a.csv",
         "缺少必需的列：成立日期、注册资本（万元）、从业人数、上年营业收入（万元）、所属行业、联系人、"
         "联系人手机、项目名称、项目简介。请使用导入模板的表头。"),
        (",".join(HEADERS).encode(), "a.csv", "表头下面没有数据行。"),
    ],
)  # fmt: skip
def test_import_unreadable_files_are_refused(data, filename, message):
    with pytest.raises(ImportFileError) as exc:
        read_entry_table(data, filename=filename)
    assert exc.value.message == message


def test_import_file_over_the_row_limit_is_refused():
    lines = [
        ",".join(HEADERS),
        *(",".join(["x"] * len(HEADERS)) for _ in range(services.IMPORT_ROW_LIMIT + 1)),
    ]
    with pytest.raises(ImportFileError) as exc:
        read_entry_table("\n".join(lines).encode(), filename="a.csv")
    assert exc.value.errors == ["一次最多导入 5000 行，文件超过了 5000 行；请分批导入。"]


# -- idempotency and clashes ----------------------------------------------------------------------


def test_import_twice_changes_nothing_the_second_time(ningbo):
    run_import(ningbo, xlsx(row(), row_b()))
    records = AuditRecord.objects.filter(action__startswith="registration.entry").count()
    report = run_import(ningbo, xlsx(row(), row_b()))
    assert [r.action for r in report.rows] == ["unchanged", "unchanged"]
    assert (Entry.objects.count(), Enterprise.objects.count(), Submission.objects.count()) == (2, 2, 2)
    assert AuditRecord.objects.filter(action__startswith="registration.entry").count() == records


def test_import_again_with_changes_updates_the_entry_and_issues_a_new_receipt(ningbo):
    run_import(ningbo, xlsx(row()))
    report = run_import(ningbo, xlsx(row(项目简介="改进后的简介。", 从业人数=60)))
    entry = Entry.objects.get()
    assert report.rows[0].action == "updated"
    assert report.rows[0].changes == {
        "summary": {"before": "以边缘计算降低注塑机能耗。", "after": "改进后的简介。"},
        "enterprise.employees": {"before": 56, "after": 60},
    }
    assert (entry.summary, entry.enterprise.employees, entry.status) == ("改进后的简介。", 60, "submitted")
    assert list(entry.submissions.values_list("number", flat=True)) == [
        f"{entry.number}-1",
        f"{entry.number}-2",
    ]


def test_import_again_resubmits_a_returned_entry(ningbo):
    organizer = organizer_for(ningbo)
    run_import(ningbo, xlsx(row()), by=organizer)
    services.return_entry(by=organizer, entry=Entry.objects.get(), comment="请补充技术说明。")
    run_import(ningbo, xlsx(row(技术与创新="补充：自适应温控算法已在三家工厂验证。")), by=organizer)
    entry = Entry.objects.get()
    assert (entry.status, entry.innovation) == ("resubmitted", "补充：自适应温控算法已在三家工厂验证。")


def test_import_cannot_change_a_decided_entry(ningbo):
    organizer = organizer_for(ningbo)
    run_import(ningbo, xlsx(row()), by=organizer)
    services.qualify_entry(by=organizer, entry=Entry.objects.get())
    assert run_import(ningbo, xlsx(row()), dry_run=True).rows[0].action == "unchanged"
    report = run_import(ningbo, xlsx(row(项目简介="新简介")), dry_run=True)
    assert [str(e) for e in report.errors] == [
        "第 2 行“项目名称”：该项目资格审查已有结论（资格审查通过），不能通过导入修改。"
    ]


def test_import_a_credit_code_with_a_different_project_in_the_edition_is_an_error(ningbo):
    run_import(ningbo, xlsx(row()))
    report = run_import(ningbo, xlsx(row(项目名称="另一个项目")), dry_run=True)
    assert [str(e) for e in report.errors] == [
        "第 2 行“项目名称”：该企业本届已在“第九届“创客中国”宁波市中小企业创新创业大赛”"
        "报名项目“注塑机能耗优化系统”，每个企业只能报名一个项目。"
    ]


def test_import_same_project_in_another_event_is_an_error(ningbo, edition9):
    run_import(ningbo, xlsx(row()))
    thematic = Event.objects.get(edition=edition9, tier="thematic", seq=5)
    open_registration(thematic)
    report = run_import(thematic, xlsx(row()), dry_run=True)
    assert [str(e) for e in report.errors] == [
        "第 2 行“项目名称”：该企业已在“第九届“创客中国”宁波市中小企业创新创业大赛”报名此项目。"
    ]


def test_import_does_not_overwrite_an_online_registration(ningbo):
    owner = enterprise_owner("330203", credit_code=CODE_A, name="宁波海曙智造科技有限公司")
    submitted_entry(ningbo, owner, title="注塑机能耗优化系统")
    report = run_import(ningbo, xlsx(row()), dry_run=True)
    assert [str(e) for e in report.errors] == [
        "第 2 行“项目名称”：该企业已在本平台在线报名此项目，导入不能覆盖在线报名。"
    ]


def test_import_for_an_enterprise_with_an_account_keeps_its_profile_and_owner(ningbo):
    owner = enterprise_owner("330203", credit_code=CODE_A, name="宁波海曙智造科技有限公司")
    run_import(ningbo, xlsx(row(从业人数=999)))
    entry = Entry.objects.get()
    assert (entry.owner, entry.enterprise.employees) == (owner, int(ENTERPRISE["employees"]))
    assert not get_user_model().objects.filter(username__startswith="import-").exists()


def test_import_name_must_match_the_registered_enterprise(ningbo):
    enterprise_owner("330203", credit_code=CODE_A, name="宁波另一家公司")
    report = run_import(ningbo, xlsx(row()), dry_run=True)
    assert [str(e) for e in report.errors] == [
        "第 2 行“企业名称”：该统一社会信用代码已登记为“宁波另一家公司”，与本行企业名称不符。"
    ]


# -- window and permission ----------------------------------------------------------------------


def test_import_after_the_window_closed_is_refused(ningbo):
    open_registration(ningbo, closes_on=date(2024, 7, 20))
    with time_machine.travel(datetime(2024, 7, 21, 0, 0, tzinfo=SHANGHAI), tick=False):
        with pytest.raises(Closed) as exc:
            run_import(ningbo, xlsx(row()))
        with pytest.raises(Closed):
            run_import(ningbo, xlsx(row()), dry_run=True)
    assert exc.value.message == (
        "“第九届“创客中国”宁波市中小企业创新创业大赛”报名已于 2024-07-20 24:00 截止，不能再提交或修改。"
    )
    assert Entry.objects.count() == 0


def test_import_by_an_organizer_of_another_event_is_refused(ningbo, edition9):
    shenzhen = Event.objects.get(edition=edition9, tier="regional", seq=33)
    with pytest.raises(PermissionDenied):
        run_import(ningbo, xlsx(row()), by=organizer_for(shenzhen))
    assert Entry.objects.count() == 0


def test_import_into_the_national_final_is_refused(edition9):
    final = Event.objects.get(edition=edition9, tier="national_final")
    with pytest.raises(ValidationFailed, match="全国总决赛不接受报名，不能导入。"):
        run_import(final, xlsx(row()), by=superuser())


def test_import_into_an_event_with_an_external_portal_is_allowed(edition9):
    guangdong = Event.objects.get(edition=edition9, tier="regional", seq=17)
    open_registration(guangdong)
    report = run_import(
        guangdong, xlsx(row(统一社会信用代码=credit_code("440106"), 企业名称="广州天河数智有限公司"))
    )
    assert [r.action for r in report.rows] == ["created"]


# -- the command ----------------------------------------------------------------------------------


def test_import_entries_command_dry_run_then_import(ningbo, tmp_path, capsys):
    path = tmp_path / "报名表.xlsx"
    path.write_bytes(xlsx(row()))
    call_command("import_entries", str(path), "--event", str(ningbo.pk), "--dry-run")
    assert Entry.objects.count() == 0
    call_command("import_entries", str(path), "--event", str(ningbo.pk))
    out = capsys.readouterr().out.splitlines()
    assert out[-2:] == [
        "“第九届“创客中国”宁波市中小企业创新创业大赛”：已新增 1 个项目，更新 0 个，无变化 0 个。",
        f"+ 新增 第 2 行 {CODE_A} 宁波海曙智造科技有限公司：注塑机能耗优化系统",
    ]
    assert Entry.objects.get().source == "import"


def test_import_entries_command_lists_errors_and_fails(ningbo, tmp_path, capsys):
    path = tmp_path / "报名表.xlsx"
    path.write_bytes(xlsx(row(联系人手机="123")))
    with pytest.raises(CommandError, match="未导入任何数据：1 处错误，未导入任何数据。"):
        call_command("import_entries", str(path), "--event", str(ningbo.pk))
    assert capsys.readouterr().err.splitlines() == ["第 2 行“联系人手机”：请输入有效的中国大陆手机号。"]
    assert Entry.objects.count() == 0
