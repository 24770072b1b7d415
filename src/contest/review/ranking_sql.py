"""Rankings of many rounds at once, with the judges' scores aggregated in the database.

``services.compute_rows`` ranks one round from its score sheets loaded as objects: right for a
page showing one round with every judge's sheet, too slow for a season (100,000 entries,
500,000 sheets). Here one SQL statement returns, per round entry, the count, sum, minimum and
maximum of its submitted sheets' totals and the sum of each rubric criterion; Python divides in
``Decimal`` and ranks with ``aggregation.rank``. The values, exact values, ranks and ties equal
``compute_rows``' (``tests/review/test_ranking_sql.py`` compares both on random rounds).

Exactness:

* the trimmed mean drops one highest and one lowest score, so its numerator is
  ``SUM − MAX − MIN`` (n ≥ 3). This equals summing the middle rows of a
  ``ROW_NUMBER() OVER (PARTITION BY round_entry ORDER BY total)`` window, with one hash
  aggregate instead of a sort of every sheet; ties at the top or bottom do not matter, as only
  the dropped values, not which sheet carried them, enter the sum;
* PostgreSQL sums ``numeric`` exactly. SQLite keeps a decimal column as a float, so its
  ``SUM`` is a float: the totals carry 4 decimal places and the float error of a few hundred
  additions is far below 0.00005, so rounding the sum back to 4 places restores the exact sum.
  The division is always Python's (``aggregation.PRECISION``), never the database's ``AVG``;
* the criterion scores (the tie-breaks) are free decimals kept as JSON strings: PostgreSQL
  casts them to ``numeric``; on SQLite a small aggregate function sums them as ``Decimal``.

Normalised rounds (per-judge z-scores) need every score of the round at once: their sheets are
read with ``values_list`` — tuples, not model objects — and go through
``aggregation.aggregate`` as in ``compute_rows``. Tie-break means are only worked out for
entries whose value is tied within their group, the only ones ``rank`` compares them for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

from django.db import connection

from contest.review import aggregation as agg
from contest.review.enums import Aggregation, CarryOver, SheetStatus
from contest.review.models import Assignment, ReviewRound, RoundEntry, ScoreSheet

TOTAL_PLACES = ScoreSheet._meta.get_field("total").decimal_places
TOTAL_QUANTUM = Decimal(1).scaleb(-TOTAL_PLACES)


@dataclass(frozen=True)
class Sums:
    """A round entry's submitted sheets, as the database adds them up."""

    n: int
    total: Decimal
    low: Decimal
    high: Decimal
    criteria: dict[str, Decimal]  # criterion code → sum of that criterion's scores


@dataclass(frozen=True)
class Row:
    """``services.RankingRow`` without the per-judge detail."""

    entry: int
    code: str
    number: str
    group: str
    industry: str
    rank: int
    value: Decimal
    exact: Decimal
    n_scores: int
    too_few: bool
    tied_with: tuple[int, ...]


# -- the SQL --------------------------------------------------------------------------------------------


class _DecimalSum:
    """SQLite aggregate ``contest_decimal_sum(text)``: an exact sum of decimal strings."""

    def __init__(self) -> None:
        self.total = Decimal(0)

    def step(self, value) -> None:
        if value is not None:
            with localcontext(agg.PRECISION):
                self.total += Decimal(str(value))

    def finalize(self) -> str:
        return str(self.total)


def _criterion_sum(vendor: str) -> str:
    if vendor == "postgresql":
        return "SUM(CAST(sh.scores ->> %s::text AS numeric))"
    return "contest_decimal_sum(json_extract(sh.scores, %s))"


def _criterion_param(vendor: str, code: str) -> str:
    if vendor == "postgresql":
        return code
    return '$."' + code.replace('"', '""') + '"'


def _decimal(value) -> Decimal:
    """A database sum as an exact Decimal (see the module's note on SQLite's floats)."""
    if isinstance(value, Decimal):
        return value
    # SQLite: a float, or an integer where every total added up was whole.
    return Decimal(repr(value)).quantize(TOTAL_QUANTUM)


