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

from contest.core.importing import Table, TableError, read_rows
from contest.review.services import EXPERT_IMPORT_COLUMNS, EXPERT_IMPORT_ROW_LIMIT

MAX_FILE_BYTES = 2 * 1024 * 1024
TEMPLATE_EXAMPLE = {
    "姓名": "王建国", "工作单位": "浙江大学", "单位统一社会信用代码": "", "职称": "教授",
    "擅长行业": "C、I", "熟悉地区": "浙江、上海", "专家类别": "技术", "手机": "13905740001",
    "邮箱": "wangjg@example.cn",
}  # fmt: skip
EMPTY_MESSAGE = "文件是空的：第一行应为表头（姓名、工作单位、擅长行业……）。"

#: a table of experts as read (rows keyed by field, each with its ``row`` number)
ExpertTable = Table


class ExpertFileError(TableError):
    """The file itself cannot be read (not the rows in it)."""


def read_expert_table(data: bytes, *, filename: str) -> ExpertTable:
    """Rows as dicts keyed by field name, each with ``row`` (its row number in the file)."""
    return read_rows(data, filename=filename, columns=EXPERT_IMPORT_COLUMNS, max_bytes=MAX_FILE_BYTES,
                     row_limit=EXPERT_IMPORT_ROW_LIMIT, empty_message=EMPTY_MESSAGE, error=ExpertFileError)  # fmt: skip
