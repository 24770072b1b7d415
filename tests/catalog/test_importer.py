"""The plan importer: the seed, each kind of PDF damage, refused input, spreadsheets."""

import json
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from contest.catalog import selectors
from contest.catalog.importer import PlanError, read_plan
from contest.catalog.importer.text import read_text
from contest.catalog.models import Edition, Event, EventOrganization, Organization
from contest.core.models import AuditRecord

from .plans import GOLDEN, SPREADSHEET_HEADER, golden_by_tier, simple_text, spreadsheet_rows, xlsx_bytes

pytestmark = pytest.mark.integration

MIIT_CENTRE = "工业和信息化部网络安全产业发展中心（工业和信息化部信息中心）"


def snapshot(edition_number: int = 9) -> list[dict]:
    """Every event of an edition with every field, in plan order, as the golden file has it."""
    edition = Edition.objects.get(number=edition_number)
    return [
        {
            "tier": e.tier, "seq": e.seq, "name": e.name, "location": e.location,
            "province": e.province.name if e.province else None,
            "city": e.city.name if e.city else None, "city_name": e.city_name, "theme": e.theme,
            "hosts": [[r.organization.name, r.role] for r in e.role_list if r.role != "undertaker"],
            "undertakers": [r.organization.name for r in e.role_list if r.role == "undertaker"],
            "registration_urls": e.registration_urls, "registration_mode": e.registration_mode,
            "served_divisions": [d.name for d in e.served_divisions.all()],
        }
        for e in selectors.events(edition)
    ]  # fmt: skip


def plan_rows_as_golden(plan) -> list[dict]:
    """The parser's output in the golden file's shape (division codes → names)."""
    from contest.catalog.importer.common import gazetteer

    gaz = gazetteer()

    def name(code):
        return gaz.by_code[code].name if code else None

    return [
        {
            "tier": r.tier, "seq": r.seq, "name": r.name, "location": r.location,
            "province": name(r.province_code), "city": name(r.city_code), "city_name": r.city_name,
            "theme": r.theme, "hosts": [list(h) for h in r.hosts], "undertakers": r.undertakers,
            "registration_urls": r.registration_urls,
            "served_divisions": [name(c) for c in r.served_codes],
        }
        for r in plan.rows
    ]  # fmt: skip


def golden_without_mode() -> list[dict]:
    return [{k: v for k, v in e.items() if k != "registration_mode"} for e in GOLDEN]


# -- the seed --------------------------------------------------------------------------


def test_import_plan_seed_matches_the_golden_file_in_every_field(edition9):
    assert snapshot() == GOLDEN


def test_import_plan_seed_has_the_plan_counts(edition9):
    assert selectors.tier_counts(edition9) == [
        ("national_final", "全国总决赛", 1), ("regional", "区域赛", 34),
        ("thematic", "专题赛", 14), ("overseas_final", "境外区域赛决赛", 1),
    ]  # fmt: skip
    assert Organization.objects.count() == 44
    miit = Organization.objects.get(name=MIIT_CENTRE)
    assert EventOrganization.objects.filter(organization=miit).count() == 15
    assert edition9.title == "第九届“创客中国”中小企业创新创业大赛"
    assert edition9.year == 2024
    assert [(g.code, g.name) for g in edition9.groups.all()] == [
        ("enterprise", "企业组"),
        ("maker", "创客组"),
    ]


def test_import_plan_seed_reports_the_stray_link_lines(plan_text):
    plan = read_text(plan_text, expected_edition=9)
    assert plan.warnings == [
        "第 56 行：忽略孤立的链接“http://jilinmaker.com/”（第 54 行的报名网址已完整）。",
        "第 57 行：忽略孤立的链接“http://www.ssme.sh.org.gov.cn/”（第 54 行的报名网址已完整）。",
        "第 58 行：忽略孤立的链接“http://www.baidu.com/link?url=3o5AjRRv1IUeblgsgFnouU1o2f0zZfJMtBFZ5vo1yhO”"
        "（第 54 行的报名网址已完整）。",
        "第 131 行：忽略孤立的链接“http://www.cxcyds.com”（不属于任何一行）。",
    ]


def test_import_plan_reimport_is_idempotent(edition9):
    audit_before = AuditRecord.objects.count()
    ids_before = sorted(Event.objects.values_list("pk", flat=True))
    call_command("import_plan", str(Path(__file__).parents[2] / "src/contest/catalog/data/plans/edition9.txt"),
                 "--edition", "9", verbosity=0)  # fmt: skip
    assert sorted(Event.objects.values_list("pk", flat=True)) == ids_before
    assert Organization.objects.count() == 44
    assert AuditRecord.objects.count() == audit_before
    assert snapshot() == GOLDEN


