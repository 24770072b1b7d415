"""Reading a list of experts (专家名单) from Excel (.xlsx) or CSV.

The first sheet; one header row, then one row per expert. Headers may come in any order; unknown
columns are ignored (and reported). Row numbers in messages are the spreadsheet's own (the header
is row 1, the first expert row 2).

=====================  ========  ===============================================================
header                 required  content
=====================  ========  ===============================================================
姓名                   yes       ≤ 50 characters
工作单位               yes       ≤ 200 characters
单位统一社会信用代码   no        18 characters (GB 32100)
职称                   no        ≤ 100 characters (also accepted: 职称/职务, 职务)
擅长行业               yes       GB/T 4754 sections, letters or names, separated by 、
                                 (e.g. ``C、I`` or ``制造业、软件和信息技术服务业``)
熟悉地区               no        province-level divisions separated by 、 (浙江、广东省、330000)
专家类别               yes       技术 / 产业 / 投资 (or 技术专家 …)
手机                   yes       mainland mobile; the natural key of a re-import
邮箱                   no        e-mail address (needed later to invite the expert to an account)
=====================  ========  ===============================================================

Checking the values and writing them is the service's job (``services.import_experts``); this
module only turns a file into rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from contest.core.spreadsheets import SpreadsheetError, read_table
from contest.review.services import EXPERT_IMPORT_COLUMNS, EXPERT_IMPORT_ROW_LIMIT

MAX_FILE_BYTES = 2 * 1024 * 1024
HEADER_TO_FIELD = {
    re.sub(r"\s+", "", name): column.field
    for column in EXPERT_IMPORT_COLUMNS
    for name in (column.header, column.field, *column.aliases)
}
TEMPLATE_EXAMPLE = {
    "姓名": "王建国", "工作单位": "浙江大学", "单位统一社会信用代码": "", "职称": "教授",
    "擅长行业": "C、I", "熟悉地区": "浙江、上海", "专家类别": "技术", "手机": "13905740001",
    "邮箱": "wangjg@example.cn",
}  # fmt: skip


class ExpertFileError(SpreadsheetError):
    """The file itself cannot be read (not the rows in it)."""


@dataclass
class ExpertTable:
    rows: list[dict[str, Any]]
    ignored_columns: list[str] = field(default_factory=list)


def read_expert_table(data: bytes, *, filename: str) -> ExpertTable:
    """Rows as dicts keyed by field name, each with ``row`` (its row number in the file)."""
    return _rows_from_table(
        read_table(data, filename=filename, max_bytes=MAX_FILE_BYTES, error=ExpertFileError)
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):  # a mobile typed as a number: 13905740001.0 → 13905740001
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value).strip()


def _rows_from_table(table: list[list[Any]]) -> ExpertTable:
    header_index = next((i for i, row in enumerate(table) if any(_text(c) for c in row)), None)
    if header_index is None:
        raise ExpertFileError(["文件是空的：第一行应为表头（姓名、工作单位、擅长行业……）。"])
    fields: dict[int, str] = {}
    ignored: list[str] = []
    errors: list[str] = []
    for col, cell in enumerate(table[header_index]):
        title = re.sub(r"\s+", "", _text(cell))
        if not title:
            continue
        key = HEADER_TO_FIELD.get(title)
        if key is None:
            ignored.append(title)
        elif key in fields.values():
            errors.append(f"第 {header_index + 1} 行表头“{title}”出现了两次。")
        else:
            fields[col] = key
    missing = [c.header for c in EXPERT_IMPORT_COLUMNS if c.required and c.field not in fields.values()]
    if missing:
        errors.append("缺少必需的列：" + "、".join(missing) + "。请使用导入模板的表头。")
    if errors:
        raise ExpertFileError(errors)
    rows = []
    for number, cells in enumerate(table[header_index + 1 :], start=header_index + 2):
        values = {key: _text(cells[col]) if col < len(cells) else "" for col, key in fields.items()}
        if any(values.values()):
            rows.append({"row": number, **values})
    if not rows:
        raise ExpertFileError(["表头下面没有数据行。"])
    if len(rows) > EXPERT_IMPORT_ROW_LIMIT:
        raise ExpertFileError(
            [f"一次最多导入 {EXPERT_IMPORT_ROW_LIMIT} 行，当前 {len(rows)} 行；请分批导入。"]
        )
    return ExpertTable(rows=rows, ignored_columns=ignored)
