"""The package's table: one workbook (.xlsx) with the sheets 企业组, 创客组 and 团队成员, or one CSV
file per sheet (UTF-8 or GB18030), read lazily and bounded.

The header row is found, not assumed: the first of the top :data:`HEADER_SCAN_ROWS` rows naming at
least two known columns (a title row above it, merged across the columns, is skipped). Where the
header is two rows high (merged cells: “负责人手机” spanning two rows beside a “成员信息” group
over four columns with their headers below it), the known headers of both rows are taken: a blank
or unknown cell of the header row takes the known header above or below it. Row numbers are the
spreadsheet's own.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from contest.core.importing import Column, cell_text, header_key, header_map
from contest.packages.archive import MAX_WORKBOOK_BYTES, PackageRefused
from contest.packages.columns import SHEET_ALIASES, SHEETS, SheetSpec

HEADER_SCAN_ROWS = 10
#: data rows one sheet may hold (the largest event had ~4,000 projects)
ROW_LIMIT = 10_000
MEMBER_ROW_LIMIT = 60_000
#: parts of the workbook's own ZIP, and their unpacked size together
MAX_WORKBOOK_PARTS = 2_000


@dataclass
class SheetRows:
    title: str
    found: bool = False
    rows: list[dict[str, Any]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def cell_value(value: Any) -> str:
    """A cell as the intake expects it, text as typed: dates as 2020-05-01, numbers exact."""
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if not (value.hour or value.minute or value.second)
            else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    return cell_text(value)


def _sheet_names(spec: SheetSpec) -> set[str]:
    return {header_key(spec.title).casefold(), *(header_key(a).casefold() for a in SHEET_ALIASES[spec.title])}


def rows_of(lines: Iterable[Sequence[Any]], *, spec: SheetSpec) -> SheetRows:
    """The data rows of one sheet (dicts keyed by field, with ``row``); errors name the sheet."""
    out = SheetRows(title=spec.title, found=True)
    known = header_map(spec.columns)
    limit = MEMBER_ROW_LIMIT if not spec.group else ROW_LIMIT
    fields: dict[int, str] | None = None
    header: tuple[int, list[Any]] | None = None  # the header row found, until the row below is seen
    previous: Sequence[Any] = ()
    scanned = 0
    for number, cells in enumerate(lines, start=1):
        if fields is None and header is None:
            if not any(cell_text(c) for c in cells):
                continue
            scanned += 1
            if sum(1 for c in cells if header_key(c) in known) >= 2:
                header = (number, _filled(cells, previous, known))
            elif scanned >= HEADER_SCAN_ROWS:
                break
            previous = cells
            continue
        if fields is None:
            line, titles = header
            below = [i for i, c in enumerate(cells) if header_key(c) in known and
                     header_key(titles[i] if i < len(titles) else None) not in known]  # fmt: skip
            if below:  # a two-row header: the lower row's known headers under merged group titles
                titles = list(titles) + [None] * max(0, len(cells) - len(titles))
                for i in below:
                    titles[i] = cells[i]
                fields = _header(titles, spec=spec, known=known, line=line, ignored=out.ignored)
                continue
            fields = _header(titles, spec=spec, known=known, line=line, ignored=out.ignored)
        values = {key: cell_value(cells[i]) if i < len(cells) else "" for i, key in fields.items()}
        if not any(values.values()):
            continue
        out.rows.append({"row": number, **values})
        if len(out.rows) > limit:
            raise PackageRefused([_("工作表“%(sheet)s”超过 %(limit)d 行；请分成几个包导入。")
                                  % {"sheet": spec.title, "limit": limit}])  # fmt: skip
    if fields is None and header is not None:
        fields = _header(header[1], spec=spec, known=known, line=header[0], ignored=out.ignored)
    if fields is None:
        raise PackageRefused([_("工作表“%(sheet)s”：前 %(scan)d 行中找不到表头（应含“%(a)s”“%(b)s”等列名）。")
                              % {"sheet": spec.title, "scan": HEADER_SCAN_ROWS, "a": spec.columns[0].header,
                                 "b": spec.columns[1].header}])  # fmt: skip
    return out


def _filled(cells: Sequence[Any], above: Sequence[Any], known: dict[str, str]) -> list[Any]:
    """A header row whose blank cells take the known header above them (merged vertically)."""
    return [c if header_key(c) or i >= len(above) or header_key(above[i]) not in known else above[i]
            for i, c in enumerate(cells)]  # fmt: skip


def _header(cells: Sequence[Any], *, spec: SheetSpec, known: dict[str, str], line: int,
            ignored: list[str]) -> dict[int, str]:  # fmt: skip
    fields: dict[int, str] = {}
    errors: list[str] = []
    for index, cell in enumerate(cells):
        title = header_key(cell)
        if not title:
            continue
        key = known.get(title)
        if key is None:
            ignored.append(title)
        elif key in fields.values():
            errors.append(_("工作表“%(sheet)s”第 %(row)d 行：表头“%(title)s”出现了两次。")
                          % {"sheet": spec.title, "row": line, "title": title})  # fmt: skip
        else:
            fields[index] = key
    missing = [c.header for c in spec.columns if c.required and c.field not in fields.values()]
    if missing:
        errors.append(_("工作表“%(sheet)s”缺少必需的列：%(columns)s。请使用导入模板的表头。")
                      % {"sheet": spec.title, "columns": "、".join(missing)})  # fmt: skip
    if errors:
        raise PackageRefused(errors)
    return fields


def _check_workbook_zip(handle: IO[bytes], label: str) -> None:
    """The workbook is itself a ZIP: bound its parts before openpyxl unpacks any."""
    try:
        with zipfile.ZipFile(handle) as book:
            infos = book.infolist()
            unpacked = sum(i.file_size for i in infos)
            encrypted = any(i.flag_bits & 0x1 for i in infos)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise PackageRefused([_("无法读取 Excel 文件“%(name)s”（文件损坏，或不是 .xlsx 格式；旧版 .xls 请另存为 .xlsx）。")
                              % {"name": label}]) from exc  # fmt: skip
    finally:
        handle.seek(0)
    if len(infos) > MAX_WORKBOOK_PARTS or unpacked > MAX_WORKBOOK_BYTES or encrypted:
        raise PackageRefused([_("Excel 文件“%(name)s”过大或异常（解压后超过 64 MB），请删去多余的内容后重新打包。")
                              % {"name": label}])  # fmt: skip


def read_workbook(handle: IO[bytes], *, label: str) -> dict[str, SheetRows]:
    """The three sheets of a workbook in ``handle`` (seekable): sheet title → rows. A sheet that is
    absent is ``found=False``; a workbook with neither 企业组 nor 创客组 is refused."""
    _check_workbook_zip(handle, label)
    try:
        book = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise PackageRefused([_("无法读取 Excel 文件“%(name)s”（文件损坏，或不是 .xlsx 格式；旧版 .xls 请另存为 .xlsx）。")
                              % {"name": label}]) from exc  # fmt: skip
    try:
        by_name = {header_key(ws.title).casefold(): ws for ws in book.worksheets}
        out: dict[str, SheetRows] = {}
        for spec in SHEETS:
            sheet = next((by_name[n] for n in _sheet_names(spec) if n in by_name), None)
            if sheet is None:
                out[spec.title] = SheetRows(title=spec.title)
                continue
            try:
                out[spec.title] = rows_of(sheet.iter_rows(values_only=True), spec=spec)
            except PackageRefused:
                raise
            except Exception as exc:  # a damaged sheet part shows only while reading it
                raise PackageRefused([_("无法读取 Excel 文件“%(name)s”的工作表“%(sheet)s”（文件损坏）。")
                                      % {"name": label, "sheet": spec.title}]) from exc  # fmt: skip
    finally:
        book.close()
    _require_groups(out, names=[ws.title for ws in book.worksheets], label=label)
    return out


def _require_groups(out: dict[str, SheetRows], *, names: list[str], label: str) -> None:
    if not any(out[spec.title].found for spec in SHEETS if spec.group):
        raise PackageRefused([_("“%(name)s”中没有名为“企业组”或“创客组”的工作表（现有：%(names)s）。请使用导入模板。")
                              % {"name": label, "names": "、".join(names) or "—"}])  # fmt: skip


def csv_lines(data: bytes, *, label: str) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return iter(csv.reader(io.StringIO(text)))
    raise PackageRefused([_("无法读取“%(name)s”：既不是 UTF-8 也不是 GB18030 编码。") % {"name": label}])


def csv_sheet_title(stem: str) -> str | None:
    """The sheet a CSV file stands for, by its name (``企业组.csv``), or None."""
    key = header_key(stem).casefold()
    return next((spec.title for spec in SHEETS if key in _sheet_names(spec)), None)


def read_csv_sheets(files: dict[str, tuple[str, bytes]]) -> dict[str, SheetRows]:
    """Sheets from CSV files: sheet title → (file name, bytes)."""
    out: dict[str, SheetRows] = {}
    for spec in SHEETS:
        if spec.title not in files:
            out[spec.title] = SheetRows(title=spec.title)
            continue
        name, data = files[spec.title]
        out[spec.title] = rows_of(csv_lines(data, label=name), spec=spec)
    _require_groups(out, names=[name for name, _data in files.values()], label=_("报名包"))
    return out


def columns_of(title: str) -> tuple[Column, ...]:
    return next(spec.columns for spec in SHEETS if spec.title == title)
