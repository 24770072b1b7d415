"""The importer contract every spreadsheet importer keeps (entries, experts, custom 公示 lists, plans).

1. **Columns** are declared once (:class:`Column`: field, header, required, aliases); the template,
   the header reading and the documentation all come from that declaration.
2. **Reading** (:func:`read_rows`): the first non-empty row is the header; headers may come in any
   order, white space inside them is ignored, unknown ones are reported (``ignored_columns``), a
   header twice or a required one missing refuses the file. Rows are dicts keyed by field, each
   with ``row`` — its row number in the file as the spreadsheet shows it. Blank rows are skipped.
   Reading is lazy and stops at ``row_limit + 1`` data rows: a file with a million rows costs the
   same as one with ``row_limit + 1``.
3. **Errors** name their place: a file-level problem is a :class:`TableError` (raised with every
   problem found); a row's problems are :class:`RowError` (row, column header, message), collected
   for every row before anything is written. Writing is the importing service's business, in one
   transaction, after a preview.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from contest.core.spreadsheets import SpreadsheetError, iter_table

TableError = SpreadsheetError
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Column:
    """One column of an import template."""

    field: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.header, self.field, *self.aliases)


@dataclass(frozen=True)
class RowError:
    """A problem in one cell (or row) of an imported file."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行“{self.column}”：{self.message}"


@dataclass
class Table:
    rows: list[dict[str, Any]]
    ignored_columns: list[str] = field(default_factory=list)


def header_key(title: Any) -> str:
    """A header cell as compared: text without any white space."""
    return _SPACE.sub("", cell_text(title))


def header_map(columns: Sequence[Column]) -> dict[str, str]:
    """Every accepted header spelling → its field."""
    return {header_key(name): column.field for column in columns for name in column.names}


def headers_by_field(columns: Sequence[Column]) -> dict[str, str]:
    return {column.field: column.header for column in columns}


def cell_text(value: Any) -> str:
    """A cell as text: booleans 是/否, whole numbers without ``.0`` (a mobile typed as a number),
    other numbers exact (``Decimal(repr(x))``), text stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value).strip()


def read_header(
    cells: Sequence[Any], *, columns: Sequence[Column], line: int, example: str = ""
) -> tuple[dict[int, str], list[str]]:
    """(column index → field, ignored header titles) of a header row; refuses a header given twice
    or a required one missing, naming them all."""
    known = header_map(columns)
    fields: dict[int, str] = {}
    ignored: list[str] = []
    errors: list[str] = []
    for index, cell in enumerate(cells):
        title = header_key(cell)
        if not title:
            continue
        key = known.get(title)
        if key is None:
            ignored.append(title)
        elif key in fields.values():
            errors.append(f"第 {line} 行表头“{title}”出现了两次。")
        else:
            fields[index] = key
    missing = [c.header for c in columns if c.required and c.field not in fields.values()]
    if missing:
        errors.append("缺少必需的列：" + "、".join(missing) + "。请使用导入模板的表头。")
    if errors:
        raise TableError(errors)
    return fields, ignored


def rows_from(
    lines: Iterable[Sequence[Any]],
    *,
    columns: Sequence[Column],
    row_limit: int,
    cell: Callable[[Any], Any] = cell_text,
    empty_message: str = "文件是空的：第一行应为表头。",
    error: type[TableError] = TableError,
) -> Table:
    """Read a header and then data rows from ``lines`` (an iterator of row cells), lazily."""
    numbered: Iterator[tuple[int, Sequence[Any]]] = enumerate(lines, start=1)
    header = None
    for number, cells in numbered:
        if any(cell_text(c) for c in cells):
            header = (number, cells)
            break
    if header is None:
        raise error([empty_message])
    try:
        fields, ignored = read_header(header[1], columns=columns, line=header[0])
    except TableError as exc:
        raise error(exc.errors) from None
    rows: list[dict[str, Any]] = []
    for number, cells in numbered:
        values = {key: cell(cells[i]) if i < len(cells) else "" for i, key in fields.items()}
        if not any(v not in ("", None) for v in values.values()):
            continue  # blank rows between blocks are common in hand-made sheets
        rows.append({"row": number, **values})
        if len(rows) > row_limit:
            raise error([f"一次最多导入 {row_limit} 行，文件超过了 {row_limit} 行；请分批导入。"])
    if not rows:
        raise error(["表头下面没有数据行。"])
    return Table(rows=rows, ignored_columns=ignored)


def read_rows(
    data: bytes,
    *,
    filename: str,
    columns: Sequence[Column],
    max_bytes: int,
    row_limit: int,
    cell: Callable[[Any], Any] = cell_text,
    empty_message: str = "文件是空的：第一行应为表头。",
    error: type[TableError] = TableError,
) -> Table:
    """An uploaded .xlsx or .csv as rows keyed by field (see the module's contract)."""
    lines = iter_table(data, filename=filename, max_bytes=max_bytes, error=error)
    try:
        return rows_from(lines, columns=columns, row_limit=row_limit, cell=cell, empty_message=empty_message,
                         error=error)  # fmt: skip
    finally:
        close = getattr(lines, "close", None)
        if close is not None:
            close()
