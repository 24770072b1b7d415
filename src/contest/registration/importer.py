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
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from contest.core.importing import Table, read_rows
from contest.core.spreadsheets import SpreadsheetError
from contest.registration.services import ENTRY_IMPORT_COLUMNS, IMPORT_ROW_LIMIT

MAX_FILE_BYTES = 5 * 1024 * 1024
EMPTY_FILE = "文件是空的：第一行应为表头（企业名称、统一社会信用代码……）。"
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


class ImportFileError(SpreadsheetError):
    """The file itself cannot be read (not the rows in it)."""


def read_entry_table(data: bytes, *, filename: str) -> Table:
    """Rows as dicts keyed by field name, each with ``row`` (its row number in the file), read by
    the importer contract (``contest.core.importing``)."""
    return read_rows(
        data, filename=filename, columns=ENTRY_IMPORT_COLUMNS, max_bytes=MAX_FILE_BYTES,
        row_limit=IMPORT_ROW_LIMIT, cell=cell_value, empty_message=EMPTY_FILE, error=ImportFileError,
    )  # fmt: skip


def cell_value(value: Any) -> Any:
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
