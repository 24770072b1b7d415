"""Organizer-side reads for expert review. Tenancy lives here: every organizer or secretariat read
of a round goes through ``rounds_for_user``.

Scope (the same as the predicate ``review.manage_round``):

* an organizer sees the rounds of the events their organization hosts, leads or undertakes;
* the secretariat sees every round of its edition, national rounds (no event) included; a
  superuser or an edition-less secretariat role sees all editions;
* everyone else — judges and entrants included — sees nothing here.

The expert pool is shared: anyone who may run a round (``review.manage_experts``) reads all of it.
Organizers know the entrants, so these reads show names even in a blind round; the judge side
(``review.selectors``) never does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from contest.accounts.rules import secretariat_edition_ids
from contest.catalog.models import Edition, EditionGroup, Event
from contest.core.access import management_scope
from contest.core.inputs import local
from contest.registration.enums import EntryStatus, Industry
from contest.registration.models import Entry
from contest.registration.selectors import entries_for_user, events_for_user
from contest.review import rankings
from contest.review.enums import QuotaKind, RunStatus, SheetStatus
from contest.review.models import (
    AdvancementDecision,
    Assignment,
    AssignmentRun,
    Conflict,
    Expert,
    Quota,
    RankingSnapshot,
    ReviewRound,
    RoundEntry,
    RoundJudge,
    ScoreSheet,
)
from contest.review.templatetags.review_scores import score

# -- scope ------------------------------------------------------------------------------------------


def can_use_review_console(user) -> bool:
    """Organizers and the secretariat; a judge or an entrant gets 404 on every organizer page."""
    return management_scope(user) is not None


def rounds_for_user(user) -> QuerySet[ReviewRound]:
    """THE tenancy selector for rounds."""
    scope = management_scope(user)
    if scope is None:
        return ReviewRound.objects.none()
    return ReviewRound.objects.filter(scope)


def round_for_user(user, round_id: int) -> ReviewRound | None:
    """One round in the user's scope, with its edition, event and previous round; None otherwise."""
    return rounds_for_user(user).filter(pk=round_id).select_related("edition", "event", "previous").first()


def _count(model, field_name: str, **filters) -> Subquery:
    rows = model.objects.filter(**{field_name: OuterRef("pk")}, **filters).order_by().values(field_name)
    return Coalesce(Subquery(rows.annotate(n=Count("id")).values("n"), output_field=IntegerField()), Value(0))


def annotate_round_counts(queryset: QuerySet[ReviewRound]) -> QuerySet[ReviewRound]:
    """``entry_count``, ``judge_count``, ``assignment_count`` and ``submitted_count`` as
    subqueries (no row multiplication, one query for any number of rounds)."""
    return queryset.annotate(
        entry_count=_count(RoundEntry, "round"),
        judge_count=_count(RoundJudge, "round"),
        assignment_count=_count(Assignment, "round"),
        submitted_count=_count(ScoreSheet, "assignment__round", status=SheetStatus.SUBMITTED),
    )


def open_blockers(round_: ReviewRound, now: datetime | None = None) -> list[str]:
    """Why review of a draft round cannot start yet (empty when it can): no assignment, or a
    window that has not opened. The round page shows them; ``set_round_status`` refuses with the first."""
    now = now or timezone.now()
    reasons = []
    if not round_.assignments.exists():
        reasons.append(_("本轮还没有分配任何评审任务，请先运行分配或指定评审专家，再开始评审。"))
    if round_.opens_at and round_.opens_at > now:
        reasons.append(_("评审时间尚未开始（%(opens)s 开始），不能提前开始评审。")
                       % {"opens": local(round_.opens_at).strftime("%Y-%m-%d %H:%M")})  # fmt: skip
    return reasons


def too_few_rows(round_: ReviewRound) -> list[rankings.RankingRow]:
    """Entries of the round with fewer submitted sheets than ``judges_per_entry`` (评分不足)."""
    return [row for row in rankings.compute_rows(round_) if row.too_few]


