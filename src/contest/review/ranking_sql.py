"""Rankings of many rounds at once, with the judges' scores aggregated in the database.

``services.compute_rows`` ranks one round from its score sheets loaded as objects: right for a
page showing one round with every judge's sheet, too slow for a season (100,000 entries,
500,000 sheets). Here one SQL statement returns, per round entry, what ranking needs of the
entry (number, group, industry, carried score) and the count, sum, minimum and maximum of its
submitted sheets' totals with the sum of each rubric criterion; Python divides in ``Decimal``
and ranks in ``aggregation.rank``'s order (``rank_entries``, which builds each sort key once).
The values, exact values, ranks and ties equal ``compute_rows``' (``tests/review/
test_ranking_sql.py`` compares both on random rounds, on SQLite and PostgreSQL).

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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from django.db import OperationalError, connection

from contest.catalog.models import EditionGroup
from contest.registration.models import Entry
from contest.review import aggregation as agg
from contest.review.enums import Aggregation, CarryOver, SheetStatus
from contest.review.models import Assignment, ReviewRound, RoundEntry, ScoreSheet

#: Totals and carried scores are stored with 4 decimal places.
PLACES = ScoreSheet._meta.get_field("total").decimal_places
QUANTUM = Decimal(1).scaleb(-PLACES)
#: What ``aggregation.rank`` puts in place of a missing tie-break value: below every real one.
MISSING = Decimal("-Infinity")
#: Round entries per statement when criteria are summed for a list of them.
CHUNK = 2_000


@dataclass(slots=True)
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
    """SQLite aggregate ``contest_decimal_sum(text)``: an exact sum of decimal strings, as text."""

    def __init__(self) -> None:
        self.total: Decimal | None = None

    def step(self, value) -> None:
        if value is not None:
            with localcontext(agg.PRECISION):
                self.total = Decimal(str(value)) + (self.total or 0)

    def finalize(self) -> str | None:
        return None if self.total is None else str(self.total)


def _decimal(value) -> Decimal:
    """A stored total (or a sum of them) as an exact Decimal. PostgreSQL gives one; SQLite a float,
    or an integer when the values were whole: rounded back to the 4 places they were stored with."""
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)).quantize(QUANTUM)


def _tables() -> dict[str, str]:
    models = {"re": RoundEntry, "e": Entry, "g": EditionGroup, "sh": ScoreSheet, "a": Assignment}
    return {alias: model._meta.db_table for alias, model in models.items()}


#: SQLite's fast criterion sum: the scores as integers of 1/10,000 — exact for a score of at most
#: 4 decimal places and 15 characters (|score × 10⁴| < 10¹⁴: the float product is within 0.02 of the
#: integer, which ROUND restores) — and, after a separator, whether every score of the group was
#: such a score ('1'); when one was not, the statement runs again with ``contest_decimal_sum``.
SCALED_SUM = (
    "CAST(SUM(CAST(ROUND(x.c{i} * 10000) AS INTEGER)) AS TEXT) || ':' || "
    "MIN(x.c{i} IS NULL OR (length(x.c{i}) <= 15 AND (instr(x.c{i}, '.') = 0 "
    "OR length(x.c{i}) - instr(x.c{i}, '.') <= 4)))"
)
SCALE = 4


def _unscale(value: str | None) -> tuple[str | None, bool]:
    """A ``SCALED_SUM`` as decimal text, and whether it is exact."""
    if value is None:
        return None, True
    digits, _, exact = value.partition(":")
    if digits in ("", "None"):  # every score of the group missing
        return None, exact == "1"
    return str(Decimal(int(digits)).scaleb(-SCALE)), exact == "1"


def _exact_rows(rows: list[tuple], first: int, n_codes: int) -> list[tuple] | None:
    """``rows`` with the scaled criterion sums (columns ``first``…) as decimal text, or None when a
    group held a score the scaled sum cannot carry exactly."""
    out = []
    for row in rows:
        sums = [_unscale(v) for v in row[first : first + n_codes]]
        if not all(ok for _, ok in sums):
            return None
        out.append((*row[:first], *(v for v, _ in sums), *row[first + n_codes :]))
    return out


def _sheets(codes: Sequence[str], condition: str, *, exact_sums: bool = False) -> tuple[str, list[str]]:
    """A subquery: per round entry, the count, sum, minimum and maximum of its submitted sheets'
    totals and the sum of each criterion of ``codes`` (as decimal text, ``c0``, ``c1``, …), over
    the sheets whose assignment matches ``condition``; and the parameters before the condition's.

    On PostgreSQL the criteria are read out of the JSON before the rows are grouped (``OFFSET 0``
    keeps the planner from moving the reading after the sort, which would carry every sheet's
    JSON through it)."""
    if connection.vendor == "postgresql":
        read, total, fence = "CAST(sh.scores ->> %s AS numeric)", "SUM(x.c{i})::text", " OFFSET 0"
        params = list(codes)
    else:
        connection.ensure_connection()
        connection.connection.create_aggregate("contest_decimal_sum", 1, _DecimalSum)
        read, fence = "json_extract(sh.scores, %s)", ""
        total = "contest_decimal_sum(x.c{i})" if exact_sums else SCALED_SUM
        params = ['$."' + c.replace('"', '""') + '"' for c in codes]
    reads = "".join(f", {read} AS c{i}" for i in range(len(codes)))
    sums = "".join(", " + total.format(i=i) + f" AS c{i}" for i in range(len(codes)))
    t = _tables()
    sql = (
        f"SELECT x.re_id, COUNT(*) AS n, SUM(x.total) AS total, MIN(x.total) AS low, MAX(x.total) AS high{sums} "  # noqa: S608 - table names from the models; values are parameters
        f"FROM (SELECT a.round_entry_id AS re_id, sh.total AS total{reads} "
        f"FROM {t['sh']} sh JOIN {t['a']} a ON a.id = sh.assignment_id "
        f"WHERE sh.status = %s AND sh.total IS NOT NULL AND {condition}{fence}) x GROUP BY x.re_id"
    )
    return sql, [*params, SheetStatus.SUBMITTED]


def entry_sums(round_ids: Sequence[int], codes: Sequence[str] = ()) -> dict[int, list[tuple]]:
    """round id → one tuple per round entry, in one statement: ``(round id, round entry id,
    entry id, anonymous code, registration number, group code, industry, carried score, n,
    Σ total, min total, max total, Σ criterion…)``. Without a submitted sheet, n and the sums are
    None. Criterion sums (of ``codes``, in order) are decimal strings."""
    if not round_ids:
        return {}
    rounds = ", ".join(["%s"] * len(round_ids))
    t = _tables()

    def fetch(exact_sums: bool) -> list[tuple]:
        sheets, params = _sheets(codes, f"a.round_id IN ({rounds})", exact_sums=exact_sums)
        sql = (
            "SELECT re.round_id, re.id, re.entry_id, re.code, e.number, g.code, e.industry, re.carried_score, "
            "s.n, s.total, s.low, s.high" + "".join(f", s.c{i}" for i in range(len(codes))) + " "
            f"FROM {t['re']} re JOIN {t['e']} e ON e.id = re.entry_id JOIN {t['g']} g ON g.id = e.group_id "
            f"LEFT JOIN ({sheets}) s ON s.re_id = re.id WHERE re.round_id IN ({rounds})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *round_ids, *round_ids])
            return cursor.fetchall()

    if connection.vendor == "postgresql" or not codes:
        rows = fetch(True)
    else:
        try:
            rows = _exact_rows(fetch(False), 12, len(codes))
        except OperationalError:  # an integer overflow: a score far beyond any rubric's maximum
            rows = None
        if rows is None:
            rows = fetch(True)
    out: dict[int, list[tuple]] = {}
    for row in rows:
        out.setdefault(row[0], []).append(row)
    return out


def criterion_sums(round_entry_ids: Iterable[int], codes: Sequence[str], *,
                   round_ids: Sequence[int] = ()) -> dict[int, tuple]:  # fmt: skip
    """round entry id → the sums (decimal text) of each criterion of ``codes`` over its submitted sheets.

    With ``round_ids`` (the rounds the entries belong to) and more entries than one SQLite batch, the
    rounds' sheets are summed in one pass instead (a round where most entries tie, as a large
    round with scores in 0.5 steps does): one scan rather than a scan per batch of ids."""
    ids = sorted(set(round_entry_ids))
    if not ids or not codes:
        return {}
    if round_ids and connection.vendor != "postgresql" and len(ids) > CHUNK:
        wanted = set(ids)
        whole = ", ".join(["%s"] * len(round_ids))
        summed = _criterion_batches(codes, [(f"a.round_id IN ({whole})", list(round_ids))])
        return {m: sums for m, sums in summed.items() if m in wanted}
    if connection.vendor == "postgresql":  # one array literal, however many entries
        batches = [("a.round_entry_id = ANY(%s::bigint[])", ["{" + ",".join(map(str, ids)) + "}"])]
    else:
        batches = [(f"a.round_entry_id IN ({', '.join(['%s'] * len(ids[i : i + CHUNK]))})", ids[i : i + CHUNK])
                   for i in range(0, len(ids), CHUNK)]  # fmt: skip
    return _criterion_batches(codes, batches)


def _criterion_batches(codes: Sequence[str], batches: list[tuple[str, list]]) -> dict[int, tuple]:
    out: dict[int, tuple] = {}
    scaled = connection.vendor != "postgresql"
    with connection.cursor() as cursor:
        for condition, values in batches:
            sql, params = _sheets(codes, condition, exact_sums=not scaled)
            try:
                cursor.execute(sql, [*params, *values])
                rows = cursor.fetchall()
            except OperationalError:  # SQLite only: an integer overflow of the scaled sum
                rows = None
            if scaled:
                exact = _exact_rows(rows, 5, len(codes)) if rows is not None else None
                if exact is None:
                    sql, params = _sheets(codes, condition, exact_sums=True)
                    cursor.execute(sql, [*params, *values])
                    exact = cursor.fetchall()
                rows = exact
            for row in rows:
                out[row[0]] = row[5:]
    return out


def judge_totals(round_: ReviewRound, entry_ids: Iterable[int], *,
                 round_entries: Mapping[int, int] | None = None) -> dict[int, list[tuple[int, Decimal]]]:  # fmt: skip
    """entry id → (expert id, total) of each submitted sheet of the round, by expert id: what
    ``compute_rows`` lists as a row's ``judges``, for the entries asked for only (a page of the
    ranking), in one statement. ``round_entries`` (round entry id → entry id, when the caller has
    them) lets the statement start from the assignments' round-entry index."""
    ids = sorted(set(entry_ids))
    out: dict[int, list[tuple[int, Decimal]]] = {m: [] for m in ids}
    if round_entries is not None:
        sheets = ScoreSheet.objects.filter(
            assignment__round_entry_id__in=sorted(round_entries), status=SheetStatus.SUBMITTED
        )
        fields = ("assignment__round_entry_id", "assignment__expert_id", "total")
    else:
        sheets = ScoreSheet.objects.filter(
            assignment__round=round_, status=SheetStatus.SUBMITTED, assignment__round_entry__entry_id__in=ids
        )
        fields = ("assignment__round_entry__entry_id", "assignment__expert_id", "total")
    for key, expert_id, total in sheets.order_by(fields[0], "assignment__expert_id").values_list(*fields):
        entry_id = round_entries[key] if round_entries is not None else key
        if entry_id in out:
            out[entry_id].append((expert_id, total))
    return out


