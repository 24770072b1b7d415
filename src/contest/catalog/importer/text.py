"""Reading a plan from the text a PDF extractor gives (like attachment 2 of the notice).

The extraction damages the tables in known ways, and each is handled here:

* a cell wrapped over several lines comes out one fragment per line, cell after
  cell; cells on one line are separated by a space. Cell boundaries are therefore
  only ever at a space or a line break, and a row's cells are recovered by the
  grammar of each column (name, location, organisations), not by where the lines
  happen to break;
* a page break leaves a line with only the page number, and a leading space on the
  next row;
* a row number can stand alone on its line when the name cell wrapped;
* link annotations are dumped as lines holding only a URL; such a line belongs to no
  row when the row's registration cell is already complete (not ending in 或);
* a cell merged over many rows (the thematic table's registration site) appears once,
  in its first row; rows without their own value take it from the row above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from contest.catalog.enums import Tier

from .common import (
    NAME_END,
    NAME_PREFIX,
    Location,
    Plan,
    PlanError,
    PlanRow,
    chinese_number,
    gazetteer,
    is_url_token,
    parse_urls,
    served_codes_for,
    split_hosts_and_undertakers,
    split_org_list,
    theme_of,
    tier_of_section,
    url_cell_open,
)

TITLE = re.compile(r"第(?P<number>[〇零一二三四五六七八九十百\d]+)届(?P<rest>.*?赛事计划)")
SECTION = re.compile(
    r"^(?P<ordinal>[一二三四五六七八九十]+)、(?P<title>.+?)[（(]共\s*(?P<count>\d+)\s*场[）)]$"
)
NUMBERED_ROW = re.compile(r"^(?P<seq>\d{1,3})(?:\s+(?P<rest>.*))?$")
ATTACHMENT = re.compile(r"^附件\s*\d*$")
COLUMNS = {
    "序号": "seq",
    "赛事名称": "name",
    "地点": "location",
    "决赛地点": "location",
    "举办地点": "location",
    "主办单位": "hosts",
    "承办单位": "undertakers",
    "报名网址": "urls",
    "报名网站": "urls",
}
MAX_LOCATION = 20


@dataclass
class Section:
    line: int
    title: str
    tier: Tier
    count: int
    columns: list[str] = field(default_factory=list)
    rows: list[RawRow] = field(default_factory=list)


@dataclass
class RawRow:
    line: int
    seq: int
    lines: list[tuple[int, str]] = field(default_factory=list)  # text lines, row number removed
    url_tokens: list[str] = field(default_factory=list)
    url_state: str = "none"  # none | open | closed


def read_text(text: str, *, expected_edition: int | None = None) -> Plan:
    parser = _TextParser(text)
    return parser.parse(expected_edition)


class _TextParser:
    def __init__(self, text: str):
        self.lines = [(i, raw.strip()) for i, raw in enumerate(text.splitlines(), start=1)]
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.sections: list[Section] = []

    # -- pass 1: lines into sections and raw rows ----------------------------------

    def parse(self, expected_edition: int | None) -> Plan:
        content = [(n, s) for n, s in self.lines if s]
        if not content:
            raise PlanError(["文件为空：不是赛事计划。"])
        title, number, title_line = self._title(content)
        if not any(SECTION.match(s) for _, s in content):
            raise PlanError(["不是赛事计划：未找到“一、总决赛（共 1场）”这样的分节标题。"])
        if title is None:
            raise PlanError(["不是赛事计划：未找到“第…届…赛事计划”标题。"])
        if expected_edition is not None and number != expected_edition:
            self.errors.append(
                f"第 {title_line} 行：计划标题是第 {number} 届，与 --edition {expected_edition} 不符。"
            )
        self._split(content)
        rows = self._rows()
        if self.errors:
            raise PlanError(self.errors)
        return Plan(edition_number=number, title=title, rows=rows, warnings=self.warnings, source="text")

    def _title(self, content):
        for n, s in content:
            if SECTION.match(s):
                break
            match = TITLE.search(s)
            if match:
                number = chinese_number(match.group("number"))
                title = s[match.start() : match.end()]
                return title.removesuffix("赛事计划").strip(), number, n
        return None, None, None

    def _split(self, content) -> None:
        section: Section | None = None
        row: RawRow | None = None
        for index, (n, s) in enumerate(content):
            match = SECTION.match(s)
            if match:
                tier = tier_of_section(match.group("title"))
                if tier is None:
                    self.errors.append(f"第 {n} 行：无法识别的赛事类别“{match.group('title')}”。")
                    section, row = None, None
                    continue
                section = Section(n, s, tier, int(match.group("count")))
                self.sections.append(section)
                row = None
                continue
            if section is None:
                continue  # title, attachment label, page numbers before the first section
            tokens = s.split()
            if all(t in COLUMNS for t in tokens):
                if section.columns or section.rows:
                    self.errors.append(f"第 {n} 行：表头重复出现。")
                section.columns = [COLUMNS[t] for t in tokens]
                continue
            if not section.columns:
                if self._is_stray_url_line(tokens):
                    self.warnings.append(f"第 {n} 行：忽略孤立的链接“{s}”（不属于任何一行）。")
                    continue
                self.errors.append(
                    f"第 {n} 行：分节“{section.title}”缺少表头（如“序号 赛事名称 地点 主办单位 报名网址”）。"
                )
                continue
            new_row = self._row_start(section, row, content, index)
            if new_row is not None:
                row = new_row
                section.rows.append(row)
                if row.lines:
                    self._add_line(section, row, *row.lines.pop())
                continue
            if NUMBERED_ROW.match(s) and NUMBERED_ROW.match(s).group("rest") is None:
                continue  # a page number
            if row is None:
                if self._is_stray_url_line(tokens):
                    self.warnings.append(f"第 {n} 行：忽略孤立的链接“{s}”（不属于任何一行）。")
                    continue
                self.errors.append(f"第 {n} 行：无法识别的内容“{s}”（不在任何一行赛事之内）。")
                continue
            self._add_line(section, row, n, s)

    def _row_start(self, section: Section, current: RawRow | None, content, index) -> RawRow | None:
        n, s = content[index]
        if "seq" not in section.columns:
            if NAME_PREFIX.match(s):
                return RawRow(line=n, seq=len(section.rows) + 1, lines=[(n, s)])
            if current is None and not self._is_stray_url_line(s.split()):
                return RawRow(line=n, seq=len(section.rows) + 1, lines=[(n, s)])
            return None
        match = NUMBERED_ROW.match(s)
        if not match:
            return None
        seq = int(match.group("seq"))
        rest = match.group("rest")
        expected = len(section.rows) + 1
        if rest is None:
            # A number alone: the row's number when the name follows on the next line,
            # otherwise a page number.
            following = content[index + 1][1] if index + 1 < len(content) else ""
            if not following.startswith("第"):
                return None
            rest_lines: list[tuple[int, str]] = []
        else:
            rest_lines = [(n, rest)]
        if seq != expected:
            self.errors.append(f"第 {n} 行：序号 {seq} 不连续（{section.title}中应为 {expected}）。")
        return RawRow(line=n, seq=seq, lines=rest_lines)

    @staticmethod
    def _is_stray_url_line(tokens: list[str]) -> bool:
        return bool(tokens) and all(is_url_token(t) for t in tokens)

    def _add_line(self, section: Section, row: RawRow, n: int, s: str) -> None:
        tokens = s.split()
        if self._is_stray_url_line(tokens):
            continues = row.url_state == "open" or tokens[0].startswith("或")
            if "urls" not in section.columns or (row.url_state == "closed" and not continues):
                self.warnings.append(f"第 {n} 行：忽略孤立的链接“{s}”（第 {row.line} 行的报名网址已完整）。")
                return
            row.url_tokens.extend(tokens)
            row.url_state = "open" if url_cell_open(row.url_tokens) else "closed"
            return
        text_tokens = []
        for token in tokens:
            if "urls" in section.columns and is_url_token(token) and not _is_text(token):
                row.url_tokens.append(token)
                row.url_state = "open" if url_cell_open(row.url_tokens) else "closed"
            else:
                text_tokens.append(token)
        if text_tokens:
            row.lines.append((n, " ".join(text_tokens)))

    # -- pass 2: raw rows into plan rows -------------------------------------------

    def _rows(self) -> list[PlanRow]:
        rows: list[PlanRow] = []
        seen_tiers: dict[Tier, int] = {}
        for section in self.sections:
            if section.tier in seen_tiers:
                self.errors.append(
                    f"第 {section.line} 行：“{section.title}”与第 {seen_tiers[section.tier]} 行的分节重复。"
                )
            seen_tiers[section.tier] = section.line
            if len(section.rows) != section.count:
                self.errors.append(
                    f"第 {section.line} 行：“{section.title}”写明共 {section.count} 场，实际有 {len(section.rows)} 行。"
                )
            previous_urls: list[str] | None = None
            for raw in section.rows:
                parsed = self._row(section, raw)
                if parsed is None:
                    continue
                if "urls" in section.columns:
                    if parsed.registration_urls:
                        previous_urls = parsed.registration_urls
                    elif previous_urls is not None:
                        parsed.registration_urls = list(previous_urls)
                        parsed.notes.append("报名网址为合并单元格，沿用上一行")
                    else:
                        self.errors.append(f"{parsed.where}：缺少报名网址。")
                rows.append(parsed)
        return rows

    def _row(self, section: Section, raw: RawRow) -> PlanRow | None:
        where = f"第 {raw.line} 行"
        text, bounds, hard = _join(raw.lines)
        if not NAME_PREFIX.match(text):
            self.errors.append(f"{where}：{section.title}第 {raw.seq} 行缺少赛事名称（应以“第…届”开头）。")
            return None
        cells = _segment(text, bounds, hard, with_undertakers="undertakers" in section.columns)
        if cells is None:
            self.errors.append(f"{where}：无法拆分赛事名称、地点与主办单位：“{text}”。")
            return None
        name, location_text, location, hosts, undertakers = cells
        return PlanRow(
            tier=section.tier,
            seq=raw.seq,
            name=name,
            location=location_text,
            province_code=location.province.code if location.province else None,
            city_code=location.city.code if location.city else None,
            city_name=location.city_name,
            theme=theme_of(name) if section.tier == Tier.THEMATIC else "",
            hosts=hosts,
            undertakers=undertakers,
            registration_urls=parse_urls(raw.url_tokens),
            served_codes=served_codes_for(section.tier, name, location),
            line=raw.line,
        )


def _is_text(token: str) -> bool:
    return any(
        "\u4e00" <= ch <= "\u9fff"
        for ch in token.replace("或", "").replace("大赛官网", "").replace("官网", "")
    )


def _join(lines: list[tuple[int, str]]) -> tuple[str, set[int], set[int]]:
    """Fragments joined without separators; positions where a cell may end (any
    fragment join) and where one must (a space on a line)."""
    text = ""
    bounds: set[int] = set()
    hard: set[int] = set()
    for _, line in lines:
        for j, fragment in enumerate(line.split()):
            if text:
                bounds.add(len(text))
                if j > 0:
                    hard.add(len(text))
            text += fragment
    bounds.add(len(text))
    return text, bounds, hard


def _segment(text: str, bounds: set[int], hard: set[int], *, with_undertakers: bool):
    """Name, location, hosts [, undertakers] by the grammar of each column.

    The name ends with 赛 (or 赛（…）) at a cell boundary; the location is the longest
    run of place names after it that leaves whole organisation names behind it.
    A space inside the name or location cell is impossible, so a hard boundary
    inside either rejects the candidate.
    """
    gaz = gazetteer()
    ordered = sorted(bounds)
    for p in ordered:
        if not NAME_END.search(text[:p]) or any(h < p for h in hard if h > 0 and _inside(h, 0, p)):
            continue
        for q in reversed([b for b in ordered if p < b <= p + MAX_LOCATION and b < len(text)]):
            if any(_inside(h, p, q) for h in hard):
                continue
            location = gaz.parse_location(text[p:q])
            if location is None:
                continue
            orgs = _orgs(
                text[q:], {b - q for b in bounds if b > q}, {h - q for h in hard if h > q}, with_undertakers
            )
            if orgs is not None:
                hosts, undertakers = orgs
                return text[:p], text[p:q], location, hosts, undertakers
    return None


def _inside(pos: int, start: int, end: int) -> bool:
    return start < pos < end


def _orgs(text: str, bounds: set[int], hard: set[int], with_undertakers: bool):
    if with_undertakers:
        return split_hosts_and_undertakers(text, bounds, hard)
    if any(0 < h < len(text) for h in hard):
        return None  # a space inside the organisation cell means a cell was misread
    hosts = split_org_list(text)
    return (hosts, []) if hosts else None


__all__ = ["Location", "read_text"]