def round_list(user) -> QuerySet[ReviewRound]:
    """The round list: newest edition first, national rounds after the events' rounds, with counts."""
    queryset = annotate_round_counts(rounds_for_user(user).select_related("edition", "event"))
    return queryset.order_by(
        "-edition__number", F("event__tier").asc(nulls_last=True), "event__seq", "created_at", "pk"
    )


def events_for_new_round(user) -> list[Event]:
    """The events the user may create a round for (plan order)."""
    return list(events_for_user(user).select_related("edition").order_by("-edition__number", "tier", "seq"))


def editions_for_national_round(user) -> list[Edition]:
    """The editions whose national rounds the user (secretariat) may create."""
    editions = secretariat_edition_ids(user)
    queryset = Edition.objects.all() if None in editions else Edition.objects.filter(pk__in=sorted(editions))
    return list(queryset.order_by("-number"))


def previous_round_choices(user, *, edition_id: int, event_id: int | None, exclude: int | None = None):
    """Rounds that may come before a round of ``event_id`` (any round of the edition for a
    national round)."""
    queryset = rounds_for_user(user).filter(edition_id=edition_id).select_related("event")
    if event_id is not None:
        queryset = queryset.filter(event_id=event_id)
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude)
    return queryset.order_by("created_at", "pk")


def groups_of_edition(edition_id: int) -> dict[str, EditionGroup]:
    return {g.code: g for g in EditionGroup.objects.filter(edition_id=edition_id).order_by("order", "code")}


# -- the expert pool ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpertFilter:
    q: str | None = None
    kind: str | None = None
    expertise: str | None = None  # a GB/T 4754 section letter
    region: str | None = None  # a province-level code
    exclude_round: int | None = None  # leave out the judges of this round

    @property
    def is_active(self) -> bool:
        return any((self.q, self.kind, self.expertise, self.region))


def filter_experts(queryset: QuerySet[Expert], flt: ExpertFilter | None) -> QuerySet[Expert]:
    flt = flt or ExpertFilter()
    if flt.q:
        term = flt.q.strip()
        queryset = queryset.filter(
            Q(name__icontains=term) | Q(organization_name__icontains=term) | Q(title__icontains=term)
            | Q(phone__contains=term) | Q(email__icontains=term)
        )  # fmt: skip
    if flt.kind:
        queryset = queryset.filter(kind=flt.kind)
    if flt.expertise:  # JSON lists hold quoted strings: '"I"' never matches another letter
        queryset = queryset.filter(expertise__icontains=f'"{flt.expertise}"')
    if flt.region:
        queryset = queryset.filter(regions__icontains=f'"{flt.region}"')
    if flt.exclude_round:
        queryset = queryset.exclude(round_judges__round_id=flt.exclude_round)
    return queryset


def experts_for_user(user) -> QuerySet[Expert]:
    """The pool the user may read: all of it for organizers and the secretariat, none otherwise."""
    if not user.has_perm("review.manage_experts"):
        return Expert.objects.none()
    return Expert.objects.all()


def expert_list(user, flt: ExpertFilter | None = None) -> QuerySet[Expert]:
    """The pool page: filtered, with the account and ``round_count`` (one query)."""
    queryset = filter_experts(experts_for_user(user), flt).select_related("user")
    return queryset.annotate(round_count=_count(RoundJudge, "expert")).order_by("name", "pk")


def expert_for_user(user, expert_id: int) -> Expert | None:
    return experts_for_user(user).filter(pk=expert_id).select_related("user").first()


# -- entries and judges of a round ------------------------------------------------------------------


def _entry_relations(prefix: str = "entry") -> list[str]:
    return [f"{prefix}__group", f"{prefix}__enterprise", f"{prefix}__team"]


