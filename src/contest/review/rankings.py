"""Rankings computed from the submitted score sheets, and the arithmetic of advancement (quota
sizes, proportional shares, the cut line). Reads only: selectors and services both use them, and
nothing here writes or imports a service.

Tie-breaks are written down in :func:`compute_rows`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from contest.core import audit
from contest.core.errors import ValidationFailed
from contest.review import aggregation as agg
from contest.review.enums import CarryOver, QuotaKind, SheetStatus
from contest.review.models import Assignment, Quota, ReviewRound, RoundEntry, ScoreSheet


def rubric_of(round: ReviewRound) -> tuple[agg.Criterion, ...]:
    return tuple(
        agg.Criterion(c["code"], c["name"], Decimal(c["max"]), Decimal(c["weight"])) for c in round.rubric
    )


@dataclass
class RankingRow:
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
    judges: list[dict]


def compute_rows(round: ReviewRound) -> list[RankingRow]:
    """Every entry of the round with its aggregate and rank within its group.

    Tie-breaks, in order: the mean of the first rubric criterion (技术创新 by default), then each
    following criterion, then the carried score from the previous round when the round is set to
    use it only for ties, then the registration number (earlier first).
    """
    rubric = rubric_of(round)
    sheets = list(ScoreSheet.objects.filter(assignment__round=round, status=SheetStatus.SUBMITTED)
                  .select_related("assignment__round_entry__entry__group", "assignment__expert"))  # fmt: skip
    entries = {re.pk: re for re in round.round_entries.select_related("entry__group")}
    scores = [agg.Score(s.assignment.round_entry_id, s.assignment.expert_id, s.total) for s in sheets]
    results = agg.aggregate(scores, method=round.aggregation, normalize=round.normalize, places=round.places,
                            min_scores=round.judges_per_entry)  # fmt: skip
    per_judge: dict[int, list[dict]] = {}
    criteria: dict[str, dict[int, list[Decimal]]] = {c.code: {} for c in rubric}
    for s in sheets:
        re_id = s.assignment.round_entry_id
        per_judge.setdefault(re_id, []).append({"expert": s.assignment.expert_id, "total": str(s.total),
                                                "scores": s.scores})  # fmt: skip
        for c in rubric:
            criteria[c.code].setdefault(re_id, []).append(Decimal(s.scores[c.code]))
    values: dict[int, Decimal] = {}
    exact: dict[int, Decimal] = {}
    for re_id, round_entry in entries.items():
        result = results.get(re_id)
        value = result.exact if result else Decimal(0)
        if round.carry_over == CarryOver.BLEND and round_entry.carried_score is not None:
            w = round.carry_weight
            value = value * (1 - w) + round_entry.carried_score * w
        exact[re_id] = value
        values[re_id] = agg.quantize(value, round.places)
    tie_breaks = [{re_id: agg.mean(v) for re_id, v in criteria[c.code].items()} for c in rubric]
    if round.carry_over == CarryOver.TIE_BREAK:
        tie_breaks.append(
            {re_id: re.carried_score for re_id, re in entries.items() if re.carried_score is not None}
        )
    rows: list[RankingRow] = []
    groups: dict[str, list[int]] = {}
    for re_id, round_entry in entries.items():
        groups.setdefault(round_entry.entry.group.code, []).append(re_id)
    for group_code, members in sorted(groups.items()):
        ranked = agg.rank({m: values[m] for m in members}, tie_breaks=tie_breaks,
                          final_key={m: entries[m].entry.number or "" for m in members})  # fmt: skip
        for r in ranked:
            re = entries[r.entry]
            result = results.get(r.entry)
            rows.append(RankingRow(
                entry=re.entry_id, code=re.code, number=re.entry.number or "", group=group_code,
                industry=re.entry.industry, rank=r.rank, value=r.value, exact=exact[r.entry],
                n_scores=result.n_scores if result else 0, too_few=result.too_few if result else True,
                tied_with=tuple(entries[t].entry_id for t in r.tied_with),
                judges=sorted(per_judge.get(r.entry, []), key=lambda j: j["expert"]),
            ))  # fmt: skip
    return rows


def rerank(items: list[dict]) -> list[dict]:
    """Ranks within a subset (an industry) of a group's ordered rows: entries tied in the group
    stay tied; the others take their position in the subset."""
    members = {i["entry"] for i in items}
    out: list[dict] = []
    for position, item in enumerate(items, start=1):
        rank = out[-1]["rank"] if out and item["rank"] == items[position - 2]["rank"] else position
        out.append({**item, "rank": rank, "tied_with": [t for t in item["tied_with"] if t in members]})
    return out


def outlier_judges(round: ReviewRound, *, threshold: Decimal = Decimal(2)) -> list[dict]:
    """Judges whose scores sit consistently far from their panels: the mean of (own − panel mean)
    in units of the round's standard deviation of totals, flagged beyond ±threshold."""
    sheets = submitted_totals(round)
    if len(sheets) < 2:
        return []
    panel: dict[int, list[Decimal]] = {}
    for re_id, _, total in sheets:
        panel.setdefault(re_id, []).append(total)
    panel_mean = {re_id: agg.mean(totals) for re_id, totals in panel.items()}  # once per entry
    all_totals = [t for _, _, t in sheets]
    mu = agg.mean(all_totals)
    sigma = (sum((t - mu) ** 2 for t in all_totals) / len(all_totals)).sqrt()
    if sigma == 0:
        return []
    deviations: dict[int, list[Decimal]] = {}
    for re_id, expert_id, total in sheets:
        deviations.setdefault(expert_id, []).append((total - panel_mean[re_id]) / sigma)
    out = []
    for expert_id, devs in sorted(deviations.items()):
        m = agg.mean(devs)
        if abs(m) >= threshold / 2 and len(devs) >= 3:
            out.append({"expert": expert_id, "mean_deviation": agg.quantize(m, 2), "sheets": len(devs)})
    return out