# -- from sums to rankings ---------------------------------------------------------------------------


def _normalised(rounds: list[ReviewRound]) -> dict[int, dict[int, agg.Aggregate]]:
    """Per-judge z-score aggregates of the normalised rounds, from (round, entry, judge, total) tuples."""
    if not rounds:
        return {}
    by_round: dict[int, list[agg.Score]] = {}
    sheets = ScoreSheet.objects.filter(
        assignment__round_id__in=[r.pk for r in rounds], status=SheetStatus.SUBMITTED, total__isnull=False
    ).values_list("assignment__round_id", "assignment__round_entry_id", "assignment__expert_id", "total")
    for round_id, re_id, expert_id, total in sheets:
        by_round.setdefault(round_id, []).append(agg.Score(re_id, expert_id, total))
    return {
        r.pk: agg.aggregate(by_round.get(r.pk, []), method=r.aggregation, normalize=True, places=r.places,
                            min_scores=r.judges_per_entry)
        for r in rounds
    }  # fmt: skip


def _means(sums: dict[int, str | None], counts: dict[int, int]) -> dict[int, Decimal]:
    """Criterion means as ``aggregation.mean`` computes them (sum ÷ n, 34 digits)."""
    with localcontext(agg.PRECISION):
        return {m: Decimal(s) / counts[m] for m, s in sums.items() if s is not None and counts.get(m)}