def annotate_round_entry_counts(queryset: QuerySet[RoundEntry]) -> QuerySet[RoundEntry]:
    """``assignment_count`` as a subquery (no row multiplication)."""
    return queryset.annotate(assignment_count=_count(Assignment, "round_entry"))


def round_entries(round_: ReviewRound) -> QuerySet[RoundEntry]:
    """The round's entries in code order, with the entrant and ``assignment_count``."""
    return annotate_round_entry_counts(
        round_.round_entries.select_related(*_entry_relations(), "source_round")
    ).order_by("code", "pk")


def candidate_entries(user, round_: ReviewRound) -> QuerySet[Entry]:
    """Qualified entries of the round's event (in the user's scope) not yet in the round. A
    national round takes recommended entries only (``selectors.recommended_decisions``), so none
    here."""
    if round_.event_id is None:
        return Entry.objects.none()
    return (
        entries_for_user(user, event=round_.event)
        .filter(status=EntryStatus.QUALIFIED)
        .exclude(round_entries__round=round_)
        .select_related("group", "enterprise", "team")
        .order_by("number", "pk")
    )


@dataclass
class JudgeLoad:
    round_judge: RoundJudge
    assigned: int = 0
    submitted: int = 0
    drafts: int = 0
    behind: bool = False

    @property
    def expert(self) -> Expert:
        return self.round_judge.expert

    @property
    def not_started(self) -> int:
        return self.assigned - self.submitted - self.drafts

    @property
    def unfinished(self) -> int:
        return self.assigned - self.submitted

    @property
    def share(self) -> Decimal:
        return Decimal(self.submitted) / self.assigned if self.assigned else Decimal(1)


def judge_loads(round_: ReviewRound) -> list[JudgeLoad]:
    """Every judge of the round with assigned / submitted / draft counts (two queries)."""
    counts = {
        row["expert_id"]: row
        for row in Assignment.objects.filter(round=round_)
        .values("expert_id")
        .annotate(
            assigned=Count("id"),
            submitted=Count("id", filter=Q(sheet__status=SheetStatus.SUBMITTED)),
            drafts=Count("id", filter=Q(sheet__status=SheetStatus.DRAFT)),
        )
        .order_by()
    }
    judges = round_.round_judges.select_related("expert", "expert__user").order_by(
        "expert__name", "expert_id"
    )
    out = []
    for rj in judges:
        row = counts.get(rj.expert_id, {})
        out.append(JudgeLoad(rj, row.get("assigned", 0), row.get("submitted", 0), row.get("drafts", 0)))
    return out


def expected_share(round_: ReviewRound, now: datetime) -> Decimal | None:
    """How much of the review window has passed (0–1), or None when no window is set."""
    if not (round_.opens_at and round_.closes_at):
        return None
    if now <= round_.opens_at:
        return Decimal(0)
    if now >= round_.closes_at:
        return Decimal(1)
    return Decimal((now - round_.opens_at).total_seconds()) / Decimal(
        (round_.closes_at - round_.opens_at).total_seconds()
    )


@dataclass
class Progress:
    judges: list[JudgeLoad]
    expected: Decimal | None  # the share of the window elapsed, when a window is set
    overall: Decimal  # the round's share of submitted sheets

    @property
    def assigned(self) -> int:
        return sum(j.assigned for j in self.judges)

    @property
    def submitted(self) -> int:
        return sum(j.submitted for j in self.judges)

    @property
    def drafts(self) -> int:
        return sum(j.drafts for j in self.judges)

    @property
    def behind(self) -> list[JudgeLoad]:
        return [j for j in self.judges if j.behind]


def progress(round_: ReviewRound, now: datetime) -> Progress:
    """Per-judge progress. A judge is *behind* when they have unfinished sheets and their share of
    submitted sheets is below the share of the review window already elapsed — or, without a
    window, below the round's overall share."""
    judges = judge_loads(round_)
    assigned = sum(j.assigned for j in judges)
    overall = Decimal(sum(j.submitted for j in judges)) / assigned if assigned else Decimal(0)
    expected = expected_share(round_, now)
    bar = expected if expected is not None else overall
    for j in judges:
        j.behind = j.unfinished > 0 and j.share < bar
    return Progress(judges=judges, expected=expected, overall=overall)


