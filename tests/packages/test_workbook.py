"""Reading the package's sheets: the header row is found (a title row above it, merged header cells),
cells come as text as typed, and a sheet that cannot be read is refused naming it."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from contest.packages.archive import PackageRefused
from contest.packages.columns import SHEETS
from contest.packages.workbook import cell_value, read_workbook, rows_of

pytestmark = pytest.mark.unit
MEMBERS = SHEETS[2]
ENTERPRISE = SHEETS[0]


def test_a_two_row_header_with_merged_cells_takes_the_known_headers_of_both_rows():
    book = Workbook()
    sheet = book.active
    sheet.title = "团队成员"
    sheet.append(["团队成员名单（2024）"])
    sheet.merge_cells("A1:F1")
    sheet.append(["负责人手机", "项目名称", "成员信息", None, None, None])
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("B2:B3")
    sheet.merge_cells("C2:F2")
    sheet.append([None, None, "成员姓名", "成员角色", "成员手机", "所在单位"])
    sheet.append(["13800138000", "便携式微塑料检测仪", "赵雪", "算法", 13900139000, "中山大学"])
    buffer = io.BytesIO()
    book.save(buffer)

    lines = load_workbook(io.BytesIO(buffer.getvalue()), read_only=True).active.iter_rows(values_only=True)

    rows = rows_of(lines, spec=MEMBERS)

    assert rows.rows == [{"row": 4, "leader_phone": "13800138000", "title": "便携式微塑料检测仪", "name": "赵雪",
                          "role": "算法", "phone": "13900139000", "affiliation": "中山大学"}]  # fmt: skip
    assert rows.ignored == []


def test_cells_are_text_as_typed():
    naive = datetime(2020, 5, 1)  # noqa: DTZ001 -- a date cell, as openpyxl reads it
    cells = (None, True, 45, 3200.5, 45.0, date(2020, 5, 1), naive, " 张伟 ")

    assert [cell_value(v) for v in cells] == [
        "",
        "是",
        "45",
        "3200.5",
        "45",
        "2020-05-01",
        "2020-05-01",
        "张伟",
    ]


def test_a_sheet_without_a_header_and_a_missing_column_are_refused_naming_the_sheet():
    with pytest.raises(PackageRefused) as caught:
        rows_of([["随便"], ["什么"]], spec=ENTERPRISE)
    assert caught.value.errors == [
        "工作表“企业组”：前 10 行中找不到表头（应含“企业名称”“统一社会信用代码”等列名）。"
    ]

    with pytest.raises(PackageRefused) as caught:
        rows_of([["企业名称", "统一社会信用代码", "企业名称"]], spec=ENTERPRISE)
    assert caught.value.errors == [
        "工作表“企业组”第 1 行：表头“企业名称”出现了两次。",
        "工作表“企业组”缺少必需的列：成立日期、注册资本（万元）、从业人数、上年营业收入（万元）、所属行业、联系人、"
        "联系人手机、项目名称、项目简介。请使用导入模板的表头。",
    ]


def test_a_workbook_without_the_group_sheets_is_refused_naming_its_sheets():
    book = Workbook()
    book.active.title = "Sheet1"
    buffer = io.BytesIO()
    book.save(buffer)

    with pytest.raises(PackageRefused) as caught:
        read_workbook(io.BytesIO(buffer.getvalue()), label="表.xlsx")

    assert caught.value.errors == [
        "“表.xlsx”中没有名为“企业组”或“创客组”的工作表（现有：Sheet1）。请使用导入模板。"
    ]


def test_a_damaged_workbook_is_refused():
    with pytest.raises(PackageRefused) as caught:
        read_workbook(io.BytesIO(b"PK\x03\x04 broken"), label="表.xlsx")

    assert caught.value.errors == [
        "无法读取 Excel 文件“表.xlsx”（文件损坏，或不是 .xlsx 格式；旧版 .xls 请另存为 .xlsx）。"
    ]