def test_import_plan_changed_plan_updates_in_place_and_audits_the_difference(edition9, tmp_path):
    shenzhen = Event.objects.get(edition=edition9, tier="regional", seq=33)
    changed = simple_text().replace(
        "深圳市中小企业服务局牵头 大赛官网 www.cnmaker.org.cn",
        "深圳市中小企业服务局牵头 https://sz.example.cn/",
    )
    path = tmp_path / "plan.txt"
    path.write_text(changed, encoding="utf-8")
    call_command("import_plan", str(path), "--edition", "9", verbosity=0)
    shenzhen.refresh_from_db()
    assert shenzhen.registration_urls == ["https://sz.example.cn/"]
    assert shenzhen.registration_mode == "external"
    assert Event.objects.filter(edition=edition9).count() == 50
    record = AuditRecord.objects.filter(action="catalog.event.updated").get()
    assert record.object_id == str(shenzhen.pk)
    assert record.data == {"changes": {
        "registration_mode": {"before": "platform", "after": "external"},
        "registration_urls": {"before": ["www.cnmaker.org.cn"], "after": ["https://sz.example.cn/"]},
    }}  # fmt: skip
    call_command("verify_audit")


def test_import_plan_dry_run_prints_changes_and_writes_nothing(db, capsys):
    path = Path(__file__).parents[2] / "src/contest/catalog/data/plans/edition9.txt"
    call_command("import_plan", str(path), "--edition", "9", "--dry-run")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "（演练，未写入）第 9 届：新增 50 场，更新 0 场，无变化 0 场；新增组织单位 44 个。"
    assert out[1] == "新建届次：第 9 届"
    assert out[2] == "+ 新增 national_final#1 第九届“创客中国”中小企业创新创业大赛全国总决赛"
    assert Edition.objects.count() == 0
    assert Event.objects.count() == 0
    assert Organization.objects.count() == 0
    assert AuditRecord.objects.count() == 0


# -- each kind of damage, crafted ------------------------------------------------------

HEAD = "第九届“创客中国”中小企业创新创业大赛赛事计划\n"


def regional(body: str, count: int) -> str:
    return HEAD + f"二、区域赛（共 {count}场）\n序号 赛事名称 地点 主办单位 报名网址\n" + body


def parse(text: str):
    return read_text(text, expected_edition=9)


def test_text_cells_wrapped_mid_word_are_rejoined():
    plan = parse(regional(
        "1 第九届“创客中国”广西壮族自治区中小企业创新创业\n\n大赛\n\n广西壮族\n\n自治区\n"
        "广西壮族自治区工业和信\n息化厅牵头 大赛官网 www.cnmaker.org.cn\n", 1))  # fmt: skip
    (row,) = plan.rows
    assert (row.name, row.location, row.province_code, row.hosts) == (
        "第九届“创客中国”广西壮族自治区中小企业创新创业大赛", "广西壮族自治区", "450000",
        [("广西壮族自治区工业和信息化厅", "lead")],
    )  # fmt: skip


def test_text_page_number_lines_and_leading_spaces_are_ignored():
    plan = parse(regional(
        "1 第九届“创客中国”北京市中小企业创新创业大赛 北京市 北京市经济和信息化局牵头 https://www.smebj.cn/\n"
        "\n7\n\n 2 第九届“创客中国”天津市中小企业创新创业大赛 天津市 天津市工业和信息化局牵头 大赛官网 www.cnmaker.org.cn\n",
        2))  # fmt: skip
    assert [(r.seq, r.location) for r in plan.rows] == [(1, "北京市"), (2, "天津市")]
    assert plan.warnings == []


def test_text_row_number_alone_on_its_line_starts_the_row():
    plan = parse(regional(
        "1\n第九届“创客中国”新疆维吾尔自治区中小企业创新创业\n\n大赛\n\n新疆维吾\n\n尔自治区\n"
        "新疆维吾尔自治区工业和信息化厅牵头\n\nwww.xjmaker.org.cn\n或 www.xjsmefw.cn\n", 1))  # fmt: skip
    (row,) = plan.rows
    assert (row.seq, row.location, row.registration_urls) == (
        1,
        "新疆维吾尔自治区",
        ["www.xjmaker.org.cn", "www.xjsmefw.cn"],
    )


