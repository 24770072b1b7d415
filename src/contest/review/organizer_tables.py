"""The organizer's per-entry tables of a round at season scale — ranking, assignment, round
entries — one page at a time, in a fixed number of queries whatever the number of entries.

* The ranking is ``ranking_sql``'s (the judges' scores aggregated in the database; equal to
  ``rankings.compute_rows``, see ``tests/review/test_ranking_sql.py``); a published round shows
  its published snapshots instead. Only the page's rows get their entrant and every judge's total.
* Search (anonymous code, registration number, title, enterprise or team) and the group and
  industry filters narrow the rows before they are paginated; the cut line (a group's quota) is
  found on the whole group and shown where it falls, with the page it falls on.
* The spreadsheets (“导出排名表”, “导出分配表”) stay the way to get every row at once.

Reads only; the organizer's scope is checked before these run (``rounds_for_user``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Q, QuerySet

from contest.core.models import AuditRecord
from contest.registration.enums import Industry
from contest.review import ranking_sql, rankings
from contest.review.enums import QuotaKind, RoundStatus
from contest.review.models import Assignment, Expert, ReviewRound, RoundEntry, round_scope
from contest.review.organizer_selectors import (
    RankingLine,
    RankingTable,
    groups_of_edition,
    judges_text,
    round_entries,
)

#: Rows per page of the ranking, assignment and round-entry tables (``REVIEW_ROWS_PER_PAGE`` overrides).
ROWS_PER_PAGE = 100
MAX_QUERY = 100


def rows_per_page() -> int:
    return int(getattr(settings, "REVIEW_ROWS_PER_PAGE", ROWS_PER_PAGE))


@dataclass(frozen=True)
class EntryFilter:
    q: str = ""
    group: str = ""
    industry: str = ""

    @property
    def is_active(self) -> bool:
        return bool(self.q or self.group or self.industry)


def parse_filter(params: Mapping[str, str], groups: Iterable[str]) -> EntryFilter:
    """The filter of a query string; an unknown group or industry is ignored (the form offers
    only known ones), an overlong search is cut."""
    group, industry = params.get("group") or "", params.get("industry") or ""
    return EntryFilter(
        q=(params.get("q") or "").strip()[:MAX_QUERY],
        group=group if group in set(groups) else "",
        industry=industry if industry in Industry.values else "",
    )


def search(term: str) -> Q:
    """Round entries whose anonymous code, registration number, title or entrant contains ``term``."""
    return (
        Q(code__icontains=term) | Q(entry__number__icontains=term) | Q(entry__title__icontains=term)
        | Q(entry__enterprise__name__icontains=term) | Q(entry__team__name__icontains=term)
    )  # fmt: skip


def filter_round_entries(queryset: QuerySet[RoundEntry], flt: EntryFilter) -> QuerySet[RoundEntry]:
    if flt.q:
        queryset = queryset.filter(search(flt.q))
    if flt.group:
        queryset = queryset.filter(entry__group__code=flt.group)
    if flt.industry:
        queryset = queryset.filter(entry__industry=flt.industry)
    return queryset


def filter_context(flt: EntryFilter, groups: Mapping) -> dict:
    """What the filter form of a table needs: the filter, the group and industry options."""
    return {
        "filter": flt,
        "is_filtered": flt.is_active,
        "group_choices": [(code, g.name) for code, g in groups.items()],
        "industry_choices": [(value, str(label)) for value, label in Industry.choices],
    }


def industry_label(code: str) -> str:
    return str(Industry(code).label) if code in Industry.values else code


# -- ranking -----------------------------------------------------------------------------------------------


@dataclass
class CutMark:
    """Where a group's quota cuts its ranking."""

    group_code: str
    group_name: str
    size: int  # places
    entrants: int
    page: int | None = None  # the page (of the rows shown) whose last row inside the cut it follows
    tied: bool = False  # entries share the rank at the cut line, inside and outside


@dataclass
class RankingPage:
    page: Page
    tables: list[RankingTable]
    cuts: list[CutMark]
    proportional: list[str]  # groups whose places are shared among zones (cut on the advancement page)
    outliers: list[dict]
    total: int  # entries of the round
    scored: int  # entries with at least one submitted sheet
    published: bool  # the rows are the published snapshots'
    industry_ranks: bool  # ranks re-ranked within the industry shown
    judges: dict[int, str] = field(default_factory=dict)


