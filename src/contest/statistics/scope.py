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

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext

from contest.catalog.models import Edition, EditionGroup, Event
from contest.catalog.selectors import annotate_tier_rank
from contest.core.access import management_scope, reach_of
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
            self.event.name
            if self.event
            else (gettext("全部赛事") if self.whole_edition else gettext("我的赛事")),
        ]
        parts.append(self.group.name if self.group else gettext("全部组别"))
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

    ``edition`` is an edition number, ``event`` an event id, ``group`` a group code. The reach is
    the tenancy scope of ``core.access``: the editions and events it opens are the ones counted.
    Five queries: the user's two role sets, the editions, the events, the groups.
    """
    try:
        edition_number, event_id = _int(edition), _int(event)
    except LookupError:
        return None
    edition_scope = management_scope(user, edition_field="pk", event_field="events")
    if edition_scope is None:
        return None
    # the events the user reaches, in any edition (the tenancy scope on Event)
    reached = Event.objects.filter(management_scope(user, event_field="pk"))
    # a subquery: the scope's join through ``events`` would repeat an edition per reached event
    editions = tuple(
        Edition.objects.filter(pk__in=Edition.objects.filter(edition_scope).values("pk")).order_by("-number")
    )
    if edition_number is not None:
        chosen = next((e for e in editions if e.number == edition_number), None)
    else:
        chosen = next((e for e in editions if e.is_current), editions[0] if editions else None)
    if chosen is None:
        return None
    reach = reach_of(user)
    whole = reach.all_editions or chosen.pk in reach.editions  # the secretariat of this edition
    events = tuple(annotate_tier_rank(reached.filter(edition_id=chosen.pk)).order_by("tier_rank", "seq"))
    if not events and not whole:
        return None
    groups = tuple(EditionGroup.objects.filter(edition_id=chosen.pk).order_by("order", "code"))
    chosen_event = None
    if event_id is not None:
        chosen_event = next((e for e in events if e.pk == event_id), None)
        # an event the user reaches in another edition is dropped; any other answers 404
        if chosen_event is None and not reached.filter(pk=event_id).exists():
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