@dataclass
class _Round:
    """One round between the two passes: values known, ties on value found, the first tie-break
    (the first criterion's mean) worked out for those."""

    round: ReviewRound
    member: dict[int, tuple]
    exact: dict[int, Decimal]
    values: dict[int, Decimal]
    n: dict[int, int]
    too_few: dict[int, bool]
    carried: dict[int, Decimal]
    groups: dict[str, list[int]]
    tied: set[int] = field(default_factory=set)  # sharing their value with another of their group
    first: dict[int, Decimal] = field(default_factory=dict)
    still_tied: list[int] = field(default_factory=list)


def rankings(rounds: Sequence[ReviewRound]) -> dict[int, list[Row]]:
    """round id → its rows, ordered by group code then rank, as ``services.compute_rows`` orders them.

    Two passes keep the criterion sums (the slow part of the statement) to what ranking needs: the
    first statement sums only each round's first criterion; the others are summed afterwards for
    the entries still tied on value and first criterion — in a season, a few in a hundred."""
    rounds = list(rounds)
    firsts = sorted({r.rubric[0]["code"] for r in rounds if r.rubric})
    first_column = {code: 12 + i for i, code in enumerate(firsts)}
    sums = entry_sums([r.pk for r in rounds], firsts)
    normalised = _normalised([r for r in rounds if r.normalize])
    prepared = [_prepare(r, sums.get(r.pk, []), normalised.get(r.pk), first_column) for r in rounds]
    rest_codes = sorted({c["code"] for r in rounds for c in r.rubric[1:]})
    rest = criterion_sums(
        [m for p in prepared for m in p.still_tied], rest_codes, round_ids=[r.pk for r in rounds]
    )
    rest_column = {code: i for i, code in enumerate(rest_codes)}
    return {p.round.pk: _rank(p, rest, rest_column) for p in prepared}