def test_text_stray_link_lines_belong_to_no_row():
    plan = parse(regional(
        "1 第九届“创客中国”吉林省中小企业创新创业大赛 吉林省 吉林省工业和信息化厅牵头 http://www.jilinmaker.com/\n\n"
        "http://jilinmaker.com/\nhttp://www.baidu.com/link?url=abc\n"
        " 2 第九届“创客中国”天津市中小企业创新创业大赛 天津市 天津市工业和信息化局牵头 大赛官网 www.cnmaker.org.cn\n", 2))  # fmt: skip
    assert [r.registration_urls for r in plan.rows] == [
        ["http://www.jilinmaker.com/"],
        ["www.cnmaker.org.cn"],
    ]
    assert plan.warnings == [
        "第 6 行：忽略孤立的链接“http://jilinmaker.com/”（第 4 行的报名网址已完整）。",
        "第 7 行：忽略孤立的链接“http://www.baidu.com/link?url=abc”（第 4 行的报名网址已完整）。",
    ]


def test_text_urls_joined_by_or_across_lines_with_label():
    plan = parse(regional(
        "1 第九届“创客中国”兵团中小企业创新创业大赛\n新疆维吾\n\n尔自治区\n新疆生产建设兵团工业和信息化局牵头\n\n"
        "大赛官网 www.cnmaker.org.cn或\nhttp://www.xjbtsme.gov.cn.org.cn\n", 1))  # fmt: skip
    (row,) = plan.rows
    assert row.registration_urls == ["www.cnmaker.org.cn", "http://www.xjbtsme.gov.cn.org.cn"]
    assert (row.province_code, row.served_codes) == ("650000", ["660000"])


def test_text_merged_registration_cell_applies_to_the_rows_below():
    text = HEAD + (
        "三、专题赛（共 2场）\n序号 赛事名称 决赛地点 主办单位 报名网址\nhttp://www.cxcyds.com\n"
        " 1 第九届“创客中国”网络安全中小企业创新创业大赛 北京市\n\n工业和信息化部网络安全产业发展\n\n"
        "中心（工业和信息化部信息中心）、\n\n北京市经济和信息化局\n\n大赛官网 www.cnmaker.org.cn\n\n"
        "2 第九届“创客中国”元宇宙中小企业创新创业大赛 北京市\n\n工业和信息化部网络安全产业发展\n\n"
        "中心（工业和信息化部信息中心）、\n\n北京市经济和信息化局\n"
    )
    plan = parse(text)
    assert [(r.theme, r.registration_urls, r.notes) for r in plan.rows] == [
        ("网络安全", ["www.cnmaker.org.cn"], []),
        ("元宇宙", ["www.cnmaker.org.cn"], ["报名网址为合并单元格，沿用上一行"]),
    ]
    assert [h for h, _ in plan.rows[1].hosts] == [MIIT_CENTRE, "北京市经济和信息化局"]
    assert plan.warnings == ["第 4 行：忽略孤立的链接“http://www.cxcyds.com”（不属于任何一行）。"]


def test_text_host_and_undertaker_cells_run_together_are_split():
    text = HEAD + (
        "一、总决赛（共 1场）\n赛事名称 地点 主办单位 承办单位\n第九届“创客中国”中小企业创新创业大赛全国总决赛\n"
        "广东省\n\n东莞市\n\n工业和信息化部网络安全产业发展中\n\n心（工业和信息化部信息中心）、广东\n\n"
        "省工业和信息化厅、东莞市人民政府\n\n东莞市工业和信息化局\n"
    )
    (row,) = parse(text).rows
    assert (row.location, row.city_code) == ("广东省东莞市", "441900")
    assert row.hosts == [(MIIT_CENTRE, "host"), ("广东省工业和信息化厅", "host"), ("东莞市人民政府", "host")]
    assert row.undertakers == ["东莞市工业和信息化局"]
    assert row.registration_urls == []


def test_text_lead_suffix_is_stripped_and_marks_the_role():
    plan = parse(
        regional(
            "1 第九届“创客中国”宁波市中小企业创新创业大赛 宁波市 宁波市经济和信息化局牵头 大赛官网 www.cnmaker.org.cn\n",
            1,
        )
    )
    (row,) = plan.rows
    assert row.hosts == [("宁波市经济和信息化局", "lead")]
    assert (row.province_code, row.city_code, row.served_codes) == ("330000", "330200", ["330200"])