def sheet_sums(round_ids: Sequence[int], codes: Sequence[str] = ()) -> dict[int, dict[int, Sums]]:
    """round id → round entry id → the sums of its submitted sheets (entries without one are absent).

    ``codes``: the rubric criteria to sum as well (the union over the rounds asked for).
    """
    if not round_ids:
        return {}
    vendor = connection.vendor
    if vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.create_aggregate("contest_decimal_sum", 1, _DecimalSum)
    sheet, assignment = ScoreSheet._meta.db_table, Assignment._meta.db_table
    columns = "".join(f", {_criterion_sum(vendor)}" for _ in codes)
    placeholders = ", ".join(["%s"] * len(round_ids))
    sql = (
        f"SELECT a.round_id, a.round_entry_id, COUNT(*), SUM(sh.total), MIN(sh.total), MAX(sh.total){columns} "  # noqa: S608 - table names from the models; values are parameters
        f"FROM {sheet} sh JOIN {assignment} a ON a.id = sh.assignment_id "
        f"WHERE sh.status = %s AND sh.total IS NOT NULL AND a.round_id IN ({placeholders}) "
        "GROUP BY a.round_id, a.round_entry_id"
    )
    params = [_criterion_param(vendor, c) for c in codes] + [SheetStatus.SUBMITTED, *round_ids]
    out: dict[int, dict[int, Sums]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for round_id, re_id, n, total, low, high, *criteria in cursor.fetchall():
            out.setdefault(round_id, {})[re_id] = Sums(
                n=n, total=_decimal(total), low=_decimal(low), high=_decimal(high),
                criteria={c: Decimal(s) for c, s in zip(codes, criteria, strict=True) if s is not None},
            )  # fmt: skip
    return out


# -- from sums to rankings ---------------------------------------------------------------------------


def aggregate_of(sums: Sums, method: str) -> Decimal:
    """The exact (unrounded) mean or trimmed mean, as ``aggregation.mean`` / ``trimmed_mean``."""
    with localcontext(agg.PRECISION):
        if method == Aggregation.TRIMMED_MEAN and sums.n >= 3:
            return (sums.total - sums.low - sums.high) / (sums.n - 2)
        return sums.total / sums.n


def _normalised(round_ids: list[int], rounds: dict[int, ReviewRound]) -> dict[int, dict[int, agg.Aggregate]]:
    """Per-judge z-score aggregates of the normalised rounds, from (round, entry, judge, total) tuples."""
    if not round_ids:
        return {}
    by_round: dict[int, list[agg.Score]] = {}
    sheets = ScoreSheet.objects.filter(
        assignment__round_id__in=round_ids, status=SheetStatus.SUBMITTED, total__isnull=False
    ).values_list("assignment__round_id", "assignment__round_entry_id", "assignment__expert_id", "total")
    for round_id, re_id, expert_id, total in sheets.iterator(chunk_size=10_000):
        by_round.setdefault(round_id, []).append(agg.Score(re_id, expert_id, total))
    out = {}
    for round_id in round_ids:
        r = rounds[round_id]
        out[round_id] = agg.aggregate(by_round.get(round_id, []), method=r.aggregation, normalize=True,
                                      places=r.places, min_scores=r.judges_per_entry)  # fmt: skip
    return out


def rankings(rounds: Sequence[ReviewRound]) -> dict[int, list[Row]]:
    """round id → its rows, ordered by group code then rank, as ``services.compute_rows`` orders them."""
    rounds_by_id = {r.pk: r for r in rounds}
    codes = sorted({c["code"] for r in rounds for c in r.rubric})
    sums = sheet_sums(list(rounds_by_id), codes)
    normalised = _normalised([r.pk for r in rounds if r.normalize], rounds_by_id)
    entries: dict[int, list[tuple]] = {}
    members = RoundEntry.objects.filter(round_id__in=list(rounds_by_id)).values_list(
        "round_id", "pk", "entry_id", "code", "entry__number", "entry__group__code", "entry__industry",
        "carried_score",
    )  # fmt: skip
    for row in members.iterator(chunk_size=10_000):
        entries.setdefault(row[0], []).append(row[1:])
    return {
        r.pk: _rank_round(r, entries.get(r.pk, []), sums.get(r.pk, {}), normalised.get(r.pk)) for r in rounds
    }


def _rank_round(round_: ReviewRound, members: list[tuple], sums: dict[int, Sums],
                normalised: dict[int, agg.Aggregate] | None) -> list[Row]:  # fmt: skip
    method, places = round_.aggregation, round_.places
    minimum = max(round_.judges_per_entry, 3 if method == Aggregation.TRIMMED_MEAN else 1)
    blend = round_.carry_over == CarryOver.BLEND
    info: dict[int, tuple] = {}
    exact: dict[int, Decimal] = {}
    values: dict[int, Decimal] = {}
    counts: dict[int, tuple[int, bool]] = {}
    groups: dict[str, list[int]] = {}
    for re_id, entry_id, code, number, group, industry, carried in members:
        info[re_id] = (entry_id, code, number or "", group, industry, carried)
        s = sums.get(re_id)
        if normalised is not None:
            result = normalised.get(re_id)
            value = result.exact if result else Decimal(0)
            counts[re_id] = (result.n_scores, result.too_few) if result else (0, True)
        elif s is not None:
            value = aggregate_of(s, method)
            counts[re_id] = (s.n, s.n < minimum)
        else:
            value = Decimal(0)
            counts[re_id] = (0, True)
        if blend and carried is not None:
            w = round_.carry_weight
            value = value * (1 - w) + carried * w
        exact[re_id] = value
        values[re_id] = agg.quantize(value, places)
        groups.setdefault(group, []).append(re_id)
    rows: list[Row] = []
    criteria = [c["code"] for c in round_.rubric]
    for group, ids in sorted(groups.items()):
        seen = Counter(values[m] for m in ids)
        tied = [m for m in ids if seen[values[m]] > 1]  # tie-breaks only ever separate these
        tie_breaks: list[dict[int, Decimal]] = []
        for c in criteria:
            means = {}
            for m in tied:
                s = sums.get(m)
                if s is not None and c in s.criteria:
                    with localcontext(agg.PRECISION):
                        means[m] = s.criteria[c] / s.n
            tie_breaks.append(means)
        if round_.carry_over == CarryOver.TIE_BREAK:
            tie_breaks.append({m: info[m][5] for m in tied if info[m][5] is not None})
        ranked = agg.rank({m: values[m] for m in ids}, tie_breaks=tie_breaks,
                          final_key={m: info[m][2] for m in ids})  # fmt: skip
        for r in ranked:
            entry_id, code, number, _, industry, _ = info[r.entry]
            n_scores, too_few = counts[r.entry]
            rows.append(Row(entry=entry_id, code=code, number=number, group=group, industry=industry, rank=r.rank,
                            value=r.value, exact=exact[r.entry], n_scores=n_scores, too_few=too_few,
                            tied_with=tuple(info[t][0] for t in r.tied_with)))  # fmt: skip
    return rows


def ranking_for_round(round_: ReviewRound) -> list[Row]:
    return rankings([round_])[round_.pk]
