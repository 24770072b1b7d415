"""Reading an uploaded spreadsheet (.xlsx or .csv) into rows of cells: the importer contract's
first step. What the rows mean is each importer's business."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import ParseError, XMLPullParser

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


#: rows (``<row>`` elements, blank ones included) one worksheet may hold; every importer's own
#: limit is far lower (entries 5,000). openpyxl reads a whole sheet to size it when the sheet has no
#: ``<dimension>``: without this bound a 79 KB file unpacking to 1,000,000 rows cost 30–70 s.
MAX_SHEET_ROWS = 50_000
#: the unpacked size of all worksheets together (a 5,000-row import with long texts is ~15 MB)
MAX_SHEET_BYTES = 64 * 1024 * 1024


def _refuse_oversized_sheets(data: bytes, error: type[SpreadsheetError]) -> None:
    """Count the rows of every worksheet part, streaming, and stop at the first one too many."""
    too_large = error(
        [f"Excel 文件过大：工作表超过 {MAX_SHEET_ROWS} 行或解压后超过 64 MB，请删去多余的行后重新上传。"]
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheets = [i for i in archive.infolist() if i.filename.startswith("xl/worksheets/") and
                      i.filename.endswith(".xml")]  # fmt: skip
            if sum(i.file_size for i in sheets) > MAX_SHEET_BYTES:
                raise too_large
            for info in sheets:
                parser = XMLPullParser(events=("end",))
                rows = 0
                with archive.open(info) as part:  # reads at most the declared size
                    while chunk := part.read(64 * 1024):
                        parser.feed(chunk)
                        for _event, element in parser.read_events():
                            if element.tag.endswith("}row") or element.tag == "row":
                                rows += 1
                                element.clear()  # cells read, memory given back
                        if rows > MAX_SHEET_ROWS:
                            raise too_large
    except (zipfile.BadZipFile, ParseError, OSError, EOFError, RuntimeError, ValueError):
        return  # not a readable package: openpyxl names the problem below


def _xlsx_rows(data: bytes, error: type[SpreadsheetError]) -> Iterator[list[Any]]:
    _refuse_oversized_sheets(data, error)
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
