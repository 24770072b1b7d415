"""Aggregating a slot's live scores, and ranking a session (pure functions, Decimal only).

Aggregation (``session.aggregation``):

* ``mean``: the average of every submitted score.
* ``trimmed``: drop one highest and one lowest score and average the rest. Below three scores
  nothing is dropped and the plain mean is used; ``detail["method"]`` records ``trimmed_fallback``.
  Which seat is "dropped" among equal scores does not change the value; for the record the
  lowest score with the lowest seat number and the highest score with the highest seat number
  are named.
* The aggregate is rounded once, ROUND_HALF_UP to ``session.places``; intermediate values are
  exact (34 significant digits).

Ranking tie-breaks, in order (see ``rank_key`` and docs/finals.md):

1. the result (rounded, as shown on screen), higher first;
2. the plain mean of all submitted scores (exact), higher first;
3. the highest single score, higher first;
4. the speaking position, earlier first.
Positions are unique, so every rank is distinct; ``decided_by`` names the first key that
separated a slot from the slot ranked just above it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

from contest.finals.enums import LiveAggregation

PRECISION = Context(prec=34)


def quantize(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _mean(values: Sequence[Decimal]) -> Decimal:
    with localcontext(PRECISION):
        return sum(values, Decimal(0)) / len(values)


@dataclass(frozen=True)
class Aggregate:
    result: Decimal
    detail: dict


def aggregate(scores: Mapping[int, Decimal], *, method: str, places: int) -> Aggregate:
    """``scores``: seat → score. Raises ValueError without any score."""
    if not scores:
        raise ValueError("no scores to aggregate")
    items = sorted(scores.items(), key=lambda kv: (kv[1], kv[0]))  # (score, seat) ascending
    values = [score for _, score in items]
    plain = _mean(values)
    dropped: list[int] = []
    used = method
    if method == LiveAggregation.TRIMMED:
        if len(items) >= 3:
            dropped = [items[0][0], items[-1][0]]
            exact = _mean(values[1:-1])
        else:
            used, exact = "trimmed_fallback", plain
    else:
        exact = plain
    counted = sorted(seat for seat, _ in items if seat not in dropped)
    detail = {
        "method": str(used),
        "n": len(items),
        "counted": counted,
        "dropped": dropped,
        "exact": str(exact),
        "mean": str(plain),
        "max": str(values[-1]),
        "places": places,
    }
    return Aggregate(quantize(exact, places), detail)


TIE_BREAK_LABELS = {
    "result": "最终得分",
    "mean": "全部评委平均分",
    "max": "最高单项评分",
    "position": "出场顺序",
}


def rank_key(result: Decimal, detail: Mapping, position: int) -> tuple:
    mean = Decimal(detail.get("mean") or result)
    top = Decimal(detail.get("max") or result)
    return (-result, -mean, -top, position)


def decided_by(above: tuple | None, key: tuple) -> str:
    """The first tie-break key that separates ``key`` from the key ranked just above."""
    if above is None:
        return ""
    for name, a, b in zip(("result", "mean", "max", "position"), above, key, strict=True):
        if a != b:
            return name
    return "position"
