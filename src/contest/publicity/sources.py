"""Where a list's rows come from: a small registry keyed by the list's kind.

Every source returns rows as plain dicts of strings (what is hashed is what is shown):
``number`` (报名编号), ``title``, ``entrant``, ``province``, ``group`` and the kind's own columns
(``rank`` and ``score`` for advancement lists and the 500强, ``level`` for award lists, ``note``
for a custom list). Order is the list's order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F

from contest.core.errors import ValidationFailed
from contest.core.spreadsheets import SpreadsheetError, read_table
from contest.publicity.enums import NoticeKind
from contest.review.enums import Decision, RoundStage, RoundStatus

#: column key → header (shown on pages and in exports)
COLUMN_LABELS = {
    "number": "报名编号", "title": "项目名称", "entrant": "参赛主体", "province": "省份", "group": "组别",
    "rank": "排名", "score": "得分", "level": "奖项", "note": "备注",
}  # fmt: skip
BASE_COLUMNS = ("number", "title", "entrant", "province", "group")
MAX_CELL = 200
MAX_ROWS = 5000
UPLOAD_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    kind: str
    columns: tuple[str, ...]
    build: Callable[..., list[dict[str, str]]]


REGISTRY: dict[str, Source] = {}


def register(kind: str, columns: tuple[str, ...]):
    def decorator(build):
        REGISTRY[kind] = Source(kind, BASE_COLUMNS + columns, build)
        return build

    return decorator


def columns_for(kind: str) -> list[str]:
    return list(REGISTRY[kind].columns)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _score(value: Decimal | None, places: int) -> str:
    if value is None:
        return ""
    return str(value.quantize(Decimal(1).scaleb(-places)))


def _decision_rows(round_, *, national: bool) -> list[dict[str, str]]:
    from contest.review.models import AdvancementDecision

    if round_ is None:
        raise ValidationFailed("请选择评审轮次。", field="round")
    if round_.status != RoundStatus.PUBLISHED:
        raise ValidationFailed("该评审轮次的晋级结果尚未发布。", field="round")
    if (round_.stage == RoundStage.NATIONAL) != national:
        message = (
            "500强名单须来自全国评审轮次。" if national else "晋级名单须来自赛事的评审轮次（非全国评审）。"
        )
        raise ValidationFailed(message, field="round")
    decisions = (
        AdvancementDecision.objects.filter(round=round_, decision=Decision.ADVANCE, published_at__isnull=False)
        .select_related("round_entry__entry__group", "round_entry__entry__division__parent",
                        "round_entry__entry__enterprise", "round_entry__entry__team")
        .order_by("round_entry__entry__group__order", F("rank").asc(nulls_last=True),
                  "round_entry__entry__number", "pk")
    )  # fmt: skip
    rows = []
    for d in decisions:
        entry = d.round_entry.entry
        rows.append({
            "number": entry.number or "", "title": entry.title, "entrant": entry.entrant_name,
            "province": entry.division.province.name if entry.division_id else "",
            "group": entry.group.name, "rank": _text(d.rank), "score": _score(d.score, round_.places),
        })  # fmt: skip
    return rows


@register(NoticeKind.ADVANCEMENT, ("rank", "score"))
def advancement_rows(*, round=None, **_ignored) -> list[dict[str, str]]:
    """The published “advance” decisions of an event's round, by group, then rank (tie: number)."""
    return _decision_rows(round, national=False)


@register(NoticeKind.SHORTLIST, ("rank", "score"))
def shortlist_rows(*, round=None, **_ignored) -> list[dict[str, str]]:
    """The 500强: the published “advance” decisions of a national round."""
    return _decision_rows(round, national=True)


@register(NoticeKind.AWARDS, ("level",))
def award_rows(*, event=None, group=None, **_ignored) -> list[dict[str, str]]:
    """The event's awards, in the awards app's order (level, then its rank within the level)."""
    from contest.awards.selectors import award_list_rows  # built alongside; imported when used

    if event is None:
        raise ValidationFailed("获奖名单须属于一个赛事。", field="event")
    if isinstance(group, str):
        from contest.catalog.models import EditionGroup

        code = group
        group = EditionGroup.objects.filter(edition_id=event.edition_id, code=code).first()
        if group is None:
            raise ValidationFailed(f"本届没有代码为“{code}”的组别。", field="group")
    return [
        {"number": _text(r["number"]), "title": _text(r["title"]), "entrant": _text(r["entrant"]),
         "province": _text(r["province"]), "group": _text(r["group"]), "level": _text(r["level"])}
        for r in award_list_rows(event=event, group=group)
    ]  # fmt: skip


# -- custom lists: an uploaded table ------------------------------------------------------------------

CUSTOM_HEADERS = {label: key for key, label in COLUMN_LABELS.items() if key in (*BASE_COLUMNS, "note")}
CUSTOM_REQUIRED = ("title", "entrant")


class CustomTableError(SpreadsheetError):
    """The uploaded file, or rows in it, cannot make a list; ``errors`` names row and column."""


@register(NoticeKind.CUSTOM, ("note",))
def custom_rows(*, rows=None, **_ignored) -> list[dict[str, str]]:
    """A custom list's rows are what the organizer uploaded (already checked by ``parse_custom``)."""
    return list(rows or [])


def parse_custom(data: bytes, *, filename: str) -> list[dict[str, str]]:
    """Phase one of a custom list: read the file and check every row; all errors at once."""
    table = read_table(data, filename=filename, max_bytes=UPLOAD_MAX_BYTES, error=CustomTableError)
    table = [row for row in table if any(_text(c) for c in row)]
    if not table:
        raise CustomTableError(
            ["文件是空的：第一行应为表头（报名编号、项目名称、参赛主体、省份、组别、备注）。"]
        )
    header = [_text(c) for c in table[0]]
    keys = {i: CUSTOM_HEADERS[h] for i, h in enumerate(header) if h in CUSTOM_HEADERS}
    missing = [COLUMN_LABELS[k] for k in CUSTOM_REQUIRED if k not in keys.values()]
    if missing:
        raise CustomTableError([f"表头缺少列：{'、'.join(missing)}。"])
    if len(table) - 1 > MAX_ROWS:
        raise CustomTableError([f"名单最多 {MAX_ROWS} 行，文件有 {len(table) - 1} 行。"])
    errors: list[str] = []
    rows: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    for line, cells in enumerate(table[1:], start=2):
        row = dict.fromkeys((*BASE_COLUMNS, "note"), "")
        for i, key in keys.items():
            row[key] = _text(cells[i]) if i < len(cells) else ""
        for key in CUSTOM_REQUIRED:
            if not row[key]:
                errors.append(f"第 {line} 行“{COLUMN_LABELS[key]}”：必填。")
        for key, value in row.items():
            if len(value) > MAX_CELL:
                errors.append(f"第 {line} 行“{COLUMN_LABELS[key]}”：不能超过 {MAX_CELL} 个字。")
        if row["number"]:
            if row["number"] in seen:
                errors.append(f"第 {line} 行“报名编号”：{row['number']} 与第 {seen[row['number']]} 行重复。")
            seen.setdefault(row["number"], line)
        rows.append(row)
    if errors:
        raise CustomTableError(errors)
    return rows


def build_rows(kind: str, **params: Any) -> list[dict[str, str]]:
    if kind not in REGISTRY:
        raise ValidationFailed("未知的名单类型。", field="kind")
    return REGISTRY[kind].build(**params)