def _published_rows(round_: ReviewRound) -> tuple[list[ranking_sql.Row], dict[int, list[dict]]] | None:
    """The rows of the round's published group snapshots (the latest per group), with each row's
    stored judges; None when the round has none."""
    snapshots = round_.rankings.filter(published_at__isnull=False, industry="").order_by(
        "group_code", "-published_at", "-pk"
    )
    rows: list[ranking_sql.Row] = []
    judges: dict[int, list[dict]] = {}
    seen: set[str] = set()
    for snapshot in snapshots:
        if snapshot.group_code in seen:
            continue
        seen.add(snapshot.group_code)
        for d in snapshot.rows:
            rows.append(ranking_sql.Row(
                entry=d["entry"], code=d["code"], number=d["number"], group=d["group"], industry=d["industry"],
                rank=d["rank"], value=Decimal(d["value"]), exact=Decimal(d["exact"]), n_scores=d["n_scores"],
                too_few=d["too_few"], tied_with=tuple(d["tied_with"]),
            ))  # fmt: skip
            judges[d["entry"]] = d["judges"]
    return (rows, judges) if seen else None


ROW_FIELDS = tuple(f.name for f in fields(ranking_sql.Row))
#: How long a computed ranking is kept; any write audited in the round's scope replaces it sooner.
RANKING_CACHE_SECONDS = 600
#: Rounds whose latest ranking this process keeps as objects, in front of the shared cache
#: (unpickling 10,000 rows from the cache took ~100 ms a page). Same key, so same invalidation.
MEMO_ROUNDS = 8
_MEMO: dict[int, tuple[str, tuple[ranking_sql.Row, ...], list[dict]]] = {}


def live_ranking(round_: ReviewRound) -> tuple[list[ranking_sql.Row], list[dict]]:
    """The round's ranking (``ranking_sql``) and outlier judges, reused while nothing in the round's
    scope changed.

    Every write that can move a ranking — a sheet saved or submitted, an assignment, an entry
    added, the round's settings, an entry's group or number — goes through a service that writes
    an audit record in the round's scope (its event; every scope for a national round) in the
    same transaction. The key holds the count and the last id of those records: a write makes a
    new key once it commits (the count covers ids committed out of order). Computing takes seconds
    for 10,000 entries on SQLite; the lookup is one indexed query."""
    records = (
        AuditRecord.objects.all()
        if round_.event_id is None
        else AuditRecord.objects.filter(scope=round_scope(round_))
    )
    stamp = records.aggregate(n=Count("id"), last=Max("id"))
    created = round_.created_at.timestamp() if round_.created_at else 0
    key = f"review:ranking:{round_.pk}:{created}:{round_.status}:{stamp['n']}:{stamp['last']}"
    memo = _MEMO.get(round_.pk)
    if memo is not None and memo[0] == key:
        return list(memo[1]), memo[2]
    found = cache.get(key)
    if found is None:  # kept as plain tuples: a tenth of the time to unpickle of the rows themselves
        found = ([tuple(getattr(r, f) for f in ROW_FIELDS) for r in ranking_sql.ranking_for_round(round_)],
                 rankings.outlier_judges(round_))  # fmt: skip
        cache.set(key, found, RANKING_CACHE_SECONDS)
    rows, outliers = [ranking_sql.Row(*row) for row in found[0]], found[1]
    _MEMO.pop(round_.pk, None)
    while len(_MEMO) >= MEMO_ROUNDS:  # the oldest first (dicts keep insertion order)
        _MEMO.pop(next(iter(_MEMO)), None)
    _MEMO[round_.pk] = (key, tuple(rows), outliers)
    return rows, outliers


def rerank(rows: list[ranking_sql.Row]) -> list[ranking_sql.Row]:
    """``rankings.rerank`` for rows: ranks within a subset (an industry) of a group's ordered rows."""
    members = {r.entry for r in rows}
    out: list[ranking_sql.Row] = []
    for i, row in enumerate(rows):
        rank = out[-1].rank if out and row.rank == rows[i - 1].rank else i + 1
        out.append(replace(row, rank=rank, tied_with=tuple(t for t in row.tied_with if t in members)))
    return out


