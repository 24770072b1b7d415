"""What a plan says, independent of the file it came in, and the grammar of its cells.

A plan row is parsed into a :class:`PlanRow` by the text or table readers. The cell
grammar lives here so both readers agree: organisation lists joined by 、 with the
牵头 suffix, registration URLs with labels and 或, locations written as a province
followed by a city or new area, and the theme of a thematic event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from contest.catalog.divisions import read_divisions
from contest.catalog.enums import Tier
from contest.core.errors import ValidationFailed

NAME_PREFIX = re.compile(r"^第[〇零一二三四五六七八九十百\d]+届")
NAME_END = re.compile(r"赛(?:（[^（）]*）)?$")
LEAD_SUFFIX = re.compile(r"(?:（牵头）|\(牵头\)|牵头)$")
TRAILING_PAREN = re.compile(r"(?:（[^（）]*）|\([^()]*\))$")
URL = r"(?:https?://)?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+(?::\d+)?(?:[/?#][!-~]*)?"
URL_TOKEN = re.compile(rf"^(?P<pre>或)?(?P<label>大赛官网|官网)?[:：]?(?P<url>{URL})?(?P<post>或)?$")
NEW_AREA = re.compile(r"^[\u4e00-\u9fff]{2,6}新区$")

ORG_SUFFIXES = (
    "委员会", "管委会", "人民政府", "政府", "局", "厅", "中心", "学院", "大学", "学校", "协会",
    "联合会", "商会", "集团", "公司", "研究院", "研究所", "办公室", "部", "院", "所", "会", "社",
    "处", "站", "馆", "室", "委", "署",
)  # fmt: skip
NATIONAL_PREFIXES = (
    "工业和信息化部",
    "国家",
    "中国",
    "中华",
    "全国",
    "国务院",
    "科学技术部",
    "商务部",
    "财政部",
)

TIER_WORDS = [  # order matters: 境外区域赛 before 区域赛, 总决赛 before anything with 决赛
    ("境外", Tier.OVERSEAS_FINAL),
    ("总决赛", Tier.NATIONAL_FINAL),
    ("专题赛", Tier.THEMATIC),
    ("区域赛", Tier.REGIONAL),
]

CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


class PlanError(ValidationFailed):
    """The plan was refused; ``errors`` lists every problem, each naming its line or row."""

    def __init__(self, errors: list[str]):
        super().__init__(errors[0] if len(errors) == 1 else f"赛事计划有 {len(errors)} 处错误", errors=errors)


def chinese_number(text: str) -> int | None:
    """'九' → 9, '十一' → 11, '二十' → 20, '12' → 12; None if not a number."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in CN_DIGITS and ch not in "十百" for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = CN_DIGITS[ch]
    return total + current


def tier_of_section(title: str) -> Tier | None:
    for word, tier in TIER_WORDS:
        if word in title:
            return tier
    return None


def tier_from_cell(value: str) -> Tier | None:
    value = value.strip()
    for tier in Tier:
        if value in (tier.value, tier.label):
            return tier
    return tier_of_section(value)


@dataclass
class PlanRow:
    """One event, every field as the plan means it."""

    tier: str
    seq: int
    name: str
    location: str
    province_code: str | None
    city_code: str | None
    city_name: str
    theme: str
    hosts: list[tuple[str, str]]  # (organisation name, "host" | "lead")
    undertakers: list[str]
    registration_urls: list[str]
    served_codes: list[str]
    line: int
    notes: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"第 {self.line} 行"


@dataclass
class Plan:
    edition_number: int | None
    title: str
    rows: list[PlanRow]
    warnings: list[str]
    source: str


# -- places -------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    short_name: str
    level: str
    parent_code: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Location:
    province: Place | None
    city: Place | None
    city_name: str


class Gazetteer:
    """Province- and prefecture-level divisions, by the names a plan writes them with."""

    def __init__(self, places: list[Place]):
        self.by_code = {p.code: p for p in places}
        self.provinces = {p.name: p for p in places if p.level == "province"}
        self.children: dict[str, dict[str, Place]] = {}
        self.prefectures: dict[str, list[Place]] = {}
        self.any_name: dict[str, Place] = {}
        for p in places:
            if p.level == "prefecture":
                self.children.setdefault(p.parent_code, {})[p.name] = p
                self.prefectures.setdefault(p.name, []).append(p)
        for p in sorted(places, key=lambda p: (p.level != "province", p.code)):
            for key in (p.name, p.short_name, *p.aliases):
                if len(key) >= 2:
                    self.any_name.setdefault(key, p)
        self._prefix_names = sorted(self.any_name, key=len, reverse=True)

    def parse_location(self, text: str) -> Location | None:
        """A whole cell: 广东省 / 广东省东莞市 / 河北省雄安新区 / 大连市. None if it is not one."""
        for name, province in self.provinces.items():
            if text == name:
                return Location(province, None, "")
            if text.startswith(name):
                rest = text[len(name) :]
                city = self.children.get(province.code, {}).get(rest)
                if city is not None:
                    return Location(province, city, city.name)
                if NEW_AREA.match(rest):
                    return Location(province, None, rest)
                return None
        cities = self.prefectures.get(text, [])
        if len(cities) == 1:
            city = cities[0]
            return Location(self.by_code[city.parent_code], city, city.name)
        return None

    def resolve(self, name: str) -> Place | None:
        """A place by full name, short name or alias (宁波市, 宁波, 兵团)."""
        return self.any_name.get(name)

    def starts_with_place(self, text: str) -> bool:
        return any(text.startswith(name) for name in self._prefix_names)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    places = [
        Place(
            code=row["code"], name=row["name"], short_name=row["short_name"], level=row["level"],
            parent_code=row["parent"], aliases=tuple(a for a in row["aliases"].split("、") if a),
        )
        for row in read_divisions()
    ]  # fmt: skip
    return Gazetteer(places)


