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

from contest.awards.selectors import award_list_rows
from contest.catalog.models import EditionGroup
from contest.core.errors import ValidationFailed
from contest.core.importing import Column, RowError, read_rows
from contest.core.spreadsheets import SpreadsheetError
from contest.publicity.enums import NoticeKind
from contest.review.enums import RoundStage, RoundStatus
from contest.review.selectors import advanced_decisions

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
        advanced_decisions(round_)
        .select_related("round_entry__entry__group", "round_entry__entry__zone", "round_entry__entry__division__parent",
                        "round_entry__entry__enterprise", "round_entry__entry__team")
        .order_by("round_entry__entry__group__order", F("rank").asc(nulls_last=True),
                  "round_entry__entry__number", "pk")
    )  # fmt: skip
    rows = []
    for d in decisions:
        entry = d.round_entry.entry
        rows.append({
            "number": entry.number or "", "title": entry.title, "entrant": entry.entrant_name,
            "province": (entry.division.province.name if entry.division_id
                         else entry.zone.name if entry.zone_id else ""),
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
    if event is None:
        raise ValidationFailed("获奖名单须属于一个赛事。", field="event")
    if isinstance(group, str):
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

CUSTOM_FIELDS = (*BASE_COLUMNS, "note")
CUSTOM_REQUIRED = ("title", "entrant")
#: the upload's columns (the importer contract): headers in any order, unknown ones ignored
CUSTOM_COLUMNS = tuple(
    Column(key, COLUMN_LABELS[key], required=key in CUSTOM_REQUIRED) for key in CUSTOM_FIELDS
)
CUSTOM_HEADERS = [column.header for column in CUSTOM_COLUMNS]
CUSTOM_EMPTY = f"文件是空的：第一行应为表头（{'、'.join(CUSTOM_HEADERS)}）。"


class CustomTableError(SpreadsheetError):
    """The uploaded file, or rows in it, cannot make a list; ``errors`` names row and column."""


@register(NoticeKind.CUSTOM, ("note",))
def custom_rows(*, rows=None, **_ignored) -> list[dict[str, str]]:
    """A custom list's rows are what the organizer uploaded (already checked by ``parse_custom``)."""
    return list(rows or [])


def parse_custom(data: bytes, *, filename: str) -> list[dict[str, str]]:
    """Phase one of a custom list: read the file and check every row; all errors at once.

    Rows keep the file's order; each is exactly the custom columns, as text."""
    table = read_rows(data, filename=filename, columns=CUSTOM_COLUMNS, max_bytes=UPLOAD_MAX_BYTES,
                      row_limit=MAX_ROWS, empty_message=CUSTOM_EMPTY, error=CustomTableError)  # fmt: skip
    errors: list[RowError] = []
    rows: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    for found in table.rows:
        line = found["row"]
        row = {key: found.get(key, "") for key in CUSTOM_FIELDS}
        errors += [RowError(line, COLUMN_LABELS[key], "必填。") for key in CUSTOM_REQUIRED if not row[key]]
        errors += [RowError(line, COLUMN_LABELS[key], f"不能超过 {MAX_CELL} 个字。")
                   for key, value in row.items() if len(value) > MAX_CELL]  # fmt: skip
        number = row["number"]
        if number:
            if number in seen:
                errors.append(
                    RowError(line, COLUMN_LABELS["number"], f"{number} 与第 {seen[number]} 行重复。")
                )
            seen.setdefault(number, line)
        rows.append(row)
    if errors:
        raise CustomTableError([str(error) for error in errors])
    return rows


def build_rows(kind: str, **params: Any) -> list[dict[str, str]]:
    if kind not in REGISTRY:
        raise ValidationFailed("未知的名单类型。", field="kind")
    return REGISTRY[kind].build(**params)