def pool_candidates(user, round_: ReviewRound, flt: ExpertFilter) -> QuerySet[Expert]:
    """Experts of the pool who are not yet judges of the round (active ones only)."""
    flt = ExpertFilter(q=flt.q, kind=flt.kind, expertise=flt.expertise, region=flt.region,
                       exclude_round=round_.pk)  # fmt: skip
    return filter_experts(experts_for_user(user).filter(is_active=True), flt).order_by("name", "pk")


# -- conflicts -------------------------------------------------------------------------------------------


def round_conflicts(round_: ReviewRound) -> QuerySet[Conflict]:
    """Conflicts between the round's judges and entries, with who recorded them and when."""
    return (
        Conflict.objects.filter(
            expert_id__in=round_.round_judges.values("expert_id"),
            entry_id__in=round_.round_entries.values("entry_id"),
        )
        .select_related("expert", "entry", "entry__enterprise", "entry__team", "created_by")
        .annotate(
            code=Subquery(
                RoundEntry.objects.filter(round=round_, entry_id=OuterRef("entry_id")).values("code")[:1]
            )
        )
        .order_by("code", "expert__name", "kind")
    )


# -- assignment -------------------------------------------------------------------------------------------


def latest_run(round_: ReviewRound) -> AssignmentRun | None:
    return round_.assignment_runs.select_related("requested_by").order_by("-created_at", "-pk").first()


def run_payload(run: AssignmentRun | None) -> dict:
    """What the assignment page polls: a small, stable JSON object."""
    if run is None:
        return {"id": None, "status": "none", "status_label": "", "progress": 0, "message": "", "finished": True,
                "stats": {}}  # fmt: skip
    return {
        "id": run.pk,
        "status": run.status,
        "status_label": str(RunStatus(run.status).label),
        "progress": run.progress,
        "message": run.message,
        "finished": run.status in (RunStatus.DONE, RunStatus.FAILED),
        "stats": run.stats,
    }


def assignment_table(round_: ReviewRound) -> list[RoundEntry]:
    """Round entries in code order, each with ``assignment_list`` (expert and sheet joined); three
    queries for any size."""
    assignments = Assignment.objects.select_related("expert", "sheet").order_by("expert__name", "expert_id")
    return list(
        round_.round_entries.select_related(*_entry_relations())
        .prefetch_related(Prefetch("assignments", queryset=assignments, to_attr="assignment_list"))
        .order_by("code", "pk")
    )


def assignment_in_round(round_: ReviewRound, assignment_id: int) -> Assignment | None:
    return (
        Assignment.objects.filter(round=round_, pk=assignment_id)
        .select_related(
            "round", "expert", "round_entry__entry__enterprise", "round_entry__entry__team", "sheet"
        )
        .first()
    )


def round_entry_in_round(round_: ReviewRound, round_entry_id: int) -> RoundEntry | None:
    return round_.round_entries.filter(pk=round_entry_id).select_related(*_entry_relations()).first()


def pin_options(round_: ReviewRound, round_entry: RoundEntry) -> list[JudgeLoad]:
    """Judges who may take this entry: in the round, available, not already on it, no conflict."""
    taken = set(round_entry.assignments.values_list("expert_id", flat=True))
    blocked = set(Conflict.objects.filter(entry_id=round_entry.entry_id).values_list("expert_id", flat=True))
    return [j for j in judge_loads(round_) if j.round_judge.available and j.expert.pk not in taken | blocked]


# -- rankings -----------------------------------------------------------------------------------------------


