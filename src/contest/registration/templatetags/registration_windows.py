"""Registration windows for catalog pages: ``{% load registration_windows %}``.

catalog sits below registration and never imports it; its templates load this library by
name instead (a template library is not a Python import), so the event page can show the
立即报名 button and the home page the 正在报名 list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django import template
from django.utils import timezone

from contest.catalog.enums import RegistrationMode, Tier
from contest.catalog.models import Edition, Event
from contest.catalog.selectors import RegistrationLink, registration_links
from contest.core.inputs import local
from contest.registration.models import RegistrationWindow

register = template.Library()

UPCOMING, OPEN, CLOSED = "upcoming", "open", "closed"


@dataclass(frozen=True)
class RegistrationButton:
    """What the event page offers: ``kind`` is "platform", "external" or "" (nothing to show).

    For "platform", ``state`` is upcoming / open / closed with the window's days (Beijing
    time); for "external", ``portals`` are the plan's addresses of the provincial portal.
    """

    kind: str
    state: str = ""
    opens_on: date | None = None
    closes_on: date | None = None
    portals: tuple[RegistrationLink, ...] = ()


@dataclass(frozen=True)
class OpenRegistration:
    event: Event
    closes_on: date


def window_state(window: RegistrationWindow, now: datetime) -> str:
    if now < window.opens_at:
        return UPCOMING
    return OPEN if window.is_open(now) else CLOSED


@register.simple_tag
def registration_button(event: Event) -> RegistrationButton:
    """The 立即报名 button's data for one event (one query for a platform event)."""
    if event.tier == Tier.NATIONAL_FINAL:
        return RegistrationButton(kind="")
    if event.registration_mode == RegistrationMode.EXTERNAL:
        portals = tuple(link for link in registration_links(event) if link.href and not link.is_official)
        return RegistrationButton(kind="external" if portals else "", portals=portals)
    window = RegistrationWindow.objects.filter(event=event).first()
    if window is None:
        return RegistrationButton(kind="")
    return RegistrationButton(
        kind="platform",
        state=window_state(window, timezone.now()),
        opens_on=local(window.opens_at).date(),
        closes_on=window.closes_on,
    )


@register.simple_tag
def open_registrations(edition: Edition) -> list[OpenRegistration]:
    """The edition's platform events taking registrations now, closing soonest first (one query)."""
    now = timezone.now()
    windows = (
        RegistrationWindow.objects.filter(
            event__edition=edition,
            event__registration_mode=RegistrationMode.PLATFORM,
            opens_at__lte=now,
            closes_on__gte=timezone.localdate(now),
        )
        .exclude(event__tier=Tier.NATIONAL_FINAL)
        .select_related("event", "event__edition")
        .order_by("closes_on", "event__tier", "event__seq", "event__pk")
    )
    return [OpenRegistration(event=w.event, closes_on=w.closes_on) for w in windows]
