"""Reads for registration. Tenancy lives here: every organizer or secretariat read of entries
goes through ``entries_for_user``, composed with the small ``filter_*`` / ``annotate_*`` helpers.

Scope (the same as the predicates in ``registration.rules``):

* an organizer sees the entries of the events their organization hosts, leads or undertakes;
* the secretariat sees every event of its edition (all editions for a superuser or an
  edition-less secretariat role);
* everyone else sees nothing here (entrants read their own entries through their own pages);
* an entry never submitted (a draft, or a draft withdrawn) is its entrant's private workspace:
  no organizer or secretariat sees it here — only ``draft_count`` tells how many are in progress.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from contest.catalog.enums import Tier
from contest.catalog.models import Division, Edition, EditionGroup, Event
from contest.catalog.selectors import annotate_tier_rank, regional_event_for_division
from contest.core.access import management_scope
from contest.registration.enums import AWAITING_REVIEW, EntryStatus, GroupKind
from contest.registration.models import (
    DuplicateFlag,
    Enterprise,
    Entry,
    EntryTransition,
    MakerTeam,
    Submission,
)

S = EntryStatus

# -- scope --------------------------------------------------------------------------------------


def entries_for_user(user, *, event: Event | None = None) -> QuerySet[Entry]:
    """THE tenancy selector: the entries ``user`` may review, optionally of one event. Entries
    never submitted are left out (``rules.was_submitted``)."""
    scope = management_scope(user, event_field="event_id")
    if scope is None:
        return Entry.objects.none()
    queryset = Entry.objects.filter(scope, submitted_at__isnull=False)
    if event is not None:
        queryset = queryset.filter(event=event)
    return queryset


def draft_count(user, event: Event) -> int:
    """How many drafts of ``event`` are in progress — a number only: their content stays private."""
    scope = management_scope(user, event_field="event_id")
    if scope is None:
        return 0
    return Entry.objects.filter(scope, event=event, status=S.DRAFT).count()


def events_for_user(user) -> QuerySet[Event]:
    """The events ``user`` may manage (no annotations)."""
    scope = management_scope(user, event_field="pk")
    if scope is None:
        return Event.objects.none()
    return Event.objects.filter(scope)


def event_for_user(user, event_id: int) -> Event | None:
    """One event the user may manage, with its edition, window and roles; None when out of scope."""
    return (
        events_for_user(user)
        .filter(pk=event_id)
        .select_related("edition", "province", "city", "registration_window")
        .first()
    )


def can_use_console(user) -> bool:
    return management_scope(user, event_field="pk") is not None


def events_for_organizer(user) -> QuerySet[Event]:
    """The console home: the user's events, newest edition first, in plan order, with counts.

    Each event carries ``entry_total`` (entries that are not drafts or withdrawn),
    ``awaiting_review``, ``returned_count``, ``qualified_count``, ``disqualified_count``
    and ``draft_count``; ``registration_window`` is joined.
    """
    queryset = events_for_user(user).select_related("edition", "registration_window")
    queryset = annotate_tier_rank(queryset).annotate(
        entry_total=Count("entries", filter=~Q(entries__status__in=[S.DRAFT, S.WITHDRAWN])),
        awaiting_review=Count("entries", filter=Q(entries__status__in=sorted(AWAITING_REVIEW))),
        returned_count=Count("entries", filter=Q(entries__status=S.RETURNED)),
        qualified_count=Count("entries", filter=Q(entries__status=S.QUALIFIED)),
        disqualified_count=Count("entries", filter=Q(entries__status=S.DISQUALIFIED)),
        draft_count=Count("entries", filter=Q(entries__status=S.DRAFT)),
    )
    return queryset.order_by("-edition__number", "tier_rank", "seq")


# -- where an entrant may register ---------------------------------------------------------------


@dataclass(frozen=True)
class EntrantEvents:
    """The events an entrant may register in: the regional event of their division (it may
    register on an external site) and the edition's thematic events, in plan order."""

    regional: Event | None
    thematic: list[Event]

    def offers(self, event: Event) -> bool:
        return any(e.pk == event.pk for e in [*([self.regional] if self.regional else []), *self.thematic])


def events_open_to_entrant(edition: Edition, division: Division | None) -> EntrantEvents:
    """THE rule of where an entrant registers (the entry form and the API both use it): the
    regional event of the enterprise's registered division (or the team's place), or any
    thematic event of the edition."""
    regional = regional_event_for_division(edition, division) if division is not None else None
    if regional is not None:
        regional = Event.objects.select_related("registration_window", "edition").get(pk=regional.pk)
    thematic = list(
        Event.objects.filter(edition=edition, tier=Tier.THEMATIC)
        .select_related("registration_window")
        .order_by("seq")
    )
    return EntrantEvents(regional=regional, thematic=thematic)


