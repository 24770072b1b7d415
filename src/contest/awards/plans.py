"""Award plans: how many entries of a ranking get each level (1×一等奖, 2×二等奖, 3×三等奖, the rest
优胜奖), applied to a ranking. Pure: no database.

Rules (documented in docs/awards.md):

* Lines are applied highest level first. A line's count is cumulative from the top: with 1/2/3,
  places 1, 2–3 and 4–6 get 一等奖, 二等奖 and 三等奖. A line without a count (“其余”) takes every
  ranked entry left and must be the last line. Without it, entries below the last line get nothing.
* Entries are taken in rank order, equal ranks by registration number (the order the ranking
  itself uses for display; it decides nothing at a boundary).
* A tie across a boundary (the last entry a level takes and the first it leaves have the same rank)
  is never split silently. ``TiePolicy.REFUSE`` (the default) refuses, naming the tied entries, so
  the organizer changes the counts or awards by hand. ``TiePolicy.SHARE`` gives every tied entry the
  higher level; the next level then starts after them and ends where it would have ended, so it
  shrinks by as many places (to nothing, if the tie is wider than the level).
* Entries without a rank (absent from the session, no result) get nothing from a plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from contest.awards.enums import TiePolicy
from contest.core.errors import Conflict, ValidationFailed

MAX_COUNT = 10_000


@dataclass(frozen=True)
class PlanLine:
    level: str
    count: int | None  # None: every ranked entry left


@dataclass(frozen=True)
class Ranked:
    entry_id: int
    rank: int | None
    number: str
    title: str = ""
    score: Decimal | None = None


@dataclass(frozen=True)
class Placed:
    entry_id: int
    level: str
    order: int  # place within the level, from 1
    rank: int
    number: str
    title: str
    score: Decimal | None


class TieAtBoundary(Conflict):
    def __init__(self, *, level: str, rank: int, tied: list[Ranked]):
        names = "、".join(f"{r.number or r.entry_id}《{r.title}》" for r in tied)
        super().__init__(
            f"“{level}”的名额边界处有并列第 {rank} 名的项目：{names}。"
            "请调整名额，或选择“并列项目同获较高等级”，或手动评定。",
            code="tie_at_boundary",
        )
        self.level = level
        self.rank = rank
        self.tied = tied


def check_plan(lines: list[PlanLine]) -> list[PlanLine]:
    """The plan's lines as given, or ValidationFailed listing every problem."""
    errors = []
    names = [line.level for line in lines]
    if len(set(names)) != len(names):
        errors.append("同一奖项等级在方案中出现了两次。")
    for index, line in enumerate(lines):
        if line.count is None and index != len(lines) - 1:
            errors.append(f"“{line.level}”取其余全部项目，只能是方案的最后一个等级。")
        if line.count is not None and not 0 <= line.count <= MAX_COUNT:
            errors.append(f"“{line.level}”的名额须为 0–{MAX_COUNT} 的整数。")
    if not any(line.count is None or line.count > 0 for line in lines):
        errors.append("方案中没有任何名额。")
    if errors:
        raise ValidationFailed(errors[0], errors=errors, field="plan")
    return lines


def apply_plan(ranking: list[Ranked], lines: list[PlanLine], *, ties: str = TiePolicy.REFUSE) -> list[Placed]:
    check_plan(lines)
    items = sorted((r for r in ranking if r.rank is not None), key=lambda r: (r.rank, r.number, r.entry_id))
    placed: list[Placed] = []
    position = 0  # the first item not yet awarded
    target = 0  # where the lines so far end, before any tie extension
    for line in lines:
        if line.count is None:
            end = len(items)
        else:
            target += line.count
            end = min(max(target, position), len(items))
            if position < end < len(items) and items[end - 1].rank == items[end].rank:
                rank = items[end].rank
                tied = [r for r in items if r.rank == rank]
                if ties != TiePolicy.SHARE:
                    raise TieAtBoundary(level=line.level, rank=rank, tied=tied)
                while end < len(items) and items[end].rank == rank:
                    end += 1
        for order, item in enumerate(items[position:end], start=1):
            placed.append(Placed(entry_id=item.entry_id, level=line.level, order=order, rank=item.rank,
                                 number=item.number, title=item.title, score=item.score))  # fmt: skip
        position = end
    return placed


def parse_count(text: str) -> int | None:
    """A count cell of the plan form: a whole number, or empty / “其余” for the rest."""
    cleaned = (text or "").strip()
    if cleaned in {"", "其余", "余", "rest", "*"}:
        return None
    if not (cleaned.isascii() and cleaned.isdigit()):  # not “²”, which int() cannot read
        raise ValidationFailed(f"名额“{cleaned}”不是整数。", field="plan")
    return int(cleaned)
