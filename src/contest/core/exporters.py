"""Export contract: one registry of tabular exporters, written as CSV, XLSX or JSON.

Spreadsheet cells are neutralised against formula injection: a text cell starting with
``= + - @`` (or a tab/CR) gets a leading apostrophe, as OWASP recommends. Control characters that
a workbook cannot hold (C0 other than tab, newline and carriage return; openpyxl refuses them) are
removed from every text cell, so one stray ESC typed into a form can never break an export.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


def flatten(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "；".join(str(v) for v in value)
    return value


@dataclass(frozen=True)
class Exporter:
    name: str
    columns: Sequence[str]
    rows: Callable[..., Iterable[dict[str, Any]]]


REGISTRY: dict[str, Exporter] = {}


def register(exporter: Exporter) -> Exporter:
    REGISTRY[exporter.name] = exporter
    return exporter


def write_json(rows: Iterable[dict[str, Any]]) -> bytes:
    return (json.dumps(list(rows), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(flatten(row.get(c))) for c in columns])
    # UTF-8 with BOM so Excel opens Chinese text correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(columns: Sequence[str], rows: Iterable[dict[str, Any]], *, title: str = "Sheet1") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(columns))
    for row in rows:
        sheet.append([safe_cell(flatten(row.get(c))) for c in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(exporter: Exporter, fmt: str, **params: Any) -> bytes:
    rows = exporter.rows(**params)
    if fmt == "json":
        return write_json(rows)
    if fmt == "csv":
        return write_csv(exporter.columns, rows)
    if fmt == "xlsx":
        return write_xlsx(exporter.columns, rows, title=exporter.name)
    raise ValueError(f"unknown format {fmt!r}; choose json, csv or xlsx")