def test_text_overseas_name_with_parenthesis_wrapped():
    text = HEAD + (
        "四、境外区域赛决赛（共 1场）\n赛事名称 地点 主办单位 报名网址\n第九届“创客中国”中小企业创新创业大赛境外区域赛\n\n"
        "（决赛）\n广东省 工业和信息化部中小企业发展促进中心 大赛官网 www.cnmaker.org.cn\n"
    )
    (row,) = parse(text).rows
    assert (row.tier, row.name, row.location) == (
        "overseas_final",
        "第九届“创客中国”中小企业创新创业大赛境外区域赛（决赛）",
        "广东省",
    )


# -- refused input: message names the line; nothing is written ----------------------


def refuse(tmp_path, content: bytes | str, name: str = "plan.txt") -> list[str]:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(CommandError) as exc:
        call_command("import_plan", str(path), "--edition", "9", verbosity=0)
    assert Edition.objects.count() == 0
    assert Event.objects.count() == 0
    assert Organization.objects.count() == 0
    assert AuditRecord.objects.count() == 0
    return [str(exc.value)]


def test_import_plan_refuses_a_file_that_is_not_a_plan(db, tmp_path):
    assert refuse(tmp_path, "会议纪要\n一、参会人员\n张三\n") == [
        "未导入任何数据：不是赛事计划：未找到“一、总决赛（共 1场）”这样的分节标题。"
    ]


def test_import_plan_refuses_a_row_without_a_name(db, tmp_path):
    body = simple_text().replace("5 第九届“创客中国”辽宁省中小企业创新创业大赛 辽宁省", "5 辽宁省")
    assert refuse(tmp_path, body) == [
        "未导入任何数据：第 13 行：二、区域赛（共 34场）第 5 行缺少赛事名称（应以“第…届”开头）。"
    ]


def test_import_plan_refuses_a_count_that_disagrees_with_the_rows(db, tmp_path):
    by_tier = golden_by_tier()
    by_tier["regional"] = by_tier["regional"][:33]
    body = simple_text(by_tier).replace("二、区域赛（共 33场）", "二、区域赛（共 34场）")
    assert refuse(tmp_path, body) == [
        "未导入任何数据：第 7 行：“二、区域赛（共 34场）”写明共 34 场，实际有 33 行。"
    ]


def test_import_plan_refuses_a_row_number_out_of_sequence(db, tmp_path):
    body = simple_text().replace("8 第九届“创客中国”上海市", "9 第九届“创客中国”上海市")
    messages = refuse(tmp_path, body)
    assert messages == ["未导入任何数据：第 16 行：序号 9 不连续（二、区域赛（共 34场）中应为 8）。"]


def test_import_plan_refuses_a_plan_of_another_edition(db, tmp_path):
    body = simple_text().replace(
        "第九届“创客中国”中小企业创新创业大赛赛事计划", "第十届“创客中国”中小企业创新创业大赛赛事计划"
    )
    assert refuse(tmp_path, body) == ["未导入任何数据：第 1 行：计划标题是第 10 届，与 --edition 9 不符。"]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "plan.txt", "未导入任何数据：文件为空：不是赛事计划。"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "plan.txt",
         "未导入任何数据：plan.txt：是二进制文件，不是赛事计划（支持 PDF 提取的文本、.xlsx、.csv）。"),
        ("纯文本".encode("gbk"), "plan.txt", "未导入任何数据：plan.txt：不是 UTF-8 编码的文本，不是赛事计划。"),
        (b"not a workbook", "plan.xlsx", "未导入任何数据：plan.xlsx：扩展名是 .xlsx，但内容不是 Excel 文件。"),
        (b"PK\x03\x04broken", "plan.xlsx", "未导入任何数据：无法读取 Excel 文件：BadZipFile（文件损坏或不是 .xlsx）。"),
        ("姓名,电话\n张三,1\n".encode(), "plan.csv",
         "未导入任何数据：缺少必需的列：赛事类别、序号、赛事名称、地点、主办单位。请使用导入模板的表头。"),
    ],
)  # fmt: skip
def test_import_plan_refuses_unreadable_files(db, tmp_path, content, name, message):
    assert refuse(tmp_path, content, name) == [message]


def test_import_plan_refuses_a_missing_file(db):
    with pytest.raises(CommandError, match=re.escape("找不到文件：/nonexistent/plan.txt")):
        call_command("import_plan", "/nonexistent/plan.txt", "--edition", "9")


