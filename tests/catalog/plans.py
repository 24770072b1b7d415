"""Builders for crafted plans in the PDF-text and spreadsheet forms."""

from __future__ import annotations

import io
import json
from pathlib import Path

from openpyxl import Workbook

GOLDEN = json.loads((Path(__file__).parent / "data" / "edition9_golden.json").read_text(encoding="utf-8"))
OFFICIAL = "www.cnmaker.org.cn"
TITLE = "第九届“创客中国”中小企业创新创业大赛赛事计划"
SECTIONS = [
    ("national_final", "一、总决赛", "赛事名称 地点 主办单位 承办单位"),
    ("regional", "二、区域赛", "序号 赛事名称 地点 主办单位 报名网址"),
    ("thematic", "三、专题赛", "序号 赛事名称 决赛地点 主办单位 报名网址"),
    ("overseas_final", "四、境外区域赛决赛", "赛事名称 地点 主办单位 报名网址"),
]


def hosts_text(event: dict) -> str:
    return "、".join(name + ("牵头" if role == "lead" else "") for name, role in event["hosts"])


def urls_text(event: dict) -> str:
    return " 或 ".join(("大赛官网 " + u) if u == OFFICIAL else u for u in event["registration_urls"])


def golden_by_tier() -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for event in GOLDEN:
        out.setdefault(event["tier"], []).append(event)
    return out


def simple_text(events_by_tier: dict[str, list[dict]] | None = None) -> str:
    """A clean plan: one line per row, cells separated by spaces."""
    events_by_tier = events_by_tier or golden_by_tier()
    lines = [TITLE, ""]
    for tier, heading, header in SECTIONS:
        events = events_by_tier.get(tier, [])
        lines += [f"{heading}（共 {len(events)}场）", header]
        for event in events:
            cells = [event["name"], event["location"], hosts_text(event)]
            if "承办单位" in header:
                cells.append("、".join(event["undertakers"]))
            if "报名网址" in header:
                cells.append(urls_text(event))
            prefix = f"{event['seq']} " if header.startswith("序号") else ""
            lines.append(prefix + " ".join(cells))
        lines.append("")
    return "\n".join(lines) + "\n"


SPREADSHEET_HEADER = ["赛事类别", "序号", "赛事名称", "地点", "主办单位", "承办单位", "报名网址"]
TIER_LABELS = {
    "national_final": "全国总决赛",
    "regional": "区域赛",
    "thematic": "专题赛",
    "overseas_final": "境外区域赛决赛",
}


def spreadsheet_rows(events: list[dict] | None = None) -> list[list[str | int]]:
    rows: list[list[str | int]] = [SPREADSHEET_HEADER]
    for event in events or GOLDEN:
        rows.append([
            TIER_LABELS[event["tier"]], event["seq"], event["name"], event["location"], hosts_text(event),
            "、".join(event["undertakers"]), urls_text(event),
        ])  # fmt: skip
    return rows


def xlsx_bytes(rows: list[list], merge: list[str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for rng in merge or []:
        sheet.merge_cells(rng)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