def may_enter(event: Event, division: Division | None) -> bool:
    """Whether an entrant of ``division`` may register in ``event`` (see ``events_open_to_entrant``)."""
    if event.tier == Tier.THEMATIC:
        return True
    if event.tier != Tier.REGIONAL or division is None:
        return False
    regional = regional_event_for_division(event.edition, division)
    return regional is not None and regional.pk == event.pk


def entrant_profile(user, group_code: str) -> Enterprise | MakerTeam | None:
    """The user's enterprise (企业组) or maker team (创客组), with its division."""
    model = Enterprise if group_code == GroupKind.ENTERPRISE else MakerTeam
    return model.objects.filter(owner=user).select_related("division__parent").first()


# -- filters ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryFilter:
    group: str | None = None  # an EditionGroup code
    status: str | None = None
    industry: str | None = None  # a GB/T 4754 section letter
    division: str | None = None  # a province-level division code, e.g. "330000"
    q: str | None = None

    @property
    def is_active(self) -> bool:
        return any((self.group, self.status, self.industry, self.division, self.q))


def filter_group(queryset: QuerySet[Entry], code: str | None) -> QuerySet[Entry]:
    return queryset.filter(group__code=code) if code else queryset


def filter_status(queryset: QuerySet[Entry], status: str | None) -> QuerySet[Entry]:
    return queryset.filter(status=status) if status else queryset


def filter_industry(queryset: QuerySet[Entry], industry: str | None) -> QuerySet[Entry]:
    return queryset.filter(industry=industry) if industry else queryset


def filter_division(queryset: QuerySet[Entry], code: str | None) -> QuerySet[Entry]:
    """Entries whose division is the province itself or one of its prefectures."""
    if not code:
        return queryset
    return queryset.filter(Q(division__code=code) | Q(division__parent__code=code))


def filter_search(queryset: QuerySet[Entry], q: str | None) -> QuerySet[Entry]:
    """Part of the title, number, entrant name, or credit code (case-insensitive)."""
    term = (q or "").strip()
    if not term:
        return queryset
    return queryset.filter(
        Q(title__icontains=term)
        | Q(number__icontains=term)
        | Q(enterprise__name__icontains=term)
        | Q(team__name__icontains=term)
        | Q(credit_code__icontains=term.upper())
    )


def apply_filter(queryset: QuerySet[Entry], flt: EntryFilter | None) -> QuerySet[Entry]:
    flt = flt or EntryFilter()
    queryset = filter_group(queryset, flt.group)
    queryset = filter_status(queryset, flt.status)
    queryset = filter_industry(queryset, flt.industry)
    queryset = filter_division(queryset, flt.division)
    return filter_search(queryset, flt.q)


# -- annotations --------------------------------------------------------------------------------


