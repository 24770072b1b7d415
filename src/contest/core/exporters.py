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
XML 1.0 has no way to write them) are removed from every text cell of every format, so one stray
ESC typed into a form can never break an export.

**Streaming.** A workbook is written by XlsxWriter in constant-memory mode (one row in memory at
a time; every text cell with ``write_string``, and the workbook told never to turn strings into
formulas, numbers or links) to an anonymous temporary file, which the response then sends in
``FILE_BLOCK_SIZE`` chunks (``xlsx_response``); a CSV is written while it is sent, ``CSV_CHUNK_ROWS``
rows a chunk (``csv_response``). XlsxWriter was chosen by measurement over openpyxl's write-only
mode (docs/benchmarks.md, bench/exports.py).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from contest.core import inputs

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: text that starts like a formula but is only a number or a telephone number
_INERT = re.compile(r"[+-]?[0-9][0-9 ()./-]*")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"
WIDTH_SAMPLE = 200
MIN_WIDTH = 6
MAX_WIDTH = 60
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
#: every text cell is text: nothing typed into a form becomes a formula, a number or a link
WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "default_date_format": DATETIME_FORMAT,
}
#: rows of CSV joined into one chunk of a streamed response
CSV_CHUNK_ROWS = 500
#: bytes per chunk when a workbook file is streamed
FILE_BLOCK_SIZE = 256 * 1024


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
        value = inputs.local(value)
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


def iter_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """CSV (UTF-8 with BOM) in chunks of ``CSV_CHUNK_ROWS`` rows: a response streams it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    buffer.write("\ufeff")
    writer.writerow([safe_cell(c) for c in columns])
    for n, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(text_of(row.get(c))) for c in columns])
        if n % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    return b"".join(iter_csv(columns, rows))


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
        line = line[:MAX_WIDTH]
        if line.isascii():  # most cells (codes, numbers, times): no character to look up
            width = len(line)
        else:
            width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        longest = max(longest, width)
    return longest


def sheet_title(title: str, used: set[str]) -> str:
    """A worksheet name Excel accepts (no ``[]:*?/\\``, 31 characters), unique in its workbook."""
    base = _BAD_TITLE.sub("-", title).strip("'")[:28] or "Sheet"
    taken = {u.casefold() for u in used}  # Excel compares sheet names without case
    candidate, n = base, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{base[:25]}({n})"
    used.add(candidate)
    return candidate


class _Formats:
    """The few cell formats a workbook needs, made once per workbook."""

    def __init__(self, book: xlsxwriter.Workbook):
        self.bold = book.add_format({"bold": True})
        self.datetime = book.add_format({"num_format": DATETIME_FORMAT})
        self.date = book.add_format({"num_format": DATE_FORMAT})


#: Excel's day 0 (1900 date system; serials past 59 skip the 29 February 1900 Excel counts)
_EXCEL_EPOCH = datetime(1899, 12, 31)  # noqa: DTZ001 -- a wall-clock epoch, as a spreadsheet counts
_EXCEL_DAY_1 = date(1900, 1, 1)


def excel_serial(value: datetime) -> float:
    """A naive wall-clock time as the Excel serial number XlsxWriter's ``write_datetime`` writes
    (days since 1899-12-31; 1900-01-01 is a time of day only; past day 59 one more, for the
    29 February 1900 Excel counts): what a date cell holds, shown as a date by its format."""
    delta = value - _EXCEL_EPOCH
    days = delta.days + delta.seconds / 86400
    if value.date() == _EXCEL_DAY_1:
        days -= 1
    return days + 1 if days > 59 else days


def _local(value: datetime, zone) -> datetime:
    """An aware time as naive Beijing wall-clock time, whole seconds; one local time cannot hold
    (year 9999 stored before inputs were bounded) clamped as ``inputs.local`` clamps it."""
    try:
        value = value.astimezone(zone)
    except (OverflowError, ValueError):
        value = inputs.local(value)
    return value.replace(tzinfo=None, microsecond=0)


def _writer_for(sheet, formats: _Formats) -> Callable[[int, int, Any], None]:
    """``write(row, col, value)``: one cell by its type, text always as text (never a formula,
    number or link), times as Beijing-time date cells (serial numbers with a date format), lists
    joined. ``_write_rows`` writes the common types itself and calls this for the rest."""
    write_string, write_number, write_boolean = sheet.write_string, sheet.write_number, sheet.write_boolean
    fmt_datetime, fmt_date = formats.datetime, formats.date
    illegal = ILLEGAL_CHARACTERS_RE.search
    strip = ILLEGAL_CHARACTERS_RE.sub
    zone = timezone.get_current_timezone()  # once per sheet, not once per cell

    def write(r: int, c: int, value: Any) -> None:
        if value is None:
            return
        kind = type(value)
        if kind is str:
            if value:
                write_string(r, c, strip("", value) if illegal(value) else value)
        elif kind is int or kind is float or kind is Decimal:
            write_number(r, c, value)
        elif kind is datetime:
            value = _local(value, zone) if value.tzinfo is not None else value.replace(microsecond=0)
            write_number(r, c, excel_serial(value), fmt_datetime)
        elif kind is date:
            write_number(r, c, excel_serial(datetime.combine(value, time())), fmt_date)
        elif kind is bool:
            write_boolean(r, c, value)
        elif kind is list or kind is tuple:
            write(r, c, "；".join(str(v) for v in value))
        elif isinstance(value, datetime):
            write(r, c, datetime(*value.timetuple()[:6], tzinfo=value.tzinfo))
        elif isinstance(value, date):
            write(r, c, date(value.year, value.month, value.day))
        elif isinstance(value, int | float | Decimal):
            write_number(r, c, value)
        else:
            write(r, c, str(value))

    return write


def _write_rows(
    sheet, formats: _Formats, columns: Sequence[str], rows: Iterable[dict[str, Any]], first: int
) -> None:
    """Every row from sheet row ``first`` on: a row's cells read in one pass (``map(row.get, …)``),
    text and numbers written here, any other type through ``_writer_for``'s ``write``."""
    write = _writer_for(sheet, formats)
    write_string, write_number = sheet.write_string, sheet.write_number
    illegal = ILLEGAL_CHARACTERS_RE.search
    strip = ILLEGAL_CHARACTERS_RE.sub
    for r, row in enumerate(rows, start=first):
        c = -1
        for value in map(row.get, columns):
            c += 1
            kind = type(value)
            if kind is str:
                if value:
                    write_string(r, c, strip("", value) if illegal(value) else value)
            elif value is None:
                continue
            elif kind is int or kind is Decimal or kind is float:
                write_number(r, c, value)
            else:
                write(r, c, value)


