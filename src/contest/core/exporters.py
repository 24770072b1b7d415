"""Export contract: one registry of tabular exporters, written as CSV, XLSX or JSON.

**Workbooks** are written the way a person would lay them out: a sheet named in words
(``报名表``, not ``registration.entries``), a bold header row that stays in view when scrolling
(frozen panes), columns as wide as their content (CJK characters count double, measured on the
header and the first ``WIDTH_SAMPLE`` rows, capped at ``MAX_WIDTH``), times as real date cells in
Beijing time (Excel has no time zones; the header says 北京时间 where it matters) and numbers as
numbers. Every text cell is written as *text*: a value such as ``=HYPERLINK(...)`` typed into a
form is shown as those characters and never evaluated, so a workbook needs no apostrophe in front
of it (nor in front of ``+86 138…``).

**CSV** has no cell types, so a text cell that a spreadsheet program would take as a formula gets
a leading apostrophe, as OWASP recommends: one starting with ``= + - @`` (or a tab/CR), unless it
is a plain number or telephone number (``-3``, ``+86 138 0000 0000``), which no program can run.
CSV is UTF-8 with a BOM so Excel opens Chinese text correctly.

Control characters a workbook cannot hold (C0 other than tab, newline and carriage return;
openpyxl refuses them) are removed from every text cell of every format, so one stray ESC typed
into a form can never break an export.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: text that starts like a formula but is only a number or a telephone number
_INERT = re.compile(r"[+-]?[0-9][0-9 ()./-]*")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"
WIDTH_SAMPLE = 200
MIN_WIDTH = 6
MAX_WIDTH = 60
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def clean_text(value: str) -> str:
    """``value`` without the control characters no workbook can hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def safe_cell(value: Any) -> Any:
    """A CSV cell: text cleaned and, if a spreadsheet would run it as a formula, neutralised."""
    if isinstance(value, str):
        value = clean_text(value)
        if value.startswith(FORMULA_PREFIXES) and not _INERT.fullmatch(value):
            return "'" + value
    return value


def flatten(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "；".join(str(v) for v in value)
    return value


def beijing(value: datetime) -> datetime:
    """An aware time as the naive Beijing wall-clock time a spreadsheet shows (whole seconds)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None, microsecond=0)


def text_of(value: Any) -> Any:
    """A value as CSV writes it: times in Beijing time as text, lists joined."""
    value = flatten(value)
    if isinstance(value, datetime):
        return beijing(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Exporter:
    name: str
    columns: Sequence[str]
    rows: Callable[..., Iterable[dict[str, Any]]]
    #: the sheet's name in a workbook, in words a person would write (31 characters at most)
    title: str = ""


@dataclass
class Sheet:
    """One worksheet: ``preamble`` lines (a title, the time of export) above the header row."""

    title: str
    columns: Sequence[str]
    rows: Iterable[dict[str, Any]]
    preamble: Sequence[str] = field(default_factory=tuple)


REGISTRY: dict[str, Exporter] = {}


def register(exporter: Exporter) -> Exporter:
    REGISTRY[exporter.name] = exporter
    return exporter


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def write_json(rows: Iterable[dict[str, Any]]) -> bytes:
    return (json.dumps(list(rows), ensure_ascii=False, indent=2, default=_json_default) + "\n").encode(
        "utf-8"
    )


def write_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow([safe_cell(text_of(row.get(c))) for c in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def display_width(value: Any) -> int:
    """How many character cells ``value`` takes in a spreadsheet (CJK and full-width count 2)."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    text = str(value)
    longest = 0
    for line in text.split("\n"):
        width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line[:MAX_WIDTH])
        longest = max(longest, width)
    return longest


def sheet_title(title: str, used: set[str]) -> str:
    """A worksheet name Excel accepts (no ``[]:*?/\\``, 31 characters), unique in its workbook."""
    base = _BAD_TITLE.sub("-", title).strip("'")[:28] or "Sheet"
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base[:25]}({n})"
    used.add(candidate)
    return candidate


def _cell(sheet, value: Any) -> Any:
    value = flatten(value)
    if isinstance(value, str):
        value = clean_text(value)
        if value.startswith("="):  # openpyxl would store it as a formula: keep it text
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell
        return value
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=beijing(value))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


def _write_sheet(book: Workbook, spec: Sheet, used: set[str]) -> None:
    sheet = book.create_sheet(title=sheet_title(spec.title, used))
    columns = list(spec.columns)
    rows = iter(spec.rows)
    sample = list(itertools.islice(rows, WIDTH_SAMPLE))
    for i, column in enumerate(columns, start=1):
        width = max([display_width(column), *(display_width(flatten(r.get(column))) for r in sample)])
        sheet.column_dimensions[get_column_letter(i)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    header_row = len(spec.preamble) + 1
    sheet.freeze_panes = f"A{header_row + 1}"
    bold = Font(bold=True)
    for line in spec.preamble:
        sheet.append([_cell(sheet, line)] if line else [])
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=clean_text(str(column)))
        cell.data_type = "s"
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in itertools.chain(sample, rows):
        sheet.append([_cell(sheet, row.get(c)) for c in columns])


def write_workbook(sheets: Iterable[Sheet]) -> bytes:
    book = Workbook(write_only=True)
    used: set[str] = set()
    for spec in sheets:
        _write_sheet(book, spec, used)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_xlsx(columns: Sequence[str], rows: Iterable[dict[str, Any]], *, title: str) -> bytes:
    return write_workbook([Sheet(title=title, columns=columns, rows=rows)])


def render(exporter: Exporter, fmt: str, **params: Any) -> bytes:
    rows = exporter.rows(**params)
    if fmt == "json":
        return write_json(rows)
    if fmt == "csv":
        return write_csv(exporter.columns, rows)
    if fmt == "xlsx":
        return write_xlsx(exporter.columns, rows, title=exporter.title or exporter.name)
    raise ValueError(f"unknown format {fmt!r}; choose json, csv or xlsx")