def annotate_duplicate_count(queryset: QuerySet[Entry]) -> QuerySet[Entry]:
    """``duplicate_count``: how many near-duplicate flags the entry carries (a subquery, so a
    paginated list computes it for the rows shown only)."""
    flags = (
        DuplicateFlag.objects.filter(entry_id=OuterRef("pk"))
        .order_by()
        .values("entry_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return queryset.annotate(duplicate_count=Coalesce(Subquery(flags, output_field=IntegerField()), Value(0)))


def with_list_relations(queryset: QuerySet[Entry]) -> QuerySet[Entry]:
    """What a list row shows: group, entrant, division; no query per row."""
    return queryset.select_related("group", "enterprise", "team", "division", "division__parent")


def annotate_awaiting_decision(queryset: QuerySet[Entry]) -> QuerySet[Entry]:
    """``awaiting_decision``: 1 while a qualification decision is open (submitted, resubmitted)."""
    return queryset.annotate(
        awaiting_decision=Case(
            When(status__in=sorted(AWAITING_REVIEW), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )


#: the review order: entries awaiting a decision first, then the rest; newest first within each block
REVIEW_ORDER = ("-awaiting_decision", "-pk")


def console_entries(user, event: Event, flt: EntryFilter | None = None) -> QuerySet[Entry]:
    """The console's entry list for one event: filtered, annotated, in the review order
    (``REVIEW_ORDER``: what awaits a decision first, newest first within each block)."""
    queryset = apply_filter(entries_for_user(user, event=event), flt)
    return annotate_awaiting_decision(annotate_duplicate_count(with_list_relations(queryset))).order_by(
        *REVIEW_ORDER
    )


def next_pending_entry(user, entry: Entry) -> Entry | None:
    """The next entry of ``entry``'s event awaiting a decision, in the list's review order: the
    first pending one after ``entry`` (older), else the first from the top; None when none is left."""
    pending = entries_for_user(user, event=entry.event).filter(status__in=sorted(AWAITING_REVIEW))
    after = Case(When(pk__lt=entry.pk, then=Value(1)), default=Value(0), output_field=IntegerField())
    return pending.exclude(pk=entry.pk).annotate(after=after).order_by("-after", "-pk").first()


def export_entries(user, event: Event, flt: EntryFilter | None = None) -> QuerySet[Entry]:
    """Every filtered entry with everything an export row needs, in number order."""
    queryset = apply_filter(entries_for_user(user, event=event), flt)
    queryset = annotate_duplicate_count(queryset).select_related(
        "event", "group", "enterprise", "team", "team__division", "division", "division__parent"
    )
    return queryset.prefetch_related("team__members").order_by("number", "pk")


# -- counts -------------------------------------------------------------------------------------


@dataclass
class CountTable:
    """Entries by status (rows, in lifecycle order) × group (columns, in edition order)."""

    groups: list[EditionGroup]
    rows: list[tuple[str, list[int], int]] = field(default_factory=list)  # (status, per group, total)
    column_totals: list[int] = field(default_factory=list)
    total: int = 0

    def count(self, status: str, group_code: str) -> int:
        index = [g.code for g in self.groups].index(group_code)
        return next(row[1][index] for row in self.rows if row[0] == status)


#: the statuses an organizer sees (drafts are private: only their number is shown, ``draft_count``)
SUBMITTED_STATUSES = [s for s in S if s != S.DRAFT]


def status_group_counts(queryset: QuerySet[Entry], groups: list[EditionGroup]) -> CountTable:
    """One aggregate query over ``queryset``; every status but the draft and every group appear,
    zeros included."""
    raw = dict.fromkeys(((s.value, g.pk) for s in SUBMITTED_STATUSES for g in groups), 0)
    rows = queryset.order_by().values("status", "group_id").annotate(n=Count("id"))
    for row in rows:
        key = (row["status"], row["group_id"])
        if key in raw:
            raw[key] = row["n"]
    table = CountTable(groups=groups)
    for status in SUBMITTED_STATUSES:
        cells = [raw[(status.value, g.pk)] for g in groups]
        table.rows.append((status.value, cells, sum(cells)))
    table.column_totals = [sum(row[1][i] for row in table.rows) for i in range(len(groups))]
    table.total = sum(table.column_totals)
    return table


def groups_of_event(event: Event) -> list[EditionGroup]:
    return list(EditionGroup.objects.filter(edition_id=event.edition_id).order_by("order", "code"))


# -- one entry ----------------------------------------------------------------------------------


def entry_for_console(user, entry_id: int) -> Entry | None:
    """One entry in the user's scope with everything the detail page shows; None otherwise."""
    queryset = entries_for_user(user).filter(pk=entry_id)
    queryset = queryset.select_related(
        "edition", "event", "group", "owner", "enterprise", "enterprise__division",
        "enterprise__division__parent", "team", "team__division", "division", "division__parent",
    ).prefetch_related(
        "team__members",
        "images",
        Prefetch("submissions", queryset=Submission.objects.order_by("submitted_at", "pk")),
        Prefetch(
            "transitions",
            queryset=EntryTransition.objects.select_related("actor").order_by("at", "pk"),
        ),
        Prefetch(
            "duplicate_flags",
            queryset=DuplicateFlag.objects.select_related("other", "other__event").order_by("-score", "pk"),
        ),
    )  # fmt: skip
    return queryset.first()


def visible_entry_ids(user, ids: list[int]) -> set[int]:
    """Which of ``ids`` the user may open in the console (e.g. the other side of a duplicate)."""
    if not ids:
        return set()
    return set(entries_for_user(user).filter(pk__in=ids).values_list("pk", flat=True))


def entries_by_ids(user, event: Event, ids: list[int]) -> list[Entry]:
    """The selected entries of a bulk action, in the user's scope and the event; others dropped."""
    return list(entries_for_user(user, event=event).filter(pk__in=ids).order_by("pk"))


def status_order() -> OrderedDict[str, str]:
    return OrderedDict((s.value, s.label) for s in S)


# -- blind review: whether an entrant is warned that the plan must not name them ----------------------

#: ``review.enums.RoundStatus.PUBLISHED``: a round whose results are published reads no more plans
ROUND_PUBLISHED = "published"


def review_is_blind(event) -> bool:
    """Will the plans of ``event``'s entries be read in a blind round? One query."""
    if event is None:
        return True
    rounds = list(
        event.edition.review_rounds.filter(Q(event=event) | Q(event__isnull=True))
        .exclude(status=ROUND_PUBLISHED)
        .values_list("event_id", "blind")
    )
    if not any(event_id == event.pk for event_id, _blind in rounds):
        return True  # no round of its own yet: a round is blind by default
    return any(blind for _event_id, blind in rounds)