@dataclass
class RankingLine:
    row: rankings.RankingRow | dict
    round_entry: RoundEntry | None
    judge_totals: list[tuple[str, str]]  # (judge name, total) in judge-name order
    tied_codes: list[str]
    cut_after: bool = False  # the quota's cut line falls after this line
    judges_text: str = ""  # "name total；name total" with the round's places, as the table shows it


def judges_text(judge_totals: list[tuple[str, object]], places: int) -> str:
    """The judges' totals as one cell: ``名 86.50；名 90.00`` (computed once, not per template cell)."""
    return "；".join(f"{name} {score(total, places)}" for name, total in judge_totals)


@dataclass
class RankingTable:
    group_code: str
    group_name: str
    industry: str
    lines: list[RankingLine]


@dataclass
class RankingView:
    tables: list[RankingTable]
    outliers: list[dict]
    judges: dict[int, Expert] = field(default_factory=dict)
    scored: int = 0


def _lines(
    items: list[dict], entries: dict[int, RoundEntry], names: dict[int, str], places: int
) -> list[RankingLine]:
    code_of = {re.entry_id: re.code for re in entries.values()}
    out = []
    for item in items:
        judges = sorted((names.get(j["expert"], str(j["expert"])), j["total"]) for j in item["judges"])
        out.append(RankingLine(row=item, round_entry=entries.get(item["entry"]), judge_totals=judges,
                               tied_codes=[code_of.get(t, str(t)) for t in item["tied_with"]],
                               judges_text=judges_text(judges, places)))  # fmt: skip
    return out


def ranking_view(round_: ReviewRound) -> RankingView:
    """The live ranking: per group (and per group and industry when configured), each entry with
    every judge's total, the aggregate, rank, ties and the too-few-scores flag; outlier judges."""
    rows = rankings.compute_rows(round_)
    entries = {re.entry_id: re for re in round_.round_entries.select_related(*_entry_relations())}
    judges = {e.pk: e for e in Expert.objects.filter(round_judges__round=round_)}
    names = {pk: e.name for pk, e in judges.items()}
    groups = groups_of_edition(round_.edition_id)
    tables = []
    for group, industry, items in rankings.ranking_buckets(round_, rows):
        industry_label = str(Industry(industry).label) if industry in Industry.values else industry
        tables.append(RankingTable(group, groups[group].name if group in groups else group, industry_label,
                                   _lines(items, entries, names, round_.places)))  # fmt: skip
    outliers = [
        {**o, "name": names.get(o["expert"], str(o["expert"]))} for o in rankings.outlier_judges(round_)
    ]
    return RankingView(
        tables=tables, outliers=outliers, judges=judges, scored=sum(1 for r in rows if r.n_scores)
    )


def snapshots(round_: ReviewRound) -> QuerySet[RankingSnapshot]:
    """The round's snapshots, newest first, without their rows (a season's snapshot holds
    thousands; the list shows only who saved it, when, and its SHA-256)."""
    group_name = EditionGroup.objects.filter(
        edition_id=round_.edition_id, code=OuterRef("group_code")
    ).values("name")
    return (
        round_.rankings.select_related("created_by")
        .defer("rows")
        .annotate(group_name=Subquery(group_name[:1]))
        .order_by("-created_at", "-pk")
    )


def snapshot_in_round(round_: ReviewRound, snapshot_id: int) -> RankingSnapshot | None:
    return round_.rankings.filter(pk=snapshot_id).select_related("created_by").first()


def snapshot_view(round_: ReviewRound, snapshot: RankingSnapshot) -> RankingTable:
    entries = {re.entry_id: re for re in round_.round_entries.select_related(*_entry_relations())}
    names = dict(Expert.objects.filter(pk__in={j["expert"] for r in snapshot.rows for j in r["judges"]})
                 .values_list("pk", "name"))  # fmt: skip
    groups = groups_of_edition(round_.edition_id)
    group = groups.get(snapshot.group_code)
    return RankingTable(snapshot.group_code, group.name if group else snapshot.group_code, snapshot.industry,
                        _lines(snapshot.rows, entries, names, round_.places))  # fmt: skip


