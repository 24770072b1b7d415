"""Reading a plan kept as a spreadsheet (.xlsx) or CSV.

One row per event, a header row first. Columns (Chinese or English header, any order):

======================  ===================  ========  ==========================================
header                  English              required  content
======================  ===================  ========  ==========================================
赛事类别                tier                 yes       全国总决赛 / 区域赛 / 专题赛 / 境外区域赛决赛
                                                       (or national_final, regional, thematic,
                                                       overseas_final)
序号                    seq                  yes       1, 2, … within the tier, in order
赛事名称                name                 yes       as in the plan
地点 / 决赛地点         location             yes       广东省东莞市, 大连市, 河北省雄安新区 …
主办单位                hosts                yes       joined by 、; 牵头 marks the lead
承办单位                undertakers          no        joined by 、
报名网址                registration_urls    no        several joined by 或; a 大赛官网 label is dropped
======================  ===================  ========  ==========================================

A registration cell merged over several rows (xlsx) applies to each of them.

The header and rows are read by the importer contract (``contest.core.importing``): columns
declared once as :class:`Column`, any order, a header twice or a required one missing refuses the
file, blank rows skipped, every row error a :class:`RowError` naming row and column.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from openpyxl import load_workbook

from contest.core.importing import Column, RowError, TableError, headers_by_field, rows_from
from contest.core.spreadsheets import iter_table

from .common import (
    NAME_PREFIX,
    Plan,
    PlanError,
    PlanRow,
    gazetteer,
    served_codes_for,
    split_org_list,
    split_url_cell,
    theme_of,
    tier_from_cell,
)

COLUMNS = (
    Column("tier", "赛事类别", required=True, aliases=("类别",)),
    Column("seq", "序号", required=True),
    Column("name", "赛事名称", required=True),
    Column("location", "地点", required=True, aliases=("决赛地点",)),
    Column("hosts", "主办单位", required=True),
    Column("undertakers", "承办单位"),
    Column("registration_urls", "报名网址"),
)
LABELS = headers_by_field(COLUMNS)
#: A plan has about fifty events; a file far longer is not a plan.
ROW_LIMIT = 1000
MAX_BYTES = 10 * 1024 * 1024
EMPTY = "文件为空：不是赛事计划。"


def read_csv(data: bytes) -> Plan:
    try:
        lines = iter_table(data, filename="plan.csv", max_bytes=MAX_BYTES)
    except TableError as exc:
        raise PlanError(exc.errors) from None
    return _read_rows(lines, source="csv")


def read_xlsx(data: bytes) -> Plan:
    # Not ``core.spreadsheets.iter_table``: its read-only workbook does not expose merged cells,
    # and a registration cell merged over several rows applies to each of them.
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise PlanError([f"无法读取 Excel 文件：{exc.__class__.__name__}（文件损坏或不是 .xlsx）。"]) from exc
    return _read_rows(_merged_rows(workbook.worksheets[0]), source="xlsx")


def _merged_rows(sheet) -> Iterator[list[Any]]:
    """The sheet's rows, each cell of a merged range holding the range's value."""
    merged = {}
    for rng in sheet.merged_cells.ranges:
        anchor = sheet.cell(rng.min_row, rng.min_col).value
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                merged[(r, c)] = anchor
    for r, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        yield [merged.get((r, c), v) for c, v in enumerate(values, 1)]


def _read_rows(lines: Iterable[Sequence[Any]], *, source: str) -> Plan:
    try:
        table = rows_from(lines, columns=COLUMNS, row_limit=ROW_LIMIT, empty_message=EMPTY)
    except TableError as exc:
        raise PlanError(exc.errors) from None

    errors: list[RowError] = []
    plan_rows: list[PlanRow] = []
    next_seq: dict[str, int] = {}
    gaz = gazetteer()
    for row in table.rows:
        number = row["row"]

        def cell(key: str, row=row) -> str:
            return row.get(key, "")

        def err(key: str, message: str, number=number) -> None:
            errors.append(RowError(number, LABELS[key], message))

        tier = tier_from_cell(cell("tier"))
        if tier is None:
            err("tier", f"无法识别的赛事类别“{cell('tier')}”。")
            continue
        try:
            seq = int(cell("seq"))
        except ValueError:
            err("seq", f"序号“{cell('seq')}”不是整数。")
            continue
        expected = next_seq.get(tier, 1)
        if seq != expected:
            err("seq", f"序号 {seq} 不连续（{tier.label}中应为 {expected}）。")
        next_seq[tier] = expected + 1
        name = cell("name")
        if not name:
            err("name", "赛事名称不能为空。")
            continue
        if not NAME_PREFIX.match(name):
            err("name", f"赛事名称“{name}”应以“第…届”开头。")
            continue
        location_text = cell("location").replace(" ", "")
        location = gaz.parse_location(location_text)
        if location is None:
            err("location", f"无法识别的地点“{cell('location')}”（应为省级区划，可接城市或新区）。")
            continue
        hosts = split_org_list(cell("hosts").replace(" ", ""))
        if not hosts:
            err("hosts", f"无法识别的主办单位“{cell('hosts')}”（多个单位以、分隔）。")
            continue
        undertakers_text = cell("undertakers").replace(" ", "")
        undertakers = split_org_list(undertakers_text) if undertakers_text else []
        if undertakers is None:
            err("undertakers", f"无法识别的承办单位“{cell('undertakers')}”。")
            continue
        try:
            urls = split_url_cell(cell("registration_urls"))
        except ValueError as exc:
            err("registration_urls", f"{exc}。")
            continue
        plan_rows.append(
            PlanRow(
                tier=tier, seq=seq, name=name, location=location_text,
                province_code=location.province.code if location.province else None,
                city_code=location.city.code if location.city else None,
                city_name=location.city_name,
                theme=theme_of(name) if tier == "thematic" else "",
                hosts=hosts, undertakers=[n for n, _ in undertakers], registration_urls=urls,
                served_codes=served_codes_for(tier, name, location), line=number,
            )
        )  # fmt: skip
    if errors:
        raise PlanError([str(e) for e in errors])
    return Plan(edition_number=None, title="", rows=plan_rows, warnings=[], source=source)
