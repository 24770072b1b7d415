"""Rankings of a round and of a whole edition, and their snapshots."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from contest.core import audit
from contest.review import aggregation as agg
from contest.review.enums import CarryOver, RoundStatus, SheetStatus
from contest.review.models import RankingSnapshot, ReviewRound, ScoreSheet
from contest.review.services.common import _require, _scope
from contest.review.services.rounds import rubric_of

# -- rankings ---------------------------------------------------------------------------------------------


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


def snapshot_ranking(*, by, round: ReviewRound) -> list[RankingSnapshot]:
    """Store the current ranking per group (and per industry when configured)."""
    _require(by, "review.manage_round", round)
    rows = compute_rows(round)
    buckets: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        data = audit.jsonable(row.__dict__)
        buckets.setdefault((row.group, ""), []).append(data)
        if round.rank_by_industry:
            buckets.setdefault((row.group, row.industry), []).append(data)
    created = []
    with transaction.atomic():
        for (group, industry), items in sorted(buckets.items()):
            if industry:
                items = _rerank(items)
            digest = hashlib.sha256(audit.canonical_json({"rows": items}).encode()).hexdigest()
            snap = RankingSnapshot.objects.create(round=round, group_code=group, industry=industry, rows=items,
                                                  sha256=digest, created_by=by)  # fmt: skip
            created.append(snap)
        audit.record(action="review.ranking.snapshotted", obj=round, by=by, scope=_scope(round),
                     data={"snapshots": [[s.pk, s.group_code, s.industry, s.sha256] for s in created]})  # fmt: skip
    return created


def _rerank(items: list[dict]) -> list[dict]:
    """Ranks within a subset (an industry) of a group's ordered rows: entries tied in the group
    stay tied; the others take their position in the subset."""
    out: list[dict] = []
    for position, item in enumerate(items, start=1):
        rank = out[-1]["rank"] if out and item["rank"] == items[position - 2]["rank"] else position
        members = {i["entry"] for i in items}
        out.append({**item, "rank": rank, "tied_with": [t for t in item["tied_with"] if t in members]})
    return out


def outlier_judges(round: ReviewRound, *, threshold: Decimal = Decimal(2)) -> list[dict]:
    """Judges whose scores sit consistently far from their panels: the mean of (own − panel mean)
    in units of the round's standard deviation of totals, flagged beyond ±threshold."""
    sheets = list(ScoreSheet.objects.filter(assignment__round=round, status=SheetStatus.SUBMITTED)
                  .values_list("assignment__round_entry_id", "assignment__expert_id", "total"))  # fmt: skip
    if len(sheets) < 2:
        return []
    panel: dict[int, list[Decimal]] = {}
    for re_id, _, total in sheets:
        panel.setdefault(re_id, []).append(total)
    all_totals = [t for _, _, t in sheets]
    mu = agg.mean(all_totals)
    sigma = (sum((t - mu) ** 2 for t in all_totals) / len(all_totals)).sqrt()
    if sigma == 0:
        return []
    deviations: dict[int, list[Decimal]] = {}
    for re_id, expert_id, total in sheets:
        others = list(panel[re_id])
        deviations.setdefault(expert_id, []).append((total - agg.mean(others)) / sigma)
    out = []
    for expert_id, devs in sorted(deviations.items()):
        m = agg.mean(devs)
        if abs(m) >= threshold / 2 and len(devs) >= 3:
            out.append({"expert": expert_id, "mean_deviation": agg.quantize(m, 2), "sheets": len(devs)})
    return out


def ranking_buckets(round: ReviewRound, rows: list[RankingRow]) -> list[tuple[str, str, list[dict]]]:
    """(group, industry, rows) as ``snapshot_ranking`` stores them: per group, and — when the round
    ranks by industry — per group and industry, re-ranked within the industry."""
    buckets: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        data = audit.jsonable(row.__dict__)
        buckets.setdefault((row.group, ""), []).append(data)
        if round.rank_by_industry:
            buckets.setdefault((row.group, row.industry), []).append(data)
    return [(group, industry, _rerank(items) if industry else items)
            for (group, industry), items in sorted(buckets.items())]  # fmt: skip


# -- rankings of a whole edition, aggregated in the database -------------------------------------------------


