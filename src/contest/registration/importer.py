"""Reading a table of offline registrations (企业组) from Excel (.xlsx) or CSV.

The first sheet; one header row, then one row per enterprise and project. Headers may come in
any order; unknown columns are ignored (and reported). Row numbers in messages are the
spreadsheet's own (the header is row 1, the first entry row 2).

======================  ========  ===============================================================
header                  required  content
======================  ========  ===============================================================
企业名称                yes       as registered
统一社会信用代码        yes       18 characters (GB 32100); characters 3–8 give the division
成立日期                yes       a date cell, or 2020-05-01, 2020/5/1, 2020.5.1, 2020年5月1日
注册资本（万元）        yes       number ≥ 0 (also accepted: header 注册资本)
从业人数                yes       whole number ≥ 0
上年营业收入（万元）    yes       number ≥ 0 (also accepted: header 上年营业收入)
是否上市                no        是 / 否 (empty or absent = 否)
所属行业                yes       GB/T 4754 section: letter A–T, or its name (制造业, C 制造业)
专精特新情况            no        无 / 创新型中小企业 / 专精特新中小企业 / 专精特新“小巨人”企业
联系人                  yes       name
联系人手机              yes       mainland mobile number
项目名称                yes       ≤ 200 characters; with the credit code, the key of a re-import
项目简介                yes       ≤ 2000 characters
行业领域                no        the project's section (letter or name); empty = 所属行业
技术与创新              no        ≤ 5000 characters
市场前景                no        ≤ 5000 characters
商业模式                no        ≤ 5000 characters
团队情况                no        ≤ 5000 characters
融资需求（万元）        no        number ≥ 0
知识产权                no        items separated by ；
路演视频链接            no        http:// or https:// address
======================  ========  ===============================================================

“yes” means the column must be present and every row must fill it. Checking the values
(credit codes, phones, dates, eligibility rules, one project per enterprise per edition, the
registration window) is the service's job, ``services.import_entries``; this module only
turns a file into rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from contest.core.spreadsheets import SpreadsheetError, read_table
from contest.registration.services import ENTRY_IMPORT_COLUMNS, IMPORT_ROW_LIMIT

MAX_FILE_BYTES = 5 * 1024 * 1024
HEADER_TO_FIELD = {
    re.sub(r"\s+", "", name): column.field
    for column in ENTRY_IMPORT_COLUMNS
    for name in (column.header, column.field, *column.aliases)
}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


class ImportFileError(SpreadsheetError):
    """The file itself cannot be read (not the rows in it)."""


@dataclass
class EntryTable:
    rows: list[dict[str, Any]]
    ignored_columns: list[str] = field(default_factory=list)


def read_entry_table(data: bytes, *, filename: str) -> EntryTable:
    """Rows as dicts keyed by field name, each with ``row`` (its row number in the file)."""
    return _rows_from_table(
        read_table(data, filename=filename, max_bytes=MAX_FILE_BYTES, error=ImportFileError)
    )


def _rows_from_table(table: list[list[Any]]) -> EntryTable:
    header_index = next((i for i, row in enumerate(table) if any(_text(c) for c in row)), None)
    if header_index is None:
        raise ImportFileError(["文件是空的：第一行应为表头（企业名称、统一社会信用代码……）。"])
    header = [re.sub(r"\s+", "", _text(c)) for c in table[header_index]]
    fields: dict[int, str] = {}
    ignored: list[str] = []
    errors: list[str] = []
    for col, title in enumerate(header):
        if not title:
            continue
        key = HEADER_TO_FIELD.get(title)
        if key is None:
            ignored.append(title)
        elif key in fields.values():
            errors.append(f"第 {header_index + 1} 行表头“{title}”出现了两次。")
        else:
            fields[col] = key
    missing = [c.header for c in ENTRY_IMPORT_COLUMNS if c.required and c.field not in fields.values()]
    if missing:
        errors.append("缺少必需的列：" + "、".join(missing) + "。请使用导入模板的表头。")
    if errors:
        raise ImportFileError(errors)
    rows = []
    for offset, cells in enumerate(table[header_index + 1 :], start=header_index + 2):
        values = {key: _value(cells[col]) if col < len(cells) else "" for col, key in fields.items()}
        if not any(values.values()):
            continue  # blank rows between blocks are common in hand-made sheets
        rows.append({"row": offset, **values})
    if not rows:
        raise ImportFileError(["表头下面没有数据行。"])
    if len(rows) > IMPORT_ROW_LIMIT:
        raise ImportFileError([f"一次最多导入 {IMPORT_ROW_LIMIT} 行，当前 {len(rows)} 行；请分批导入。"])
    return EntryTable(rows=rows, ignored_columns=ignored)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _value(value: Any) -> Any:
    """A cell as the services expect it: dates as ``date``, numbers as exact text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Excel stores numbers as doubles: 3200.5 stays 3200.5, 45.0 becomes 45, and a credit
        # code typed as a number never reaches here in valid form (18 digits exceed a double).
        return format(Decimal(repr(value)).normalize(), "f")
    text = str(value).strip()
    match = _DATE.match(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return text
    return text
