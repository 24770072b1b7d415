"""Reads for the catalog. Views and the API compose these; no N+1 (see tests)."""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When

from contest.catalog.enums import HOST_ROLES, TIER_ORDER, DivisionLevel, OrgRole, Tier
from contest.catalog.models import Division, Edition, EditionGroup, Event, EventOrganization, Organization


def current_edition() -> Edition | None:
    return Edition.objects.filter(is_current=True).first() or Edition.objects.order_by("-number").first()


def edition_by_number(number: int) -> Edition | None:
    return Edition.objects.filter(number=number).first()


def editions() -> QuerySet[Edition]:
    return (
        Edition.objects.annotate(event_count=Count("events")).prefetch_related("groups").order_by("-number")
    )


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


# --- reads for the API and exports -------------------------------------------------------------


def annotate_tier_rank(queryset: QuerySet[Event]) -> QuerySet[Event]:
    """Add ``tier_rank``: the tier's position in the plan (national final first, overseas last)."""
    rank = Case(
        *[When(tier=tier.value, then=Value(i)) for i, tier in enumerate(TIER_ORDER)],
        output_field=IntegerField(),
    )
    return queryset.annotate(tier_rank=rank)


def host_roles_of(event: Event) -> list[EventOrganization]:
    """The event's host and lead roles in plan order, each with its organization."""
    return [r for r in _roles(event) if r.role in HOST_ROLES]


def event_by_id(event_id: int) -> Event | None:
    """One event of any edition, with roles and the divisions it serves."""
    return (
        with_roles(Event.objects.filter(pk=event_id))
        .prefetch_related(Prefetch("served_divisions", queryset=Division.objects.order_by("code")))
        .first()
    )


def division_by_code(code: str) -> Division | None:
    return Division.objects.filter(code=code).select_related("parent").first()


def organizations_matching(q: str | None = None) -> QuerySet[Organization]:
    """Organizations with ``event_count``, most active first, optionally filtered by name."""
    qs = organizations()
    term = (q or "").strip()
    if term:
        qs = qs.filter(name__icontains=term)
    return qs


def organization_with_count(organization_id: int) -> Organization | None:
    return organizations().filter(pk=organization_id).first()


def events_of_organization(organization: Organization) -> QuerySet[Event]:
    """Events the organization takes part in, newest edition first, then plan order.

    Each event carries ``org_roles``: this organization's roles in it, in plan order.
    """
    event_ids = EventOrganization.objects.filter(organization=organization).values("event_id")
    qs = Event.objects.filter(pk__in=event_ids).select_related("edition", "province", "city")
    qs = qs.prefetch_related(
        Prefetch(
            "roles",
            queryset=EventOrganization.objects.filter(organization=organization).order_by("order"),
            to_attr="org_roles",
        )
    )
    return annotate_tier_rank(qs).order_by("-edition__number", "tier_rank", "seq")


def organization_by_pk(pk: int) -> Organization | None:
    return Organization.objects.filter(pk=pk).first()


@dataclass(frozen=True)
class RegistrationLink:
    """One registration address of an event: ``text`` as the plan writes it, ``href`` with a scheme."""

    text: str
    href: str | None
    is_official: bool


# An address with or without a scheme; its path stops at the first non-ASCII character (“或”).
_URL_TOKEN = re.compile(r"(?:https?://)?(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:[/?#][!-~]*)?", re.IGNORECASE)


def _site_key(url: str) -> str:
    """``http://www.cnmaker.org.cn/`` and ``www.cnmaker.org.cn`` name the same site."""
    key = re.sub(r"^https?://", "", url.strip(), flags=re.IGNORECASE).rstrip("/").lower()
    return key.removeprefix("www.")


def registration_links(event: Event) -> list[RegistrationLink]:
    """The event's registration addresses, each marked official (the edition's site) or external.

    A scheme-less address such as ``www.cnmaker.org.cn`` is linked as ``http://…``; text that
    holds no address at all is kept as text without a link.
    """
    official = _site_key(event.edition.official_site)
    links = []
    for raw in event.registration_urls or []:
        written = str(raw).strip()
        if not written:
            continue
        addresses = [m.group(0) for m in _URL_TOKEN.finditer(written)]
        if not addresses:
            links.append(RegistrationLink(text=written, href=None, is_official=False))
        for text in addresses:
            href = text if re.match(r"^https?://", text, re.IGNORECASE) else f"http://{text}"
            links.append(RegistrationLink(text=text, href=href, is_official=_site_key(text) == official))
    return links


def groups_of(edition: Edition) -> QuerySet[EditionGroup]:
    """The groups an edition runs (企业组, 创客组 …) in their order."""
    return EditionGroup.objects.filter(edition=edition).order_by("order", "code")