def _write_sheet(book: xlsxwriter.Workbook, formats: _Formats, spec: Sheet, used: set[str]) -> None:
    sheet = book.add_worksheet(sheet_title(spec.title, used))
    columns = list(spec.columns)
    rows = iter(spec.rows)
    sample = list(itertools.islice(rows, WIDTH_SAMPLE))
    for i, column in enumerate(columns):
        width = max([display_width(column), *(display_width(flatten(r.get(column))) for r in sample)])
        sheet.set_column(i, i, min(max(width + 2, MIN_WIDTH), MAX_WIDTH))
    header_row = len(spec.preamble)
    sheet.freeze_panes(header_row + 1, 0)
    write = _writer_for(sheet, formats)
    for r, line in enumerate(spec.preamble):
        write(r, 0, line)
    for c, column in enumerate(columns):
        sheet.write_string(header_row, c, clean_text(str(column)), formats.bold)
    _write_rows(sheet, formats, columns, itertools.chain(sample, rows), header_row + 1)


def write_workbook_to(sheets: Iterable[Sheet], target: Any) -> None:
    """Write the workbook of ``sheets`` to ``target`` (a path or a binary file), one row at a time:
    XlsxWriter in constant-memory mode keeps only the current row in memory."""
    book = xlsxwriter.Workbook(target, WORKBOOK_OPTIONS)
    formats = _Formats(book)
    used: set[str] = set()
    for spec in sheets:
        _write_sheet(book, formats, spec, used)
    if not used:
        book.add_worksheet()
    book.close()


class TemporaryWorkbook:
    """A written workbook in an anonymous temporary file, read from its start. The server closes it
    once the response is sent; one dropped unsent (a test that reads only the headers) is closed
    when it is collected, so its file never lingers."""

    def __init__(self, handle: IO[bytes]):
        self._handle = handle

    def read(self, size: int = -1) -> bytes:
        return self._handle.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> TemporaryWorkbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self._handle.close()


def workbook_file(sheets: Iterable[Sheet]) -> TemporaryWorkbook:
    """The workbook of ``sheets`` in an anonymous temporary file, positioned at its start."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 -- handed to the caller (a response closes it)
    try:
        write_workbook_to(sheets, handle)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return TemporaryWorkbook(handle)


def write_workbook(sheets: Iterable[Sheet]) -> bytes:
    with workbook_file(sheets) as handle:
        return handle.read()


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


# -- responses ---------------------------------------------------------------------------------------


def xlsx_response(sheets: Iterable[Sheet], filename: str) -> FileResponse:
    """A download of the workbook of ``sheets``: written to a temporary file, then streamed from it
    in ``FILE_BLOCK_SIZE`` chunks (the file goes away when the response is closed)."""
    response = FileResponse(workbook_file(sheets), as_attachment=True, filename=filename, content_type=XLSX)
    response.block_size = FILE_BLOCK_SIZE
    response["Cache-Control"] = "private, no-store"
    return response


def csv_response(
    columns: Sequence[str], rows: Iterable[dict[str, Any]], filename: str
) -> StreamingHttpResponse:
    """A download of ``rows`` as CSV (UTF-8 with BOM), written while it is sent."""
    response = StreamingHttpResponse(iter_csv(columns, rows), content_type=CSV)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


def table_response(
    columns: Sequence[str], rows: Iterable[dict[str, Any]], *, fmt: str, title: str, filename: str
) -> FileResponse | StreamingHttpResponse:
    """``rows`` as a streamed download in ``fmt`` (``xlsx`` or ``csv``); ``filename`` without its
    extension."""
    if fmt == "csv":
        return csv_response(columns, rows, f"{filename}.csv")
    if fmt == "xlsx":
        return xlsx_response([Sheet(title=title, columns=columns, rows=rows)], f"{filename}.xlsx")
    raise ValueError(f"unknown format {fmt!r}; choose csv or xlsx")


def download(
    exporter: Exporter, fmt: str, *, filename: str, **params: Any
) -> FileResponse | StreamingHttpResponse:
    """The rows of ``exporter`` for ``params`` as a streamed download (see ``table_response``)."""
    return table_response(exporter.columns, exporter.rows(**params), fmt=fmt,
                          title=exporter.title or exporter.name, filename=filename)  # fmt: skip


def requested_format(request) -> str:
    """``csv`` when the request asks ``?format=csv``, else ``xlsx``."""
    return "csv" if request.GET.get("format") == "csv" else "xlsx"
