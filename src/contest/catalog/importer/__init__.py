"""The plan importer: read (text, xlsx or csv) → validate → write (services.import_plan)."""

from __future__ import annotations

from pathlib import Path

from .common import Plan, PlanError, PlanRow
from .table import read_csv, read_xlsx
from .text import read_text

XLSX_MAGIC = b"PK\x03\x04"


def read_plan(data: bytes, *, filename: str, expected_edition: int | None = None) -> Plan:
    """Parse a plan file by its content (xlsx by magic bytes, csv by extension, else text)."""
    suffix = Path(filename).suffix.lower()
    if data.startswith(XLSX_MAGIC):
        return read_xlsx(data)
    if suffix == ".xlsx":
        raise PlanError([f"{filename}：扩展名是 .xlsx，但内容不是 Excel 文件。"])
    if suffix == ".csv":
        return read_csv(data)
    if b"\x00" in data[:4096]:
        raise PlanError([f"{filename}：是二进制文件，不是赛事计划（支持 PDF 提取的文本、.xlsx、.csv）。"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanError([f"{filename}：不是 UTF-8 编码的文本，不是赛事计划。"]) from exc
    return read_text(text, expected_edition=expected_edition)


__all__ = ["Plan", "PlanError", "PlanRow", "read_plan"]
