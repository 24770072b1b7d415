"""The public catalog: editions, events, “which event is mine?” and organizations.

Read-only pages for anyone. Every read goes through ``contest.catalog.selectors``; list
pages run a fixed number of queries whatever the number of rows (see tests).
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from contest.catalog import selectors
from contest.catalog.enums import TIER_ORDER, OrgRole, RegistrationMode, Tier
from contest.catalog.models import Division, Edition, Event, Organization
from contest.core.forms import HardenedForm

# The enums' labels are translatable (gettext_lazy), so the English switch covers them.
TIER_LABELS = {tier: tier.label for tier in Tier}
ROLE_LABELS = {role: role.label for role in OrgRole}
MODE_LABELS = {mode: mode.label for mode in RegistrationMode}


# --- forms (GET filters; they never write) ---------------------------------------------------


class EventFilterForm(HardenedForm, forms.Form):
    tier = forms.ChoiceField(label=_("赛事类别"), required=False)
    province = forms.ChoiceField(label=_("省份"), required=False)
    q = forms.CharField(label=_("赛事名称"), required=False, max_length=100)

    def __init__(self, data, *, provinces: list[Division]):
        super().__init__(data)
        self.fields["tier"].choices = [("", _("全部类别")), *((t.value, TIER_LABELS[t]) for t in TIER_ORDER)]
        self.fields["province"].choices = [("", _("全部省份")), *((p.code, p.name) for p in provinces)]
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": _("如：深圳、网络安全")})

    def event_filter(self) -> selectors.EventFilter:
        """The valid part of the filter; a bad value drops only its own condition."""
        self.is_valid()
        data = self.cleaned_data
        return selectors.EventFilter(
            tier=data.get("tier") or None, province=data.get("province") or None, q=data.get("q") or None
        )

    def ignored(self) -> list[tuple[str, str]]:
        """[(field label, submitted value)] for each condition that was ignored as invalid."""
        return [(self.fields[name].label, self.data.get(name, "")) for name in self.errors]


class PlaceForm(HardenedForm, forms.Form):
    province = forms.ChoiceField(label=_("省份（自治区、直辖市）"), required=False)
    city = forms.ChoiceField(
        label=_("城市（地级市、州、盟）"),
        required=False,
        widget=forms.Select(attrs={"aria-describedby": "city-hint"}),
    )

    def __init__(self, data, *, provinces: list[Division], cities: list[Division]):
        super().__init__(data)
        self.fields["province"].choices = [("", _("请选择省份")), *((p.code, p.name) for p in provinces)]
        self.fields["city"].choices = [("", _("请选择城市")), *((c.code, c.name) for c in cities)]


# --- presentation rows -------------------------------------------------------------------------


@dataclass(frozen=True)
class Host:
    organization: Organization
    is_lead: bool


@dataclass(frozen=True)
class EventCard:
    """An event with what its row shows, computed from the prefetched roles (no queries)."""

    event: Event
    tier_label: str
    hosts: list[Host]
    undertakers: list[Organization]
    links: list[selectors.RegistrationLink]
    mode_label: str


def event_card(event: Event) -> EventCard:
    leads = {org.pk for org in selectors.lead_of(event)}
    return EventCard(
        event=event,
        tier_label=TIER_LABELS.get(event.tier, event.get_tier_display()),
        hosts=[Host(organization=org, is_lead=org.pk in leads) for org in selectors.hosts_of(event)],
        undertakers=selectors.undertakers_of(event),
        links=selectors.registration_links(event),
        mode_label=MODE_LABELS.get(event.registration_mode, event.get_registration_mode_display()),
    )


def _edition_or_404(number: int) -> Edition:
    edition = selectors.edition_by_number(number)
    if edition is None:
        raise Http404("no such edition")
    return edition


# --- views -----------------------------------------------------------------------------------


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    edition = selectors.current_edition()
    if edition is None:
        return render(request, "catalog/home_empty.html", {"section": "home"})
    return _render_edition_home(request, edition)


@require_safe
def edition_home(request: HttpRequest, number: int) -> HttpResponse:
    return _render_edition_home(request, _edition_or_404(number))


def _render_edition_home(request: HttpRequest, edition: Edition) -> HttpResponse:
    tiers = [
        {"value": value, "label": TIER_LABELS.get(value, label), "count": count}
        for value, label, count in selectors.tier_counts(edition)
    ]
    context = {
        "edition": edition,
        "tiers": tiers,
        "total": sum(t["count"] for t in tiers),
        "groups": list(selectors.groups_of(edition)),
        "section": "home",
    }
    return render(request, "catalog/edition_home.html", context)


@require_safe
def event_list(request: HttpRequest, number: int) -> HttpResponse:
    edition = _edition_or_404(number)
    form = EventFilterForm(request.GET, provinces=list(selectors.provinces_with_events(edition)))
    flt = form.event_filter()
    cards = [event_card(event) for event in selectors.events(edition, flt)]
    groups = [
        {"tier": tier, "label": TIER_LABELS[tier], "cards": rows}
        for tier, rows in _group_by_tier(cards).items()
    ]
    context = {
        "edition": edition,
        "form": form,
        "ignored": form.ignored(),
        "is_filtered": any((flt.tier, flt.province, flt.q)),
        "groups": groups,
        "total": len(cards),
        "section": "events",
    }
    return render(request, "catalog/event_list.html", context)


def _group_by_tier(cards: list[EventCard]) -> dict[str, list[EventCard]]:
    by_event = {card.event.pk: card for card in cards}
    grouped = selectors.events_by_tier(card.event for card in cards)
    return {tier: [by_event[event.pk] for event in events] for tier, events in grouped.items()}


@require_safe
def event_detail(request: HttpRequest, number: int, event_id: int) -> HttpResponse:
    edition = _edition_or_404(number)
    event = selectors.event_detail(edition, event_id)
    if event is None:
        raise Http404("no such event in this edition")
    context = {"edition": edition, "card": event_card(event), "event": event, "section": "events"}
    return render(request, "catalog/event_detail.html", context)


@require_safe
def event_list_current(request: HttpRequest) -> HttpResponse:
    edition = selectors.current_edition()
    if edition is None:
        return redirect("catalog:home")
    return redirect("catalog:event_list", number=edition.number)


@require_safe
def my_event_current(request: HttpRequest) -> HttpResponse:
    """/mine/: “哪个赛事是我的？” of the current edition, so the header can always link to it."""
    edition = selectors.current_edition()
    if edition is None:
        return redirect("catalog:home")
    return redirect("catalog:my_event", number=edition.number)


@require_safe
def my_event(request: HttpRequest, number: int) -> HttpResponse:
    """“哪个赛事是我的？”: province first, then city; a stale or unknown city is simply asked again."""
    edition = _edition_or_404(number)
    provinces = list(selectors.provinces())
    province = next((p for p in provinces if p.code == request.GET.get("province")), None)
    cities = list(selectors.cities_of(province)) if province else []
    city = next((c for c in cities if c.code == request.GET.get("city")), None)
    form = PlaceForm(
        {"province": province.code if province else "", "city": city.code if city else ""},
        provinces=provinces,
        cities=cities,
    )
    unknown_province = bool(request.GET.get("province")) and province is None
    result = None
    if province is not None and (city is not None or not cities):
        mine = selectors.events_for_place(edition, province, city)
        result = {
            "regional": event_card(mine.regional) if mine.regional else None,
            "thematic": [event_card(e) for e in mine.thematic],
            "overseas": event_card(mine.overseas) if mine.overseas else None,
            "place": city or province,
        }
    context = {
        "edition": edition,
        "form": form,
        "province": province,
        "city": city,
        "needs_city": province is not None and bool(cities) and city is None,
        "unknown_province": unknown_province,
        "result": result,
        "section": "mine",
    }
    return render(request, "catalog/my_event.html", context)


@require_safe
def organization_list(request: HttpRequest) -> HttpResponse:
    context = {
        "organizations": list(selectors.organizations()),
        "edition": selectors.current_edition(),
        "section": "organizations",
    }
    return render(request, "catalog/organization_list.html", context)


@require_safe
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organization = selectors.organization_by_pk(pk)
    if organization is None:
        raise Http404("no such organization")
    rows = [
        {
            "event": link.event,
            "tier_label": TIER_LABELS.get(link.event.tier, link.event.get_tier_display()),
            "role": link.role,
            "role_label": ROLE_LABELS.get(link.role, link.get_role_display()),
        }
        for link in selectors.organization_events(organization)
    ]
    context = {
        "organization": organization,
        "rows": rows,
        "edition": selectors.current_edition(),
        "section": "organizations",
    }
    return render(request, "catalog/organization_detail.html", context)