def ranking_page(round_: ReviewRound, flt: EntryFilter, page_number, *, per_page: int | None = None,
                 groups: Mapping | None = None) -> RankingPage:  # fmt: skip
    """One page of the round's ranking: per group, ordered by rank (then registration number, as
    the cut line orders ties), filtered, with the cut line of each group's quota.

    Queries: the audit stamp of the cached ranking (``live_ranking``; when it has to be computed,
    the ranking's statements and the outliers' sheets too) or the published snapshots, the judges'
    names, the groups (unless given), the quotas, the search (when searching), the page's
    entrants and its judges' totals."""
    per_page = per_page or rows_per_page()
    published = round_.status == RoundStatus.PUBLISHED
    stored = _published_rows(round_) if published else None
    if stored is not None:
        rows, stored_judges = stored
    else:
        (rows, outliers), stored_judges = live_ranking(round_), {}
    names = dict(Expert.objects.filter(round_judges__round=round_).values_list("pk", "name"))
    groups = groups if groups is not None else groups_of_edition(round_.edition_id)
    quotas = {q.group_code: q for q in round_.quotas.all()}
    code_of = {r.entry: r.code for r in rows}

    by_group: dict[str, list[ranking_sql.Row]] = {}
    for row in rows:
        by_group.setdefault(row.group, []).append(row)
    position: dict[int, int] = {}
    sizes: dict[str, int] = {}
    proportional = []
    for code, members in by_group.items():
        members.sort(key=lambda r: (r.rank, r.number, r.entry))  # as rankings.cut_line orders them
        position.update((r.entry, i) for i, r in enumerate(members, start=1))
        quota = quotas.get(code)
        if quota is not None and quota.kind == QuotaKind.PROPORTIONAL:
            proportional.append(groups[code].name if code in groups else code)
        elif quota is not None:
            sizes[code] = rankings.quota_size(quota, len(members))

    shown: list[ranking_sql.Row] = []
    industry_ranks = bool(flt.industry and round_.rank_by_industry)
    for code in sorted(by_group):
        if flt.group and code != flt.group:
            continue
        members = by_group[code]
        if flt.industry:
            members = [r for r in members if r.industry == flt.industry]
            if industry_ranks:
                members = rerank(members)
        shown += members
    if flt.q:
        found = set(round_.round_entries.filter(search(flt.q)).values_list("entry_id", flat=True))
        shown = [r for r in shown if r.entry in found]

    cuts, cut_after = _cut_marks(by_group, shown, sizes, position, groups, per_page)
    page = Paginator(shown, per_page).get_page(page_number)
    ids = [r.entry for r in page.object_list]
    entries = {
        re.entry_id: re
        for re in round_.round_entries.filter(entry_id__in=ids).select_related(
            "entry__group", "entry__enterprise", "entry__team"
        )
    }
    if stored is not None:
        totals = {e: [(j["expert"], Decimal(j["total"])) for j in stored_judges.get(e, [])] for e in ids}
    else:
        by_round_entry = {re.pk: re.entry_id for re in entries.values()}
        totals = ranking_sql.judge_totals(round_, ids, round_entries=by_round_entry) if ids else {}
    tables: list[RankingTable] = []
    for row in page.object_list:
        if not tables or tables[-1].group_code != row.group:
            group = groups.get(row.group)
            label = industry_label(flt.industry) if flt.industry else ""
            tables.append(RankingTable(row.group, group.name if group else row.group, label, []))
        judges = sorted((names.get(e, str(e)), total) for e, total in totals.get(row.entry, []))
        tables[-1].lines.append(RankingLine(
            row=row, round_entry=entries.get(row.entry), judge_totals=judges,
            tied_codes=[code_of.get(t, str(t)) for t in row.tied_with], cut_after=row.entry in cut_after,
            judges_text=judges_text(judges, round_.places),
        ))  # fmt: skip
    if stored is not None:
        outliers = rankings.outlier_judges(round_)
    outliers = [{**o, "name": names.get(o["expert"], str(o["expert"]))} for o in outliers]
    return RankingPage(
        page=page, tables=tables, cuts=cuts, proportional=proportional, outliers=outliers, total=len(rows),
        scored=sum(1 for r in rows if r.n_scores), published=stored is not None, industry_ranks=industry_ranks,
        judges=names,
    )  # fmt: skip