def _snapshot_row_json(row) -> str:
    """A ``ranking_sql.Row`` as ``audit.canonical_json`` writes a snapshot row (keys sorted, no
    spaces, text as is): built directly, 100,000 rows of a season are not first made dicts."""
    from json.encoder import encode_basestring as text  # what json.dumps(ensure_ascii=False) quotes with

    tied = ",".join(map(str, row.tied_with))
    return (f'{{"code":{text(row.code)},"entry":{row.entry},"exact":"{row.exact}","group":{text(row.group)},'
            f'"industry":{text(row.industry)},"judges":[],"n_scores":{row.n_scores},"number":{text(row.number)},'
            f'"rank":{row.rank},"tied_with":[{tied}],"too_few":{"true" if row.too_few else "false"},'
            f'"value":"{row.value}"}}')  # fmt: skip


def recompute_rankings(*, by, edition) -> dict[str, int]:
    """Recompute the ranking of every unpublished round of an edition, per group (and per group
    and industry where the round ranks by industry); store each that differs from its latest
    snapshot as a new snapshot; one audit record with every ranking's SHA-256.

    The judges' totals are aggregated in SQL (``ranking_sql``), with the values, ranks and ties of
    ``compute_rows``. The stored rows are ``compute_rows``' with an empty ``judges`` list: the
    per-judge totals of a whole season would multiply the snapshot's size; ``snapshot_ranking``
    keeps them for one round. Published rounds keep their published snapshot and are left alone.
    For the secretariat of the edition. Returns counts: rounds, skipped (published) rounds,
    entries, submitted sheets, snapshots written, rankings unchanged since their last snapshot."""
    import json

    from django.db.models import Max

    from contest.review import ranking_sql

    _require(by, "review.manage_round", ReviewRound(edition=edition, event=None))
    rounds = list(ReviewRound.objects.filter(edition=edition).order_by("pk"))
    live = [r for r in rounds if r.status != RoundStatus.PUBLISHED]
    rankings = ranking_sql.rankings(live)
    last = (RankingSnapshot.objects.filter(round__in=live).values("round_id", "group_code", "industry")
            .annotate(last=Max("pk")).values("last"))  # fmt: skip
    latest = {(r, g, i): sha for r, g, i, sha in RankingSnapshot.objects.filter(pk__in=last)
              .values_list("round_id", "group_code", "industry", "sha256")}  # fmt: skip
    snapshots: list[RankingSnapshot] = []
    summary: list[list] = []
    entries = sheets = 0
    for round_ in live:
        groups: dict[str, list] = {}
        for row in rankings[round_.pk]:
            entries += 1
            sheets += row.n_scores
            groups.setdefault(row.group, []).append(row)
        # (group, industry, canonical JSON), in snapshot_ranking's order
        buckets: list[tuple[str, str, str]] = []
        for group, rows in sorted(groups.items()):
            text = '{"rows":[' + ",".join(map(_snapshot_row_json, rows)) + "]}"
            buckets.append((group, "", text))
            if round_.rank_by_industry:
                by_industry: dict[str, list[dict]] = {}
                for item in json.loads(text)["rows"]:
                    by_industry.setdefault(item["industry"], []).append(item)
                buckets += [(group, industry, audit.canonical_json({"rows": _rerank(items)}))
                            for industry, items in sorted(by_industry.items())]  # fmt: skip
        for group, industry, text in buckets:
            digest = hashlib.sha256(text.encode()).hexdigest()
            summary.append([round_.pk, group, industry, digest])
            if latest.get((round_.pk, group, industry)) != digest:
                snapshots.append(RankingSnapshot(round=round_, group_code=group, industry=industry,
                                                 rows=json.loads(text)["rows"], sha256=digest, created_by=by))  # fmt: skip
    counts = {"rounds": len(live), "skipped_published": len(rounds) - len(live), "entries": entries,
              "sheets": sheets, "snapshots": len(snapshots), "unchanged": len(summary) - len(snapshots)}  # fmt: skip
    with transaction.atomic():
        for snapshot in snapshots:  # one INSERT each: bulk_create would quote every JSON into one array
            snapshot.save()
        written = {(s.round_id, s.group_code, s.industry): s.pk for s in snapshots}
        audit.record(action="review.rankings.recomputed", obj=edition, by=by, scope=f"edition:{edition.pk}",
                     data={**counts, "rankings": [[*key, digest, written.get(tuple(key))]
                                                  for *key, digest in summary]})  # fmt: skip
    return counts
