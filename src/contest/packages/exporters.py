"""Workbooks of the packages app: the import template (three sheets, their headers, one example row
each) and an import's report (every problem by sheet, row, column and file)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from contest.core.exporters import Exporter, Sheet, register
from contest.packages.columns import EXAMPLES, SHEETS
from contest.packages.models import PackageImport

REPORT_COLUMNS = ("工作表", "行", "列", "文件", "问题")


def template_sheets() -> list[Sheet]:
    return [Sheet(title=spec.title, columns=[c.header for c in spec.columns], rows=[EXAMPLES[spec.title]])
            for spec in SHEETS]  # fmt: skip


def report_rows(*, package_import: PackageImport) -> Iterator[dict[str, Any]]:
    for problem in (package_import.report or {}).get("problems") or []:
        yield {"工作表": problem.get("sheet") or "", "行": problem.get("row"), "列": problem.get("column") or "",
               "文件": problem.get("file") or "", "问题": problem.get("message") or ""}  # fmt: skip


REPORT = register(
    Exporter(name="packages.report", columns=REPORT_COLUMNS, rows=report_rows, title="导入报告")
)