def submitted_totals(round: ReviewRound) -> list[tuple[int, int, Decimal]]:
    """(round entry id, expert id, total) of every submitted sheet of the round, read as plain rows:
    no model instance and no per-value converter (a season's round holds 50,000 sheets). The
    totals are exact Decimals (SQLite's floats rounded back to the 4 places they are stored with)."""
    table, assignments = ScoreSheet._meta.db_table, Assignment._meta.db_table
    sql = (
        f"SELECT a.round_entry_id, a.expert_id, sh.total FROM {table} sh "  # noqa: S608 - table names from the models
        f"JOIN {assignments} a ON a.id = sh.assignment_id WHERE a.round_id = %s AND sh.status = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [round.pk, SheetStatus.SUBMITTED])
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        return [(re_id, expert_id, total) for re_id, expert_id, total in rows if total is not None]
    places = Decimal(1).scaleb(-ScoreSheet._meta.get_field("total").decimal_places)
    return [(re_id, expert_id, Decimal(repr(total)).quantize(places)) for re_id, expert_id, total in rows
            if total is not None]  # fmt: skip


def ranking_buckets(round: ReviewRound, rows: list[RankingRow]) -> list[tuple[str, str, list[dict]]]:
    """(group, industry, rows) as ``snapshot_ranking`` stores them: per group, and — when the round
    ranks by industry — per group and industry, re-ranked within the industry."""
    buckets: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        data = audit.jsonable(row.__dict__)
        buckets.setdefault((row.group, ""), []).append(data)
        if round.rank_by_industry:
            buckets.setdefault((row.group, row.industry), []).append(data)
    return [(group, industry, rerank(items) if industry else items)
            for (group, industry), items in sorted(buckets.items())]  # fmt: skip


# -- advancement arithmetic -----------------------------------------------------------------------------


def quota_size(quota: Quota, n_entries: int) -> int:
    if quota.kind == QuotaKind.COUNT:
        return int(quota.count or 0)
    if quota.kind == QuotaKind.PERCENT:
        size = int((Decimal(n_entries) * quota.percent / 100).to_integral_value(rounding="ROUND_HALF_UP"))
        if quota.floor is not None:
            size = max(size, quota.floor)
        if quota.cap is not None:
            size = min(size, quota.cap)
        return min(size, n_entries) if quota.floor is None else size
    raise ValidationFailed("按分区比例分配的名额请用 proportional_quotas 计算。")


def zone_of(round_entry: RoundEntry, *, national: bool) -> str:
    """The sub-zone a proportional quota is apportioned over: the entry's event in a national
    round, its registering prefecture in an event's round."""
    entry = round_entry.entry
    if national:
        return entry.event.name
    return entry.division.name if entry.division_id else "—"


def proportional_quotas(total: int, entrants: dict[str, int]) -> dict[str, int]:
    """Largest-remainder (Hamilton) apportionment of ``total`` places across sub-zones by their
    number of entrants; ties on the remainder go to the larger zone, then the zone code."""
    n = sum(entrants.values())
    if n == 0:
        return dict.fromkeys(entrants, 0)
    shares = {z: Decimal(total) * c / n for z, c in entrants.items()}
    base = {z: int(s) for z, s in shares.items()}
    left = total - sum(base.values())
    order = sorted(entrants, key=lambda z: (-(shares[z] - base[z]), -entrants[z], z))
    for z in order[:left]:
        base[z] += 1
    return base


@dataclass
class CutLine:
    size: int
    advancing: list[int]  # entry ids within the quota
    tied_at_cut: list[int]  # entries sharing the rank at the cut line, inside and outside


def cut_line(rows: list[RankingRow], size: int) -> CutLine:
    ordered = sorted(rows, key=lambda r: (r.rank, r.number, r.entry))
    advancing = [r.entry for r in ordered[:size]]
    tied: list[int] = []
    if 0 < size < len(ordered) and ordered[size - 1].rank == ordered[size].rank:
        rank = ordered[size - 1].rank
        tied = [r.entry for r in ordered if r.rank == rank]
    return CutLine(size, advancing, tied)
