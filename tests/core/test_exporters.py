"""The export writers: workbooks laid out as a person would (sheet names in words, a frozen bold
header, column widths, times as date cells, text that is never a formula); CSV neutralised against
formula injection; characters a workbook cannot hold removed."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from contest.core.exporters import (
    Exporter,
    Sheet,
    display_width,
    render,
    safe_cell,
    write_csv,
    write_json,
    write_workbook,
    write_xlsx,
)

pytestmark = pytest.mark.unit

#: 2026-05-31 15:50:07 UTC as the naive Beijing wall-clock time a workbook holds
WALL_CLOCK = datetime(2026, 5, 31, 23, 50, 7)  # noqa: DTZ001

HOSTILE = ['=HYPERLINK("http://x","点我")', "@SUM(A1)", "+1+cmd|' /C calc'!A0", "-2+3"]


def test_csv_neutralises_formulas_but_not_numbers_or_telephone_numbers():
    assert [safe_cell(v) for v in (*HOSTILE, "-3", "+86 138 0000 0000", "+1 (415) 555-0100", "宁波", 12, None)] == [
        '\'=HYPERLINK("http://x","点我")', "'@SUM(A1)", "'+1+cmd|' /C calc'!A0", "'-2+3",
        "-3", "+86 138 0000 0000", "+1 (415) 555-0100", "宁波", 12, None,
    ]  # fmt: skip


def test_workbook_text_is_never_a_formula_and_needs_no_apostrophe():
    data = write_xlsx(["文本"], [{"文本": v} for v in (*HOSTILE, "+8613812345678")], title="报名表")

    sheet = load_workbook(io.BytesIO(data)).active
    assert [(c.value, c.data_type) for c in sheet["A"][1:]] == [
        (v, "s") for v in (*HOSTILE, "+8613812345678")
    ]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_workbook_layout_sheet_name_frozen_bold_header_widths_and_real_dates():
    submitted = datetime(2026, 5, 31, 15, 50, 7, 123456, tzinfo=UTC)  # 23:50:07 in Beijing
    rows = [{"报名编号": "CK9-001", "提交时间": submitted, "成立日期": date(2020, 1, 2), "得分": Decimal("88.50"),
             "项目简介": "很长的项目简介" * 30, "团队成员": ["张三", "李四"], "空": None}]  # fmt: skip
    columns = list(rows[0])

    data = write_workbook([Sheet(title="报名表", columns=columns, rows=rows)])

    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["报名表"]
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert [c.font.b for c in sheet[1]] == [True] * len(columns)
    assert [c.value for c in sheet[2]] == [
        "CK9-001", WALL_CLOCK, datetime(2020, 1, 2), 88.5, "很长的项目简介" * 30, "张三；李四", None,  # noqa: DTZ001
    ]  # fmt: skip
    assert (sheet["B2"].number_format, sheet["C2"].number_format) == ("yyyy-mm-dd hh:mm:ss", "yyyy-mm-dd")
    # Excel stores a column's width with the cell padding added (10 characters -> 10.7109375)
    widths = [int(sheet.column_dimensions[letter].width) for letter in "ABCDEFG"]
    assert widths == [10, 21, 12, 7, 60, 12, 6]


def test_preamble_lines_sit_above_the_frozen_header():
    data = write_workbook([Sheet(title="图表", columns=["省份", "报名数"], rows=[{"省份": "浙江", "报名数": 3}],
                                 preamble=["报名数 · 第九届", "导出时间", ""])])  # fmt: skip

    sheet = load_workbook(io.BytesIO(data)).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["报名数 · 第九届", None], ["导出时间", None], [None, None], ["省份", "报名数"], ["浙江", 3],
    ]  # fmt: skip
    assert sheet.freeze_panes == "A5"


def test_sheet_names_are_made_valid_and_unique():
    sheets = [Sheet(title=t, columns=["a"], rows=[]) for t in ("评委[A]:1/2", "评委[A]:1/2", "'x'", "")]

    book = load_workbook(io.BytesIO(write_workbook(sheets)))

    assert book.sheetnames == ["评委-A--1-2", "评委-A--1-2(2)", "x", "Sheet"]


def test_render_uses_the_exporters_title_for_the_sheet():
    exporter = Exporter(name="registration.entries", columns=["a"], rows=lambda: [{"a": 1}], title="报名表")

    assert load_workbook(io.BytesIO(render(exporter, "xlsx"))).sheetnames == ["报名表"]


def test_display_width_counts_wide_characters_twice_and_takes_the_longest_line():
    assert [display_width(v) for v in ("abc", "宁波", "ａｂ", "短\n长长长", None, 12.5)] == [3, 4, 4, 6, 0, 4]


def test_control_characters_never_break_a_workbook():
    reason = "x\x1b[31m 红色\x00\x07 文字\t制表\n换行"

    data = write_xlsx(["理由"], [{"理由": reason}], title="异议")

    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet["A"]] == ["理由", "x[31m 红色 文字\t制表\n换行"]


def test_csv_writes_times_in_beijing_and_removes_control_characters():
    rows = [
        {
            "理由": "a\x1bb\x00c",
            "时间": datetime(2026, 5, 31, 15, 50, 7, 9, tzinfo=UTC),
            "日期": date(2020, 1, 2),
        }
    ]

    data = write_csv(["理由", "时间", "日期"], rows)

    assert data.decode("utf-8") == "\ufeff理由,时间,日期\nabc,2026-05-31 23:50:07,2020-01-02\n"


def test_json_keeps_times_and_decimals_exact():
    data = write_json([{"时间": datetime(2026, 5, 31, 15, 50, tzinfo=UTC), "得分": Decimal("88.50")}])

    assert data.decode() == '[\n  {\n    "时间": "2026-05-31T15:50:00+00:00",\n    "得分": "88.50"\n  }\n]\n'
