"""Reads about recommendations into the national review: what the national round takes, which
quota rows a project counts against, the secretariat's checklist of every feeding event and an
event organizer's page. Every list is a fixed number of queries whatever the number of events."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from contest.catalog.enums import Tier
from contest.catalog.models import Edition, EditionGroup, Event
from contest.core.access import management_scope
from contest.registration.enums import EntryStatus
from contest.review.enums import RecommendationStatus, RoundStatus
from contest.review.models import (
    Recommendation,
    RecommendationDeadline,
    RecommendationQuota,
    ReviewRound,
)

#: an entry an event may recommend, and that the national review still takes
RECOMMENDABLE = frozenset({EntryStatus.SUBMITTED, EntryStatus.RESUBMITTED, EntryStatus.QUALIFIED})


def recommended_for_national(edition_id: int) -> QuerySet[Recommendation]:
    """THE definition of what the national review takes: the edition's recommendations standing
    (not withdrawn) whose entry still stands (not withdrawn, disqualified or returned since)."""
    return (
        Recommendation.objects.filter(
            edition_id=edition_id,
            status=RecommendationStatus.RECOMMENDED,
            entry__status__in=sorted(RECOMMENDABLE),
        )
        .select_related("entry")
        .order_by("event_id", "group_code", "rank", "pk")
    )


def quota_matches(quota: RecommendationQuota, *, group_code: str, industry: str, zone_id: int | None) -> bool:
    """Whether a project of ``group_code``/``industry``/``zone_id`` counts against ``quota``."""
    return (
        quota.group_code == group_code
        and (not quota.industry or quota.industry == industry)
        and (quota.zone_id is None or quota.zone_id == zone_id)
    )


def group_total(quotas: Iterable[RecommendationQuota], group_code: str) -> int | None:
    """A group's places at an event: its own row (no industry, no station); else the sum of its
    stations' rows; else the sum of its industries' rows; None when nothing is set."""
    rows = [q for q in quotas if q.group_code == group_code]
    if not rows:
        return None
    whole = [q.count for q in rows if not q.industry and q.zone_id is None]
    if whole:
        return whole[0]
    zones = [q.count for q in rows if not q.industry and q.zone_id is not None]
    if zones:
        return sum(zones)
    return sum(q.count for q in rows if q.industry and q.zone_id is None) or None


def deadline_of(edition_id: int) -> datetime | None:
    row = RecommendationDeadline.objects.filter(edition_id=edition_id).first()
    return row.due_at if row else None


def feeding_events(edition: Edition) -> QuerySet[Event]:
    """The events that recommend into the national review: every event but the national final."""
    return Event.objects.filter(edition=edition).exclude(tier=Tier.NATIONAL_FINAL).order_by("tier", "seq")


def recommendation_events_for_user(user, edition: Edition) -> QuerySet[Event]:
    """THE tenancy selector of the recommendation pages: the feeding events of ``edition`` the user
    manages (the secretariat: all of them; an organizer: the events their organizations run)."""
    scope = management_scope(user, event_field="id")
    if scope is None:
        return Event.objects.none()
    return feeding_events(edition).filter(scope)


def editions_for_user(user) -> list[Edition]:
    """The editions with feeding events in the user's scope, newest first."""
    scope = management_scope(user, event_field="id")
    if scope is None:
        return []
    ids = Event.objects.filter(scope).exclude(tier=Tier.NATIONAL_FINAL).values("edition_id")
    return list(Edition.objects.filter(pk__in=ids).order_by("-number"))


def recommendation_event_for_user(user, edition: Edition | None, pk) -> Event | None:
    if edition is None or pk is None:
        return None
    return recommendation_events_for_user(user, edition).select_related("edition").filter(pk=pk).first()


# -- the secretariat's checklist ------------------------------------------------------------------------


@dataclass
class ChecklistRow:
    event: Event
    group_code: str
    group_name: str
    recommended: int
    quota: int | None
    missing_materials: int
    late: int
    overdue: bool

    @property
    def short(self) -> int:
        """Places not yet used (never negative)."""
        return max((self.quota or 0) - self.recommended, 0)

    @property
    def state(self) -> str:
        """``none`` (no quota), ``complete``, ``partial`` or ``missing`` (nothing recommended)."""
        if self.quota is None:
            return "none"
        if self.recommended >= self.quota:
            return "complete"
        return "partial" if self.recommended else "missing"


@dataclass
class Checklist:
    edition: Edition
    rows: list[ChecklistRow]
    deadline: datetime | None
    totals: dict[str, int] = field(default_factory=dict)
    events: int = 0
    #: every group of the edition (code, name), for the filter
    groups: list[tuple[str, str]] = field(default_factory=list)


CHECKLIST_STATES = ("missing", "partial", "complete", "none", "late", "materials")
CHECKLIST_SORTS = ("plan", "short", "recommended", "late", "materials")


