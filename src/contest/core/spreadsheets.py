"""Reading an uploaded spreadsheet (.xlsx or .csv) into rows of cells: the importer contract's
first step. What the rows mean is each importer's business."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from openpyxl import load_workbook

from contest.core.errors import ValidationFailed


class SpreadsheetError(ValidationFailed):
    """The file itself cannot be read (not the rows in it)."""

    def __init__(self, errors: list[str]):
        super().__init__(errors[0], errors=errors, field="file")


def read_table(
    data: bytes, *, filename: str, max_bytes: int, error: type[SpreadsheetError] = SpreadsheetError
) -> list[list[Any]]:
    """Every row of the first sheet (xlsx) or of the file (csv, UTF-8 or GB18030)."""
    return list(iter_table(data, filename=filename, max_bytes=max_bytes, error=error))


def iter_table(
    data: bytes, *, filename: str, max_bytes: int, error: type[SpreadsheetError] = SpreadsheetError
) -> Iterator[list[Any]]:
    """The rows of the first sheet (xlsx) or of the file (csv), one at a time: a reader that stops
    early (a row limit) never pays for the rest. The size is checked before anything is parsed."""
    if len(data) > max_bytes:
        raise error([f"文件过大：{len(data) / 1024 / 1024:.1f} MB，上限 {max_bytes // (1024 * 1024)} MB。"])
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return _csv_rows(data, error)
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return _xlsx_rows(data, error)
    raise error(["请上传 Excel 文件（.xlsx）或 CSV 文件（.csv）。"])


def _xlsx_rows(data: bytes, error: type[SpreadsheetError]) -> Iterator[list[Any]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise error(
            ["无法读取 Excel 文件（文件损坏，或不是 .xlsx 格式；旧版 .xls 请另存为 .xlsx）。"]
        ) from exc
    return _closing_rows(workbook, sheet, error)


def _closing_rows(workbook, sheet, error: type[SpreadsheetError]) -> Iterator[list[Any]]:
    try:
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    except SpreadsheetError:
        raise
    except Exception as exc:  # a damaged sheet part shows only while reading it
        raise error(["无法读取 Excel 文件（文件损坏）。"]) from exc
    finally:
        workbook.close()


def _csv_rows(data: bytes, error: type[SpreadsheetError]) -> Iterator[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return iter(csv.reader(io.StringIO(text)))
    raise error(["无法读取 CSV：既不是 UTF-8 也不是 GB18030 编码。"])
