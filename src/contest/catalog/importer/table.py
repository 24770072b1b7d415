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
"""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

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

HEADERS = {
    "赛事类别": "tier", "类别": "tier", "tier": "tier",
    "序号": "seq", "seq": "seq",
    "赛事名称": "name", "name": "name",
    "地点": "location", "决赛地点": "location", "location": "location",
    "主办单位": "hosts", "hosts": "hosts",
    "承办单位": "undertakers", "undertakers": "undertakers",
    "报名网址": "registration_urls", "registration_urls": "registration_urls",
}  # fmt: skip
LABELS = {
    "tier": "赛事类别", "seq": "序号", "name": "赛事名称", "location": "地点", "hosts": "主办单位",
    "undertakers": "承办单位", "registration_urls": "报名网址",
}  # fmt: skip
REQUIRED = ("tier", "seq", "name", "location", "hosts")


def read_csv(data: bytes) -> Plan:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise PlanError(["无法读取 CSV：既不是 UTF-8 也不是 GB18030 编码。"]) from exc
    rows = list(csv.reader(io.StringIO(text)))
    return _read_rows(rows, source="csv")


def read_xlsx(data: bytes) -> Plan:
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise PlanError([f"无法读取 Excel 文件：{exc.__class__.__name__}（文件损坏或不是 .xlsx）。"]) from exc
    sheet = workbook.worksheets[0]
    merged = {}
    for rng in sheet.merged_cells.ranges:
        anchor = sheet.cell(rng.min_row, rng.min_col).value
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                merged[(r, c)] = anchor
    rows = []
    for r, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        rows.append(
            [
                "" if v is None and (r, c) not in merged else _cell(merged.get((r, c), v))
                for c, v in enumerate(values, 1)
            ]
        )
    return _read_rows(rows, source="xlsx")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_rows(rows: list[list[str]], *, source: str) -> Plan:
    rows = [[c.strip() if isinstance(c, str) else _cell(c) for c in row] for row in rows]
    while rows and not any(rows[0]):
        rows.pop(0)
    if not rows:
        raise PlanError(["文件为空：不是赛事计划。"])
    header = rows[0]
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        key = HEADERS.get(title.strip())
        if key and key not in columns:
            columns[key] = index
    missing = [LABELS[c] for c in REQUIRED if c not in columns]
    if missing:
        raise PlanError(
            [f"第 1 行：不是赛事计划表格，缺少列：{'、'.join(missing)}（见 docs/plan-format.md）。"]
        )

    errors: list[str] = []
    plan_rows: list[PlanRow] = []
    next_seq: dict[str, int] = {}
    gaz = gazetteer()
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue

        def cell(key: str, row=row) -> str:
            index = columns.get(key)
            return row[index] if index is not None and index < len(row) else ""

        def err(key: str, message: str, number=number) -> None:
            errors.append(f"第 {number} 行“{LABELS[key]}”列：{message}")

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
        raise PlanError(errors)
    return Plan(edition_number=None, title="", rows=plan_rows, warnings=[], source=source)