def ranking_for_round(round_: ReviewRound) -> list[Row]:
    return rankings([round_])[round_.pk]


def _prepare(round_: ReviewRound, members: list[tuple], normalised: dict[int, agg.Aggregate] | None,
             first_column: dict[str, int]) -> _Round:  # fmt: skip
    trimmed = round_.aggregation == Aggregation.TRIMMED_MEAN
    minimum = max(round_.judges_per_entry, 3 if trimmed else 1)
    zero = Decimal(0)
    member = {row[1]: row for row in members}
    exactly = _decimal if connection.vendor == "sqlite" else (lambda value: value)  # PostgreSQL: Decimals
    exact: dict[int, Decimal] = {}
    n: dict[int, int] = {}
    too_few: dict[int, bool] = {}
    with localcontext(agg.PRECISION):  # as aggregation.mean / trimmed_mean
        for re_id, row in member.items():
            count = row[8] or 0
            if normalised is not None:
                result = normalised.get(re_id)
                exact[re_id] = result.exact if result else zero
                n[re_id], too_few[re_id] = (result.n_scores, result.too_few) if result else (0, True)
            elif count:
                total = exactly(row[9])
                if trimmed and count >= 3:
                    exact[re_id] = (total - exactly(row[10]) - exactly(row[11])) / (count - 2)
                else:
                    exact[re_id] = total / count
                n[re_id], too_few[re_id] = count, count < minimum
            else:
                exact[re_id], n[re_id], too_few[re_id] = zero, 0, True
    carried = {re_id: _decimal(row[7]) for re_id, row in member.items() if row[7] is not None}
    if round_.carry_over == CarryOver.BLEND:  # in the default context, as compute_rows blends
        w = round_.carry_weight
        for re_id, score in carried.items():
            exact[re_id] = exact[re_id] * (1 - w) + score * w
    values = {re_id: agg.quantize(value, round_.places) for re_id, value in exact.items()}
    groups: dict[str, list[int]] = {}
    for re_id, row in member.items():
        groups.setdefault(row[5], []).append(re_id)
    prepared = _Round(round_, member, exact, values, n, too_few, carried, groups)
    for ids in groups.values():
        seen = Counter(map(values.__getitem__, ids))
        prepared.tied.update(m for m in ids if seen[values[m]] > 1)  # tie-breaks only ever separate these
    if not round_.rubric:
        return prepared
    col = first_column[round_.rubric[0]["code"]]
    sheets = {re_id: row[8] for re_id, row in member.items()}
    first = prepared.first = _means({m: member[m][col] for m in prepared.tied}, sheets)
    for ids in groups.values():
        pairs = [(m, (values[m], first.get(m, MISSING))) for m in ids if m in prepared.tied]
        seen_first = Counter(pair for _, pair in pairs)
        prepared.still_tied += [m for m, pair in pairs if seen_first[pair] > 1]
    return prepared