# -- advancement -------------------------------------------------------------------------------------------------


@dataclass
class ZoneCut:
    zone: str
    entrants: int
    size: int
    cut: rankings.CutLine


@dataclass
class GroupAdvancement:
    group_code: str
    group_name: str
    quota: Quota | None
    entrants: int
    size: int | None  # places for the group; None until a quota is set
    lines: list[RankingLine]
    cut: rankings.CutLine | None
    zones: list[ZoneCut]
    checked: set[int]  # entry ids prefilled as advancing
    staged: dict[int, AdvancementDecision]

    @property
    def tied(self) -> set[int]:
        ids = set(self.cut.tied_at_cut) if self.cut else set()
        for z in self.zones:
            ids |= set(z.cut.tied_at_cut)
        return ids


def advancement_view(round_: ReviewRound) -> list[GroupAdvancement]:
    """Per group: the quota, its size, the ranking, the cut line with ties at the cut, and the
    decisions to prefill (the staged ones when any, else everyone inside the cut line).

    A proportional quota is apportioned to sub-zones (the events of a national round, the
    prefectures of an event's round) by their entries, and cut within each zone."""
    rows = rankings.compute_rows(round_)
    groups = groups_of_edition(round_.edition_id)
    quotas = {q.group_code: q for q in round_.quotas.all()}
    staged = {d.round_entry.entry_id: d for d in round_.decisions.select_related("round_entry")}
    entries = {
        re.entry_id: re
        for re in round_.round_entries.select_related(*_entry_relations(), "entry__event", "entry__division")
    }
    judges = dict(Expert.objects.filter(round_judges__round=round_).values_list("pk", "name"))
    national = round_.event_id is None
    out = []
    by_group: dict[str, list[rankings.RankingRow]] = {}
    for row in rows:
        by_group.setdefault(row.group, []).append(row)
    for code, group_rows in sorted(
        by_group.items(), key=lambda kv: (groups[kv[0]].order if kv[0] in groups else 99, kv[0])
    ):
        quota = quotas.get(code)
        size, cut, zones = None, None, []
        if quota is not None and quota.kind != QuotaKind.PROPORTIONAL:
            size = rankings.quota_size(quota, len(group_rows))
            cut = rankings.cut_line(group_rows, size)
        elif quota is not None:
            size = int(quota.total or 0)
            members: dict[str, list[rankings.RankingRow]] = {}
            for r in group_rows:
                members.setdefault(rankings.zone_of(entries[r.entry], national=national), []).append(r)
            shares = rankings.proportional_quotas(size, {z: len(m) for z, m in members.items()})
            zones = [
                ZoneCut(z, len(m), shares[z], rankings.cut_line(m, shares[z]))
                for z, m in sorted(members.items())
            ]
        items = [{**r.__dict__, "judges": r.judges, "tied_with": list(r.tied_with)} for r in group_rows]
        lines = _lines(items, entries, judges, round_.places)
        group_staged = {e: d for e, d in staged.items() if e in {r.entry for r in group_rows}}
        if group_staged:
            checked = {e for e, d in group_staged.items() if d.decision == "advance"}
        elif cut is not None:
            checked = set(cut.advancing)
        else:
            checked = {e for z in zones for e in z.cut.advancing}
        out.append(GroupAdvancement(code, groups[code].name if code in groups else code, quota, len(group_rows),
                                    size, lines, cut, zones, checked, group_staged))  # fmt: skip
    return out


def published_decisions(round_: ReviewRound) -> list[AdvancementDecision]:
    return list(
        round_.decisions.filter(published_at__isnull=False)
        .select_related(*_entry_relations("round_entry__entry"), "round_entry")
        .order_by("round_entry__entry__group__order", "rank", "round_entry__code")
    )