def test_import_plan_reports_every_error_on_stderr(db, tmp_path, capsys):
    body = (
        simple_text()
        .replace("5 第九届“创客中国”辽宁省中小企业创新创业大赛 辽宁省", "5 辽宁省")
        .replace("8 第九届“创客中国”上海市", "9 第九届“创客中国”上海市")
    )
    path = tmp_path / "plan.txt"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CommandError, match="未导入任何数据：赛事计划有 2 处错误"):
        call_command("import_plan", str(path), "--edition", "9")
    assert capsys.readouterr().err.splitlines() == [
        "第 16 行：序号 9 不连续（二、区域赛（共 34场）中应为 8）。",
        "第 13 行：二、区域赛（共 34场）第 5 行缺少赛事名称（应以“第…届”开头）。",
    ]
    assert Event.objects.count() == 0


def test_import_plan_failure_midway_leaves_an_existing_edition_untouched(edition9, tmp_path):
    before = snapshot()
    audit_before = AuditRecord.objects.count()
    body = simple_text().replace("深圳市中小企业服务局牵头", "深圳市中小企业服务局牵头X")
    path = tmp_path / "plan.txt"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CommandError, match="无法拆分赛事名称、地点与主办单位"):
        call_command("import_plan", str(path), "--edition", "9", verbosity=0)
    assert snapshot() == before
    assert AuditRecord.objects.count() == audit_before


# -- spreadsheets --------------------------------------------------------------------


def test_import_plan_xlsx_with_a_merged_registration_cell_matches_the_golden_file(db, tmp_path):
    rows = spreadsheet_rows()
    first_thematic = next(i for i, r in enumerate(rows, start=1) if r[0] == "专题赛")
    for row in rows[first_thematic : first_thematic + 13]:
        row[6] = None
    path = tmp_path / "plan.xlsx"
    path.write_bytes(xlsx_bytes(rows, merge=[f"G{first_thematic}:G{first_thematic + 13}"]))
    call_command("import_plan", str(path), "--edition", "9", verbosity=0)
    assert snapshot() == GOLDEN


def test_import_plan_csv_matches_the_golden_file(db, tmp_path):
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows(spreadsheet_rows())
    path = tmp_path / "plan.csv"
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    call_command("import_plan", str(path), "--edition", "9", verbosity=0)
    assert snapshot() == GOLDEN


def test_import_plan_spreadsheet_errors_name_row_and_column(db, tmp_path):
    rows = spreadsheet_rows()
    rows[3][2] = ""  # row 4: no name
    rows[5][3] = "火星"  # row 6: unknown location
    rows[7][1] = 9  # row 8: out of sequence
    path = tmp_path / "plan.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    with pytest.raises(CommandError):
        call_command("import_plan", str(path), "--edition", "9", verbosity=0)
    with pytest.raises(PlanError) as exc:
        read_plan(path.read_bytes(), filename="plan.xlsx")
    assert exc.value.errors == [
        "第 4 行“赛事名称”：赛事名称不能为空。",
        "第 6 行“地点”：无法识别的地点“火星”（应为省级区划，可接城市或新区）。",
        "第 8 行“序号”：序号 9 不连续（区域赛中应为 6）。",
    ]
    assert Event.objects.count() == 0


def test_import_plan_spreadsheet_refuses_a_column_given_twice(db):
    rows = spreadsheet_rows()
    rows[0] = [*rows[0], "决赛地点"]

    with pytest.raises(PlanError) as exc:
        read_plan(xlsx_bytes(rows), filename="plan.xlsx")

    assert exc.value.errors == ["第 1 行表头“决赛地点”出现了两次。"]


def test_import_plan_spreadsheet_headers_may_be_english(db):
    rows = spreadsheet_rows()
    rows[0] = ["tier", "seq", "name", "location", "hosts", "undertakers", "registration_urls"]
    plan = read_plan(xlsx_bytes(rows), filename="plan.xlsx")
    assert plan_rows_as_golden(plan) == golden_without_mode()


def test_spreadsheet_header_constant_is_documented():
    doc = (Path(__file__).parents[2] / "docs" / "plan-format.md").read_text(encoding="utf-8")
    for column in SPREADSHEET_HEADER:
        assert column in doc


def test_text_reader_matches_the_golden_file(plan_text):
    assert plan_rows_as_golden(read_text(plan_text, expected_edition=9)) == golden_without_mode()


def test_golden_file_is_valid_json_with_fifty_events():
    data = json.loads((Path(__file__).parent / "data" / "edition9_golden.json").read_text(encoding="utf-8"))
    assert len(data) == 50