def _rank(p: _Round, rest: dict[int, tuple], rest_column: dict[str, int]) -> list[Row]:
    round_, member = p.round, p.member
    sheets = {re_id: row[8] for re_id, row in member.items()}
    tie_breaks: list[dict[int, Decimal]] = [p.first] if round_.rubric else []
    for c in round_.rubric[1:]:
        col = rest_column[c["code"]]
        tie_breaks.append(_means({m: rest[m][col] for m in p.still_tied if m in rest}, sheets))
    if round_.carry_over == CarryOver.TIE_BREAK:
        tie_breaks.append(p.carried)
    rows: list[Row] = []
    final_key = {m: member[m][4] or "" for m in p.tied}
    for group, ids in sorted(p.groups.items()):
        for re_id, rank, tied_with in rank_entries(ids, p.values, tie_breaks, final_key, p.tied):
            row = member[re_id]
            tied = tuple(member[t][2] for t in tied_with) if tied_with else ()
            rows.append(Row(row[2], row[3], row[4] or "", group, row[6], rank, p.values[re_id], p.exact[re_id],
                            p.n[re_id], p.too_few[re_id], tied))  # fmt: skip
    return rows


def rank_entries(ids: list[int], values: dict[int, Decimal], tie_breaks: Sequence[dict[int, Decimal]],
                 final_key: dict[int, str], tied: set[int] | None = None) -> list[tuple[int, int, tuple[int, ...]]]:  # fmt: skip
    """``aggregation.rank``'s order and ties: (id, rank, the ids sharing the rank), by value and each
    tie-break descending (a missing tie-break below every value), then ``final_key`` and id
    ascending. ``tied``: the ids whose value another shares (worked out when not given); only
    their keys carry the tie-breaks, and only runs of equal keys are sorted by the final key."""
    if tied is None:
        seen = Counter(map(values.__getitem__, ids))
        tied = {m for m in ids if seen[values[m]] > 1}
    keys = {m: (values[m], *[tb.get(m, MISSING) for tb in tie_breaks]) if m in tied else (values[m],)
            for m in ids}  # fmt: skip
    ordered = sorted(ids, key=keys.__getitem__, reverse=True)
    out: list[tuple[int, int, tuple[int, ...]]] = []
    i, end = 0, len(ordered)
    while i < end:
        key, j = keys[ordered[i]], i + 1
        while j < end and keys[ordered[j]] == key:
            j += 1
        if j == i + 1:
            out.append((ordered[i], i + 1, ()))
        else:
            run = sorted(ordered[i:j], key=lambda m: (final_key.get(m, ""), m))
            out += [(m, i + 1, tuple(t for t in run if t != m)) for m in run]
        i = j
    return out
