"""Rankings of a round and of a whole edition, and their snapshots."""

from __future__ import annotations

import hashlib
import json
from json.encoder import encode_basestring as quote_text  # what json.dumps(ensure_ascii=False) quotes with

from django.db import transaction
from django.db.models import Max

from contest.core import audit
from contest.core.access import require
from contest.review import ranking_sql
from contest.review.enums import RoundStatus
from contest.review.models import RankingSnapshot, ReviewRound, round_scope
from contest.review.rankings import compute_rows, ranking_buckets, rerank

# -- rankings ---------------------------------------------------------------------------------------------


def snapshot_ranking(*, by, round: ReviewRound) -> list[RankingSnapshot]:
    """Store the current ranking per group (and per industry when configured)."""
    require(by, "review.manage_round", round)
    created = []
    with transaction.atomic():
        for group, industry, items in ranking_buckets(round, compute_rows(round)):
            digest = hashlib.sha256(audit.canonical_json({"rows": items}).encode()).hexdigest()
            snap = RankingSnapshot.objects.create(round=round, group_code=group, industry=industry, rows=items,
                                                  sha256=digest, created_by=by)  # fmt: skip
            created.append(snap)
        audit.record(action="review.ranking.snapshotted", obj=round, by=by, scope=round_scope(round),
                     data={"snapshots": [[s.pk, s.group_code, s.industry, s.sha256] for s in created]})  # fmt: skip
    return created


# -- rankings of a whole edition, aggregated in the database -------------------------------------------------


def _snapshot_row_json(row) -> str:
    """A ``ranking_sql.Row`` as ``audit.canonical_json`` writes a snapshot row (keys sorted, no
    spaces, text as is): built directly, 100,000 rows of a season are not first made dicts."""
    tied = ",".join(map(str, row.tied_with))
    return (f'{{"code":{quote_text(row.code)},"entry":{row.entry},"exact":"{row.exact}","group":{quote_text(row.group)},'
            f'"industry":{quote_text(row.industry)},"judges":[],"n_scores":{row.n_scores},"number":{quote_text(row.number)},'
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
    require(by, "review.manage_round", ReviewRound(edition=edition, event=None))
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
                buckets += [(group, industry, audit.canonical_json({"rows": rerank(items)}))
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
