"""Combining judges' scores fairly, in Decimal, and ranking with written-down tie-breaks.

* ``sheet_total``: a judge's score sheet → Σ score_c / max_c × weight_c (weights sum to 100).
* ``mean`` / ``trimmed_mean``: the trimmed mean drops one highest and one lowest score
  (the rule of comparable contests' finals); with fewer than 3 scores it is the plain mean
  and the entry is flagged as having too few scores.
* ``normalize_by_judge``: per-judge z-scores mapped back onto the round's scale,
  (s − μ_j) / σ_j × σ + μ, so a strict judge and a lenient one count alike; a judge whose
  scores are all equal (σ_j = 0) contributes the round mean μ for each entry.
* Rounding is declared once (per rubric): ``places`` and ROUND_HALF_UP, applied to the final
  aggregate only — never to intermediate values.
* ``rank``: descending by the aggregate, then each tie-break key in order, then the entry's
  registration number; equal keys share a rank (1, 2, 2, 4) and are reported as ties.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

PRECISION = Context(prec=34)  # decimal128: far beyond any score's digits


def quantize(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str
    max_score: Decimal
    weight: Decimal


DEFAULT_RUBRIC = (
    Criterion("innovation", "技术创新", Decimal(30), Decimal(30)),
    Criterion("business_model", "商业模式", Decimal(20), Decimal(20)),
    Criterion("market", "市场前景", Decimal(20), Decimal(20)),
    Criterion("team", "团队能力", Decimal(20), Decimal(20)),
    Criterion("finance_social", "财务与社会效益", Decimal(10), Decimal(10)),
)


def validate_sheet(rubric: Sequence[Criterion], scores: dict[str, Decimal]) -> dict[str, str]:
    """Field errors for a score sheet: every criterion present, within [0, max]."""
    errors = {}
    for c in rubric:
        value = scores.get(c.code)
        if value is None:
            errors[c.code] = f"请为“{c.name}”打分。"
        elif not isinstance(value, Decimal) or not value.is_finite():
            errors[c.code] = f"“{c.name}”的分数应为数字。"
        elif value < 0 or value > c.max_score:
            errors[c.code] = f"“{c.name}”的分数应在 0 到 {c.max_score} 之间。"
    unknown = set(scores) - {c.code for c in rubric}
    for code in sorted(unknown):
        errors[code] = "评分表中没有这一项。"
    return errors


def sheet_total(rubric: Sequence[Criterion], scores: dict[str, Decimal]) -> Decimal:
    with localcontext(PRECISION):
        return sum((scores[c.code] / c.max_score * c.weight for c in rubric), Decimal(0))


def mean(values: Sequence[Decimal]) -> Decimal:
    if not values:
        raise ValueError("no scores")
    with localcontext(PRECISION):
        return sum(values, Decimal(0)) / len(values)


def trimmed_mean(values: Sequence[Decimal]) -> Decimal:
    """Drop one highest and one lowest; the plain mean below three scores."""
    if len(values) < 3:
        return mean(values)
    ordered = sorted(values)
    return mean(ordered[1:-1])


def _std(values: Sequence[Decimal], mu: Decimal) -> Decimal:
    with localcontext(PRECISION):
        variance = sum(((v - mu) ** 2 for v in values), Decimal(0)) / len(values)
        return variance.sqrt()


@dataclass(frozen=True)
class Score:
    entry: int
    judge: int
    value: Decimal


def normalize_by_judge(scores: Iterable[Score]) -> list[Score]:
    """Each judge's scores as z-scores, mapped onto the round's own mean and deviation."""
    scores = list(scores)
    if not scores:
        return []
    with localcontext(PRECISION):
        all_values = [s.value for s in scores]
        mu = mean(all_values)
        sigma = _std(all_values, mu)
        by_judge: dict[int, list[Decimal]] = {}
        for s in scores:
            by_judge.setdefault(s.judge, []).append(s.value)
        stats = {}
        for judge, values in by_judge.items():
            m = mean(values)
            stats[judge] = (m, _std(values, m))
        out = []
        for s in scores:
            m, sd = stats[s.judge]
            value = mu if sd == 0 else (s.value - m) / sd * sigma + mu
            out.append(Score(s.entry, s.judge, value))
        return out


AGGREGATIONS: dict[str, Callable[[Sequence[Decimal]], Decimal]] = {
    "mean": mean,
    "trimmed_mean": trimmed_mean,
}


@dataclass(frozen=True)
class Aggregate:
    entry: int
    value: Decimal  # rounded as declared
    exact: Decimal  # unrounded, for audit
    n_scores: int
    too_few: bool


def aggregate(scores: Iterable[Score], *, method: str = "mean", normalize: bool = False, places: int = 2,
              min_scores: int = 1) -> dict[int, Aggregate]:  # fmt: skip
    """Per-entry aggregate of (optionally normalised) scores, rounded once at the end."""
    scores = list(scores)
    if normalize:
        scores = normalize_by_judge(scores)
    by_entry: dict[int, list[Decimal]] = {}
    for s in scores:
        by_entry.setdefault(s.entry, []).append(s.value)
    fn = AGGREGATIONS[method]
    out = {}
    for entry, values in by_entry.items():
        exact = fn(values)
        too_few = len(values) < max(min_scores, 3 if method == "trimmed_mean" else 1)
        out[entry] = Aggregate(entry, quantize(exact, places), exact, len(values), too_few)
    return out


@dataclass(frozen=True)
class Ranked:
    entry: int
    rank: int
    value: Decimal
    tied_with: tuple[int, ...]


def rank(values: dict[int, Decimal], *, tie_breaks: Sequence[dict[int, Decimal]] = (),
         final_key: dict[int, str] | None = None) -> list[Ranked]:  # fmt: skip
    """Order entries: value desc, then each tie-break (desc), then ``final_key`` asc (the
    registration number), then the id. Entries equal on value and every tie-break share a rank."""
    final_key = final_key or {}

    def key(entry: int):
        return (
            -values[entry],
            *(-tb.get(entry, Decimal("-Infinity")) for tb in tie_breaks),
            final_key.get(entry, ""),
            entry,
        )

    ordered = sorted(values, key=key)
    out: list[Ranked] = []
    previous = None
    for position, entry in enumerate(ordered, start=1):
        signature = key(entry)[: 1 + len(tie_breaks)]
        current_rank = previous[0] if previous is not None and signature == previous[1] else position
        previous = (current_rank, signature)
        out.append(Ranked(entry, current_rank, values[entry], ()))
    groups: dict[int, list[int]] = {}
    for r in out:
        groups.setdefault(r.rank, []).append(r.entry)
    return [Ranked(r.entry, r.rank, r.value, tuple(e for e in groups[r.rank] if e != r.entry)) for r in out]