def _cut_marks(by_group, shown, sizes, position, groups, per_page) -> tuple[list[CutMark], set[int]]:
    """Each quota'd group's cut line, and the entries (among those shown) it is drawn after:
    the last one shown inside the cut."""
    last_inside: dict[str, int] = {}
    for index, row in enumerate(shown):
        size = sizes.get(row.group)
        if size is not None and position[row.entry] <= size:
            last_inside[row.group] = index
    cuts = []
    for code in sorted(sizes):
        members, size = by_group[code], sizes[code]
        tied = 0 < size < len(members) and members[size - 1].rank == members[size].rank
        index = last_inside.get(code)
        group = groups.get(code)
        cuts.append(CutMark(code, group.name if group else code, size, len(members),
                            None if index is None else index // per_page + 1, tied))  # fmt: skip
    return cuts, {shown[i].entry for i in last_inside.values()}


# -- assignment and round entries -------------------------------------------------------------------------------


@dataclass
class AssignmentPage:
    page: Page  # of round-entry ids
    rows: list[dict]  # the page's round entries: pk, code, title, entrant, chips, short
    short: int  # entries of the whole round with fewer assignments than judges_per_entry


def _page_of_ids(queryset: QuerySet[RoundEntry], page_number, per_page: int) -> Page:
    """A page of the (filtered, ordered) round-entry ids: one statement, the search run once
    instead of twice (a count and a slice)."""
    return Paginator(list(queryset.values_list("pk", flat=True)), per_page).get_page(page_number)


def short_count(round_: ReviewRound, *, entries: int | None = None) -> int:
    """Entries of the round with fewer assignments than ``judges_per_entry``: the round's entries
    (``entries`` when the caller counted them) less those with enough — one grouped pass over the
    round's assignments, not a subquery per entry."""
    enough = (
        Assignment.objects.filter(round=round_).order_by().values("round_entry_id")
        .annotate(n=Count("id")).filter(n__gte=round_.judges_per_entry).count()
    )  # fmt: skip
    return (round_.round_entries.count() if entries is None else entries) - enough


def assignment_page(
    round_: ReviewRound, flt: EntryFilter, page_number, *, per_page: int | None = None,
    source_labels: Mapping[str, str] | None = None, sheet_labels: Mapping[str, str] | None = None,
) -> AssignmentPage:  # fmt: skip
    """One page of the assignment table: round entries in code order, each with its judges as
    chips ``(expert id, name, detail, css class)`` — match score, source label, sheet label — built
    here once, so the template only prints them. Four queries: the page's ids, its round entries,
    their assignments, the short count (plain rows, no model objects)."""
    per_page = per_page or rows_per_page()
    source_labels = source_labels or {}
    sheet_labels = sheet_labels or {}
    ids = filter_round_entries(round_.round_entries.all(), flt).order_by("code", "pk")
    page = _page_of_ids(ids, page_number, per_page)
    members = list(
        RoundEntry.objects.filter(pk__in=list(page.object_list)).order_by("code", "pk").values_list(
            "pk", "code", "entry__title", "entry__enterprise_id", "entry__enterprise__name", "entry__team__name"
        )
    )  # fmt: skip
    chips: dict[int, list[tuple]] = {m[0]: [] for m in members}
    if members:
        assignments = (
            Assignment.objects.filter(round_entry_id__in=list(chips)).order_by("expert__name", "expert_id")
            .values_list("round_entry_id", "expert_id", "expert__name", "match_score", "source", "sheet__status")
        )  # fmt: skip
        for re_id, expert_id, name, match, source, state in assignments:
            state = state or "pending"
            css = "review-chip"
            if source == "pinned":
                css += " review-chip--pinned"
            if state == "submitted":
                css += " review-chip--submitted"
            detail = f"{match} · {source_labels.get(source, source)} · {sheet_labels.get(state, state)}"
            chips[re_id].append((expert_id, name, detail, css))
    k = round_.judges_per_entry
    rows = [
        {"pk": pk, "code": code, "title": title, "entrant": enterprise if enterprise_id else team,
         "chips": chips[pk], "short": len(chips[pk]) < k}
        for pk, code, title, enterprise_id, enterprise, team in members
    ]  # fmt: skip
    return AssignmentPage(
        page, rows, short_count(round_, entries=None if flt.is_active else page.paginator.count)
    )


def round_entry_page(
    round_: ReviewRound, flt: EntryFilter, page_number, *, per_page: int | None = None
) -> Page:
    """One page of the round's entries (code order, entrant and ``assignment_count``): the page's
    ids (the search run once), then its round entries."""
    per_page = per_page or rows_per_page()
    page = _page_of_ids(filter_round_entries(round_.round_entries.all(), flt).order_by("code", "pk"),
                        page_number, per_page)  # fmt: skip
    page.object_list = list(round_entries(round_).filter(pk__in=list(page.object_list)))
    return page
