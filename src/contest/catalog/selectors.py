"""Reads for the catalog. Views and the API compose these; no N+1 (see tests)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When

from contest.catalog.enums import HOST_ROLES, TIER_ORDER, DivisionLevel, OrgRole, Tier
from contest.catalog.models import Division, Edition, Event, EventOrganization, Organization


def current_edition() -> Edition | None:
    return Edition.objects.filter(is_current=True).first() or Edition.objects.order_by("-number").first()


def edition_by_number(number: int) -> Edition | None:
    return Edition.objects.filter(number=number).first()


def editions() -> QuerySet[Edition]:
    return Edition.objects.annotate(event_count=Count("events")).prefetch_related("groups").order_by("-number")


def tier_counts(edition: Edition) -> list[tuple[str, str, int]]:
    """[(tier value, tier label, count)] in the plan's order, zero counts included."""
    counts = dict(edition.events.values_list("tier").annotate(n=Count("id")).order_by())
    return [(tier.value, tier.label, counts.get(tier.value, 0)) for tier in TIER_ORDER]


def with_roles(queryset: QuerySet[Event]) -> QuerySet[Event]:
    """Prefetch hosts and undertakers (as ``role_list``) and the divisions shown with an event."""
    return queryset.select_related("province", "city", "edition").prefetch_related(
        Prefetch(
            "roles",
            queryset=EventOrganization.objects.select_related("organization").order_by("order"),
            to_attr="role_list",
        )
    )


def hosts_of(event: Event) -> list[Organization]:
    return [r.organization for r in _roles(event) if r.role in HOST_ROLES]


def lead_of(event: Event) -> list[Organization]:
    return [r.organization for r in _roles(event) if r.role == OrgRole.LEAD]


def undertakers_of(event: Event) -> list[Organization]:
    return [r.organization for r in _roles(event) if r.role == OrgRole.UNDERTAKER]


def _roles(event: Event) -> list[EventOrganization]:
    roles = getattr(event, "role_list", None)
    if roles is None:
        roles = list(event.roles.select_related("organization").order_by("order"))
    return roles


@dataclass(frozen=True)
class EventFilter:
    tier: str | None = None
    province: str | None = None  # a province-level division code, e.g. "440000"
    q: str | None = None


def events(edition: Edition, flt: EventFilter | None = None) -> QuerySet[Event]:
    """Events of an edition in plan order (tier order, then sequence), filtered."""
    flt = flt or EventFilter()
    qs = Event.objects.filter(edition=edition)
    if flt.tier:
        qs = qs.filter(tier=flt.tier)
    if flt.province:
        qs = qs.filter(province__code=flt.province)
    if flt.q:
        term = flt.q.strip()
        qs = qs.filter(Q(name__icontains=term) | Q(theme__icontains=term) | Q(location__icontains=term))
    order = {tier.value: i for i, tier in enumerate(TIER_ORDER)}

    tier_rank = Case(*[When(tier=t, then=Value(i)) for t, i in order.items()], output_field=IntegerField())
    return with_roles(qs).annotate(tier_rank=tier_rank).order_by("tier_rank", "seq")


def events_by_tier(events_qs) -> OrderedDict[str, list[Event]]:
    grouped: OrderedDict[str, list[Event]] = OrderedDict((t.value, []) for t in TIER_ORDER)
    for event in events_qs:
        grouped[event.tier].append(event)
    return OrderedDict((k, v) for k, v in grouped.items() if v)


def event_detail(edition: Edition, event_id: int) -> Event | None:
    return with_roles(Event.objects.filter(edition=edition, pk=event_id)).first()


def provinces() -> QuerySet[Division]:
    return Division.objects.filter(level=DivisionLevel.PROVINCE).order_by("code")


def provinces_with_events(edition: Edition) -> QuerySet[Division]:
    return provinces().filter(events_in_province__edition=edition).distinct()


def cities_of(province: Division) -> QuerySet[Division]:
    return Division.objects.filter(parent=province).order_by("code")


@dataclass(frozen=True)
class MyEvents:
    regional: Event | None
    thematic: list[Event]
    overseas: Event | None


def events_for_place(edition: Edition, province: Division, city: Division | None) -> MyEvents:
    """The regional event that serves a place, and the thematic events open to everyone.

    The most specific served division wins: an entrant from 宁波 belongs to 宁波's
    event, not 浙江's; one from 兵团 to 兵团's. Thematic events take entrants from
    anywhere, by industry.
    """
    candidates = [d for d in (city, province) if d is not None]
    regional = None
    for division in candidates:
        regional = (
            with_roles(Event.objects.filter(edition=edition, tier=Tier.REGIONAL, served_divisions=division))
            .order_by("seq")
            .first()
        )
        if regional is not None:
            break
    thematic = list(events(edition, EventFilter(tier=Tier.THEMATIC)))
    overseas = with_roles(Event.objects.filter(edition=edition, tier=Tier.OVERSEAS_FINAL)).first()
    return MyEvents(regional=regional, thematic=thematic, overseas=overseas)


def regional_event_for_division(edition: Edition, division: Division) -> Event | None:
    """For a division of any level (e.g. derived from a credit code)."""
    city = division if division.level == DivisionLevel.PREFECTURE else None
    return events_for_place(edition, division.province, city).regional


def organizations() -> QuerySet[Organization]:
    return Organization.objects.annotate(
        event_count=Count("roles__event", distinct=True),
    ).order_by("-event_count", "name")


def organization_events(organization: Organization) -> QuerySet[EventOrganization]:
    return (
        EventOrganization.objects.filter(organization=organization)
        .select_related("event", "event__edition", "event__province")
        .order_by("-event__edition__number", "event__tier", "event__seq")
    )