# -- organisations ------------------------------------------------------------------


def is_org_name(text: str) -> bool:
    """A whole organisation name: a place or national body first, an organisational word last."""
    core = TRAILING_PAREN.sub("", text)
    if len(core) < 4 or "、" in text:
        return False
    if not core.endswith(ORG_SUFFIXES):
        return False
    return core.startswith(NATIONAL_PREFIXES) or gazetteer().starts_with_place(core)


def org_item(text: str) -> tuple[str, str] | None:
    """'北京市经济和信息化局牵头' → ('北京市经济和信息化局', 'lead'); None if not a name."""
    role = "host"
    if LEAD_SUFFIX.search(text):
        text = LEAD_SUFFIX.sub("", text)
        role = "lead"
    return (text, role) if is_org_name(text) else None


def split_org_list(text: str) -> list[tuple[str, str]] | None:
    """A 、-joined list in one cell; None if any item is not an organisation."""
    items = [org_item(part) for part in text.split("、")]
    if not items or any(item is None for item in items):
        return None
    return items  # type: ignore[return-value]


def split_hosts_and_undertakers(
    text: str, bounds: set[int], hard: set[int]
) -> tuple[list[tuple[str, str]], list[str]] | None:
    """Two adjacent cells run together: hosts (、-list) then undertakers (、-list).

    The boundary between them is a line break or space (``bounds``, positions in
    ``text``) inside one 、-item, where both halves are whole organisation names. A
    boundary at a space wins over one at a line break; then the leftmost.
    """
    splits = []
    offset = 0
    parts = text.split("、")
    for i, part in enumerate(parts):
        for pos in sorted(b for b in bounds if offset < b < offset + len(part)):
            cut = pos - offset
            hosts = split_org_list("、".join([*parts[:i], part[:cut]]))
            under = split_org_list("、".join([part[cut:], *parts[i + 1 :]]))
            if hosts and under:
                splits.append((pos not in hard, pos, hosts, under))
        offset += len(part) + 1
    if splits:
        splits.sort(key=lambda s: (s[0], s[1]))
        _, _, hosts, under = splits[0]
        return hosts, [name for name, _ in under]
    hosts = split_org_list(text)
    return (hosts, []) if hosts else None


# -- registration URLs --------------------------------------------------------------


def is_url_token(token: str) -> bool:
    match = URL_TOKEN.match(token)
    return bool(match) and any(match.group(g) for g in ("pre", "label", "url", "post"))


def parse_urls(tokens: list[str]) -> list[str]:
    """['大赛官网', 'www.cnmaker.org.cn或', 'http://x'] → ['www.cnmaker.org.cn', 'http://x']."""
    urls = []
    for token in tokens:
        match = URL_TOKEN.match(token)
        if match and match.group("url"):
            urls.append(match.group("url"))
    return urls


def url_cell_open(tokens: list[str]) -> bool:
    """True while the last token leaves an 或 hanging (another URL follows)."""
    return bool(tokens) and tokens[-1].endswith("或")


def split_url_cell(cell: str) -> list[str]:
    """A spreadsheet cell: '大赛官网 www.a.cn或http://b' → ['www.a.cn', 'http://b']."""
    tokens = re.sub(r"或", " 或 ", cell).split()
    bad = [t for t in tokens if not is_url_token(t)]
    if bad:
        raise ValueError(f"无法识别的网址“{bad[0]}”")
    return parse_urls(tokens)


# -- names --------------------------------------------------------------------------

THEME = re.compile(r"^第.+?届“创客中国”(?:中小企业)?(?P<theme>.+?)(?:中小企业)?创新创业大赛$")
PLACE_IN_NAME = re.compile(r"^第.+?届“创客中国”(?P<place>.+?)中小企业创新创业大赛$")


def theme_of(name: str) -> str:
    match = THEME.match(name)
    return match.group("theme") if match else ""


def place_in_name(name: str) -> str | None:
    match = PLACE_IN_NAME.match(name)
    return match.group("place") if match else None


def served_codes_for(tier: str, name: str, location: Location | None) -> list[str]:
    """The divisions a regional event serves: the place its name carries (兵团, 宁波市, …)."""
    if tier != Tier.REGIONAL:
        return []
    place_name = place_in_name(name)
    place = gazetteer().resolve(place_name) if place_name else None
    if place is None and location is not None:
        place = location.city or location.province
    return [place.code] if place else []
