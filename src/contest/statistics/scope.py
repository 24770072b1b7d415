"""THE scope of the statistics dashboard: one function decides what a user may count.

* the secretariat of an edition (a superuser or an edition-less secretariat role: every edition)
  sees the whole edition — every event, national review rounds included;
* an organizer sees the events their organizations host, lead or undertake
  (``catalog.EventOrganization``), in the editions those events belong to;
* everyone else — judges and entrants included — sees nothing: ``stats_scope_for_user`` answers
  None and the views answer 404.

Filters narrow the scope: an edition (default: the current one, else the newest the user may
see), an event of that edition within the user's reach, and a group (by code) of the edition.
An event outside the user's reach is None (404); an event the user reaches in *another* edition
is dropped (the filter form keeps the old value when only the edition is changed).

Every selector in ``statistics.selectors`` starts from ``StatsScope.entries()`` or
``StatsScope.rounds()``; nothing else in this app builds an unscoped queryset.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce

from django.db.models import Q, QuerySet

from contest.accounts.rules import (
    is_secretariat_for_edition,
    organizer_organization_ids,
    secretariat_edition_ids,
)
from contest.catalog.models import Edition, EditionGroup, Event
from contest.catalog.selectors import annotate_tier_rank
from contest.core.access import reach_of
from contest.registration.models import Entry
from contest.review.models import ReviewRound


@dataclass(frozen=True)
class StatsScope:
    edition: Edition
    editions: tuple[Edition, ...]  # the editions the user may switch to, newest first
    events: tuple[Event, ...]  # the edition's events in the user's reach, plan order
    groups: tuple[EditionGroup, ...]
    whole_edition: bool  # secretariat: national rounds and every event
    event: Event | None = None
    group: EditionGroup | None = None

    @property
    def event_ids(self) -> list[int]:
        return [self.event.pk] if self.event else [e.pk for e in self.events]

    @property
    def shown_events(self) -> tuple[Event, ...]:
        return (self.event,) if self.event else self.events

    @property
    def shown_groups(self) -> tuple[EditionGroup, ...]:
        return (self.group,) if self.group else self.groups

    def entries(self) -> QuerySet[Entry]:
        """Every entry the scope counts, unordered (selectors group and count it)."""
        queryset = Entry.objects.filter(edition_id=self.edition.pk)
        if self.event is not None or not self.whole_edition:
            queryset = queryset.filter(event_id__in=self.event_ids)
        if self.group is not None:
            queryset = queryset.filter(group_id=self.group.pk)
        return queryset.order_by()

    def rounds(self) -> QuerySet[ReviewRound]:
        """The review rounds the scope reports on: the events' rounds; for the secretariat without
        an event filter, the edition's national rounds too."""
        queryset = ReviewRound.objects.filter(edition_id=self.edition.pk)
        if self.event is not None or not self.whole_edition:
            queryset = queryset.filter(event_id__in=self.event_ids)
        return queryset

    def params(self) -> dict[str, str]:
        """The filter as query parameters (links between the dashboard and chart pages)."""
        params = {"edition": str(self.edition.number)}
        if self.event is not None:
            params["event"] = str(self.event.pk)
        if self.group is not None:
            params["group"] = self.group.code
        return params

    def describe(self) -> str:
        """The filter in words, for titles of pages and spreadsheets."""
        parts = [
            self.edition.title,
            self.event.name if self.event else ("全部赛事" if self.whole_edition else "我的赛事"),
        ]
        parts.append(self.group.name if self.group else "全部组别")
        return " · ".join(parts)


def _int(value: str | None) -> int | None:
    try:
        number = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        raise LookupError(value) from None
    if number is not None and not 0 < number < 2**31:
        raise LookupError(value)
    return number


def stats_scope_for_user(
    user, *, edition: str | None = None, event: str | None = None, group: str | None = None
) -> StatsScope | None:
    """The user's scope narrowed by the raw filter values (query parameters); None means 404.

    ``edition`` is an edition number, ``event`` an event id, ``group`` a group code.
    Five queries: the user's two role sets, the editions, the events, the groups.
    """
    try:
        edition_number, event_id = _int(edition), _int(event)
    except LookupError:
        return None
    secretariat = secretariat_edition_ids(user)
    organizations = organizer_organization_ids(user)
    if not secretariat and not organizations:
        return None
    hosted_events = reach_of(user).hosted_events
    editions_qs = Edition.objects.all()
    if None not in secretariat:
        conditions = []
        if secretariat:
            conditions.append(Q(pk__in=sorted(secretariat)))
        if organizations:
            hosted = Event.objects.filter(pk__in=hosted_events).values("edition_id")
            conditions.append(Q(pk__in=hosted))
        editions_qs = editions_qs.filter(reduce(operator.or_, conditions))
    editions = tuple(editions_qs.order_by("-number"))
    if edition_number is not None:
        chosen = next((e for e in editions if e.number == edition_number), None)
    else:
        chosen = next((e for e in editions if e.is_current), editions[0] if editions else None)
    if chosen is None:
        return None
    whole = is_secretariat_for_edition(user, chosen.pk)
    events_qs = Event.objects.filter(edition_id=chosen.pk)
    if not whole:
        events_qs = events_qs.filter(pk__in=hosted_events if hosted_events is not None else [])
    events = tuple(annotate_tier_rank(events_qs).order_by("tier_rank", "seq"))
    if not events and not whole:
        return None
    groups = tuple(EditionGroup.objects.filter(edition_id=chosen.pk).order_by("order", "code"))
    chosen_event = None
    if event_id is not None:
        chosen_event = next((e for e in events if e.pk == event_id), None)
        if chosen_event is None and not _reaches_event(secretariat, hosted_events, event_id):
            return None
    chosen_group = None
    if group:
        chosen_group = next((g for g in groups if g.code == group), None)
        if chosen_group is None:
            return None
    return StatsScope(
        edition=chosen,
        editions=editions,
        events=events,
        groups=groups,
        whole_edition=whole,
        event=chosen_event,
        group=chosen_group,
    )


def _reaches_event(secretariat: set, hosted_events, event_id: int) -> bool:
    """Whether an event of another edition is in the user's reach (then the filter is dropped)."""
    if None in secretariat:
        return Event.objects.filter(pk=event_id).exists()
    condition = Q(edition_id__in=sorted(e for e in secretariat if e is not None))
    if hosted_events is not None:
        condition |= Q(pk__in=hosted_events)
    return Event.objects.filter(condition, pk=event_id).exists()