def checklist(edition: Edition, events_qs: QuerySet[Event], *, tier: str = "", group: str = "", state: str = "",
              sort: str = "plan", query: str = "") -> Checklist:  # fmt: skip
    """One row per event of ``events_qs`` (the feeding events in the reader's scope,
    ``recommendation_events_for_user``) and group of the edition: recommended, places, recommended
    without a business plan (missing materials), recommended late, and whether the deadline passed
    with places unused (overdue). Five queries."""
    if tier:
        events_qs = events_qs.filter(tier=tier)
    if query:
        events_qs = events_qs.filter(name__icontains=query)
    events = list(events_qs)
    all_groups = [
        (g.code, g.name) for g in EditionGroup.objects.filter(edition=edition).order_by("order", "code")
    ]
    groups = [g for g in all_groups if g[0] == group] if group else all_groups
    ids = [e.pk for e in events]
    quotas: dict[int, list[RecommendationQuota]] = {}
    for q in RecommendationQuota.objects.filter(event_id__in=ids):
        quotas.setdefault(q.event_id, []).append(q)
    counts = {
        (r["event_id"], r["group_code"]): r
        for r in Recommendation.objects.filter(event_id__in=ids, status=RecommendationStatus.RECOMMENDED)
        .values("event_id", "group_code")
        .annotate(
            n=Count("id"),
            late=Count("id", filter=Q(on_time=False)),
            materials=Count("id", filter=Q(entry__business_plan="")),
        )
    }
    deadline = deadline_of(edition.pk)
    past = deadline is not None and timezone.now() > deadline
    rows = []
    for event in events:
        for code, name in groups:
            found = counts.get((event.pk, code), {})
            total = group_total(quotas.get(event.pk, []), code)
            n = found.get("n", 0)
            rows.append(ChecklistRow(event=event, group_code=code, group_name=name, recommended=n, quota=total,
                                     missing_materials=found.get("materials", 0), late=found.get("late", 0),
                                     overdue=past and total is not None and n < total))  # fmt: skip
    if state in ("missing", "partial", "complete", "none"):
        rows = [r for r in rows if r.state == state]
    elif state == "late":
        rows = [r for r in rows if r.late or r.overdue]
    elif state == "materials":
        rows = [r for r in rows if r.missing_materials]
    keys = {
        "short": lambda r: (-r.short, r.event.tier, r.event.seq),
        "recommended": lambda r: (-r.recommended, r.event.tier, r.event.seq),
        "late": lambda r: (-(r.late + r.overdue), r.event.tier, r.event.seq),
        "materials": lambda r: (-r.missing_materials, r.event.tier, r.event.seq),
    }
    if sort in keys:
        rows.sort(key=keys[sort])
    totals = {
        "recommended": sum(r.recommended for r in rows),
        "quota": sum(r.quota or 0 for r in rows),
        "missing_materials": sum(r.missing_materials for r in rows),
        "late": sum(r.late for r in rows),
        "overdue": sum(1 for r in rows if r.overdue),
        "complete": sum(1 for r in rows if r.state == "complete"),
    }
    return Checklist(edition=edition, rows=rows, deadline=deadline, totals=totals,
                     events=len({r.event.pk for r in rows}), groups=all_groups)  # fmt: skip


# -- an event's page ----------------------------------------------------------------------------------


@dataclass
class QuotaUse:
    quota: RecommendationQuota
    used: int


def event_quotas(event: Event) -> list[QuotaUse]:
    """The event's quota rows with how many standing recommendations count against each."""
    quotas = list(RecommendationQuota.objects.filter(event=event).select_related("zone"))
    standing = list(
        Recommendation.objects.filter(event=event, status=RecommendationStatus.RECOMMENDED).values_list(
            "group_code", "entry__industry", "zone_id"
        )
    )
    return [QuotaUse(q, sum(1 for g, i, z in standing if quota_matches(q, group_code=g, industry=i, zone_id=z)))
            for q in quotas]  # fmt: skip


def event_recommendations(event: Event) -> QuerySet[Recommendation]:
    """Every recommendation of the event (withdrawn ones too), standing first, by group and rank."""
    return (
        Recommendation.objects.filter(event=event)
        .select_related("entry", "entry__enterprise", "entry__team", "zone", "recommended_by")
        .order_by("status", "group_code", "rank", "pk")
    )


def recommendation_in_event(event: Event, pk) -> Recommendation | None:
    """The event's recommendation ``pk``, or None."""
    if pk is None:
        return None
    return Recommendation.objects.filter(event=event, pk=pk).select_related("event", "entry").first()


def last_published_round(event: Event) -> ReviewRound | None:
    """The event's last published round: one no published round of the event follows; the latest
    created when there are several."""
    return (
        ReviewRound.objects.filter(event=event, status=RoundStatus.PUBLISHED)
        .exclude(next_rounds__status=RoundStatus.PUBLISHED)
        .order_by("-created_at", "-pk")
        .first()
    )


def quotas_of_events(event_ids: list[int], *, event_id: int | None = None) -> list[RecommendationQuota]:
    """The quota rows of ``event_ids`` (one event's when ``event_id``), in plan order."""
    rows = RecommendationQuota.objects.filter(event_id__in=event_ids)
    if event_id is not None:
        rows = rows.filter(event_id=event_id)
    return list(rows.select_related("event", "zone").order_by("event__tier", "event__seq", "group_code", "zone__order",
                                                              "industry", "pk"))  # fmt: skip
