"""Importing the expert pool: the file reader, the two-phase service (every row's errors by row and
column, then one transaction, idempotent on the mobile number), the page and the command."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from contest.core.models import AuditRecord
from contest.review import services
from contest.review.expert_import import ExpertFileError, read_expert_table
from contest.review.models import Expert

from ..registration.factories import organizer_for, user

pytestmark = pytest.mark.integration

HEADERS = [
    "姓名",
    "工作单位",
    "单位统一社会信用代码",
    "职称",
    "擅长行业",
    "熟悉地区",
    "专家类别",
    "手机",
    "邮箱",
]
GOOD = [
    ["王建国", "浙江大学", "", "教授", "C、I", "浙江、上海", "技术", "13905740001", "wangjg@example.cn"],
    ["李梅", "宁波甬商投资管理有限公司", "", "合伙人", "金融业、信息传输、软件和信息技术服务业", "浙江省", "投资专家",
     13905740002, ""],
    ["赵磊", "中国科学院宁波材料技术与工程研究所", "", "研究员", "C 制造业", "330000", "产业", "139 0574 0003",
     "zhaolei@example.cn"],
]  # fmt: skip


def xlsx(rows: list[list], headers: list[str] = HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# -- reading the file --------------------------------------------------------------------------------


@pytest.mark.unit
def test_reader_maps_headers_in_any_order_and_reports_unknown_columns():
    headers = ["手机", "备注", "姓名", "工作单位", "擅长行业", "专家类别"]
    table = read_expert_table(xlsx([[13905740001, "x", "王建国", "浙江大学", "C", "技术"], [None] * 6],
                                   headers=headers), filename="专家.xlsx")  # fmt: skip
    assert table.ignored_columns == ["备注"]
    assert table.rows == [
        {"row": 2, "phone": "13905740001", "name": "王建国", "organization_name": "浙江大学", "expertise": "C",
         "kind": "技术"},
    ]  # fmt: skip


@pytest.mark.unit
def test_reader_names_every_missing_column():
    with pytest.raises(ExpertFileError) as exc:
        read_expert_table(xlsx([["王建国"]], headers=["姓名"]), filename="专家.xlsx")
    assert exc.value.errors == ["缺少必需的列：工作单位、擅长行业、专家类别、手机。请使用导入模板的表头。"]


@pytest.mark.unit
def test_reader_reads_gb18030_csv():
    data = ("姓名,工作单位,擅长行业,专家类别,手机\n王建国,浙江大学,C,技术,13905740001\n").encode("gb18030")
    assert read_expert_table(data, filename="专家.csv").rows[0]["name"] == "王建国"


@pytest.mark.unit
def test_reader_refuses_more_rows_than_one_import_takes():
    lines = ["姓名,工作单位,擅长行业,专家类别,手机"] + [
        f"专家{i},浙江大学,C,技术,139057{i:05d}" for i in range(2001)
    ]
    with pytest.raises(ExpertFileError) as exc:
        read_expert_table("\n".join(lines).encode(), filename="专家.csv")
    assert exc.value.errors == ["一次最多导入 2000 行，文件超过了 2000 行；请分批导入。"]


@pytest.mark.unit
def test_reader_refuses_an_empty_file():
    with pytest.raises(ExpertFileError) as exc:
        read_expert_table(b"\n\n", filename="专家.csv")
    assert exc.value.errors == ["文件是空的：第一行应为表头（姓名、工作单位、擅长行业……）。"]


@pytest.mark.unit
def test_reader_refuses_other_files():
    with pytest.raises(ExpertFileError, match=r"请上传 Excel 文件（\.xlsx）或 CSV 文件（\.csv）。"):
        read_expert_table(b"%PDF-1.7", filename="专家.pdf")


# -- the service -------------------------------------------------------------------------------------------


def rows_of(data: bytes) -> list[dict]:
    return read_expert_table(data, filename="专家.xlsx").rows


def test_dry_run_lists_every_bad_row_by_row_and_column(db):
    bad = [
        GOOD[0],
        ["", "某大学", "", "", "火星业、C", "火星", "院士", "12345", "not-an-email"],
        ["钱七", "某研究院", "91330200MA2XXXXXX9", "", "", "", "技术", "13905740001", ""],
    ]
    report = services.import_experts(by=None, rows=rows_of(xlsx(bad)), dry_run=True)
    assert [str(e) for e in report.errors] == [
        "第 3 行“姓名”：请填写姓名。",
        "第 3 行“擅长行业”：“火星业”不是国民经济行业分类门类，应为字母 A–T 或门类名称（如“C”或“制造业”），以“、”分隔。",
        "第 3 行“熟悉地区”：“火星”不是省级行政区（如“浙江”“广东省”或“330000”）。",
        "第 3 行“专家类别”：应为“技术”“产业”或“投资”。",
        "第 3 行“手机”：请输入有效的中国大陆手机号。",
        "第 3 行“邮箱”：邮箱格式不正确。",
        "第 4 行“单位统一社会信用代码”：" + report.rows[2].errors[0].message,
        "第 4 行“擅长行业”：请选择擅长行业（国民经济行业分类门类 A–T）。",
        "第 4 行“手机”：与第 2 行的手机号重复。",
    ]
    assert [r.action for r in report.rows] == ["created", "", ""]
    assert not Expert.objects.exists()


def test_import_writes_every_row_then_is_idempotent_on_the_phone(db):
    report = services.import_experts(by=None, rows=rows_of(xlsx(GOOD)), source_name="专家.xlsx")
    assert [r.action for r in report.rows] == ["created", "created", "created"]
    experts = {e.name: e for e in Expert.objects.all()}
    assert (experts["王建国"].expertise, experts["王建国"].regions, experts["王建国"].kind) == (
        ["C", "I"], ["310000", "330000"], "technical",
    )  # fmt: skip
    assert (experts["李梅"].expertise, experts["李梅"].kind, experts["李梅"].phone) == (
        ["I", "J"], "investment", "+8613905740002",
    )  # fmt: skip
    assert (experts["赵磊"].expertise, experts["赵磊"].phone) == (["C"], "+8613905740003")
    again = services.import_experts(by=None, rows=rows_of(xlsx(GOOD)))
    assert [r.action for r in again.rows] == ["unchanged"] * 3
    changed = [GOOD[0], [*GOOD[1][:3], "执行董事", *GOOD[1][4:]], GOOD[2]]
    third = services.import_experts(by=None, rows=rows_of(xlsx(changed)))
    assert [r.action for r in third.rows] == ["unchanged", "updated", "unchanged"]
    assert Expert.objects.count() == 3
    assert Expert.objects.get(name="李梅").title == "执行董事"
    record = AuditRecord.objects.filter(action="review.experts.imported").order_by("seq").first()
    assert (record.data["source"], sorted(record.data["created"]), record.data["rows"]) == (
        "专家.xlsx", sorted(e.pk for e in experts.values()), 3,
    )  # fmt: skip


def test_import_refuses_the_whole_file_when_a_row_is_wrong(db):
    rows = rows_of(xlsx([GOOD[0], [*GOOD[1][:6], "顾问", *GOOD[1][7:]]]))
    with pytest.raises(services.ExpertImportRefused) as exc:
        services.import_experts(by=None, rows=rows)
    assert exc.value.errors == ["第 3 行“专家类别”：应为“技术”“产业”或“投资”。"]
    assert not Expert.objects.exists()


def test_import_is_refused_to_someone_who_cannot_manage_experts(db):
    from contest.core.errors import NotFound

    with pytest.raises(NotFound):
        services.import_experts(by=user(), rows=rows_of(xlsx(GOOD)))


# -- the page: upload, preview, confirm ---------------------------------------------------------------------


def upload(client, data: bytes, name: str = "专家.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(reverse("review:expert_import"), {"step": "preview", "file": file})


def test_page_previews_errors_and_writes_nothing(client, ningbo):
    client.force_login(organizer_for(ningbo))
    response = upload(client, xlsx([GOOD[0], ["", *GOOD[1][1:]]]))
    assert [str(e) for e in response.context["report"].errors] == ["第 3 行“姓名”：请填写姓名。"]
    assert response.context["token"] is None
    assert 'id="confirm-form"' not in response.content.decode()
    assert not Expert.objects.exists()


def test_page_previews_then_confirms_in_one_go(client, ningbo):
    organizer = organizer_for(ningbo)
    client.force_login(organizer)
    response = upload(client, xlsx(GOOD))
    assert [r.action for r in response.context["report"].rows] == ["created"] * 3
    assert not Expert.objects.exists()
    token = response.context["token"]
    response = client.post(reverse("review:expert_import"), {"step": "confirm", "token": token}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["导入完成：新增 3 位，更新 0 位，无变化 0 位。"]
    assert sorted(Expert.objects.values_list("name", "added_by")) == [
        ("李梅", organizer.pk), ("王建国", organizer.pk), ("赵磊", organizer.pk),
    ]  # fmt: skip
    response = client.post(reverse("review:expert_import"), {"step": "confirm", "token": token}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["预览已失效，请重新上传文件。"]


def test_page_shows_file_errors(client, ningbo):
    client.force_login(organizer_for(ningbo))
    response = upload(client, b"not a workbook", name="专家.xlsx")
    assert response.context["file_errors"] == [
        "无法读取 Excel 文件（文件损坏，或不是 .xlsx 格式；旧版 .xls 请另存为 .xlsx）。"
    ]


def test_template_has_the_import_headers(client, ningbo):
    from openpyxl import load_workbook

    client.force_login(organizer_for(ningbo))
    response = client.get(reverse("review:expert_import_template"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert services.import_experts(by=None, rows=rows_of(response.content), dry_run=True).errors == []


# -- the command ---------------------------------------------------------------------------------------------------


def test_command_dry_run_then_import(tmp_path, db):
    path = tmp_path / "专家.xlsx"
    path.write_bytes(xlsx(GOOD))
    out = io.StringIO()
    call_command("import_experts", str(path), "--dry-run", stdout=out)
    assert out.getvalue().splitlines()[0] == "专家库：将新增 3 位，更新 0 位，无变化 0 位。"
    assert not Expert.objects.exists()
    out = io.StringIO()
    call_command("import_experts", str(path), stdout=out)
    assert out.getvalue().splitlines() == [
        "专家库：已新增 3 位，更新 0 位，无变化 0 位。", "+ 新增 第 2 行 王建国", "+ 新增 第 3 行 李梅", "+ 新增 第 4 行 赵磊",
    ]  # fmt: skip
    assert Expert.objects.count() == 3


def test_command_reports_row_errors_and_writes_nothing(tmp_path, db):
    path = tmp_path / "专家.xlsx"
    path.write_bytes(xlsx([[*GOOD[0][:7], "12345", ""]]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_experts", str(path), "--dry-run", stderr=err)
    assert err.getvalue().splitlines() == ["第 2 行“手机”：请输入有效的中国大陆手机号。"]
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_experts", str(path), stderr=io.StringIO())
    assert not Expert.objects.exists()
