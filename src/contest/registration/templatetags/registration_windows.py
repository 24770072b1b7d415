"""Registration windows for catalog pages: ``{% load registration_windows %}``.

catalog sits below registration and never imports it; its templates load this library by
name instead (a template library is not a Python import), so the event page can show the
立即报名 button and the home page the 正在报名 list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from contest.catalog.countries import main_time_zone
from contest.catalog.enums import RegistrationMode, Tier
from contest.catalog.models import Edition, Event
from contest.catalog.selectors import RegistrationLink, registration_links
from contest.core.inputs import displayable, local
from contest.registration.models import Enterprise, Entry, MakerTeam, RegistrationWindow

register = template.Library()

UPCOMING, OPEN, CLOSED = "upcoming", "open", "closed"
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: zones that read the same clock as Beijing all year (no need to repeat the time)
BEIJING_ZONES = {"Asia/Shanghai", "PRC", "Asia/Chongqing", "Asia/Harbin"}


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
    #: the closing moment (for ``beijing_and_local``: an overseas entrant's own time beside Beijing's)
    closes_at: datetime | None = None


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
        closes_at=window.closes_at,
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


# -- deadlines beside the entrant's own time ------------------------------------------------------


def entrant_time_zone(*, entry: Entry | None = None, user=None) -> str | None:
    """The IANA zone an overseas entrant lives in: the entry's station, else the main zone of the
    entrant's country. None for mainland entrants (they read Beijing time only)."""
    if entry is not None:
        if entry.zone_id is not None:
            return entry.zone.time_zone
        entrant = entry.enterprise if entry.enterprise_id else entry.team
    elif user is not None and getattr(user, "is_authenticated", False):
        entrant = (
            Enterprise.objects.filter(owner=user).only("country").first()
            or MakerTeam.objects.filter(owner=user).only("is_overseas", "country").first()
        )
    else:
        return None
    if isinstance(entrant, Enterprise) and entrant.is_overseas:
        return main_time_zone(entrant.country)
    if isinstance(entrant, MakerTeam) and entrant.is_overseas:
        return main_time_zone(entrant.country)
    return None


def beside_beijing(moment: datetime, zone: str | None) -> str:
    """“2024-07-31 24:00 北京时间（18:00 Europe/Berlin）”: a moment in Beijing time (midnight is
    written as 24:00 of the day before, as the notices do), then in ``zone`` when it is another
    zone (with its date when the date differs). A moment local time cannot hold (year 9999, stored
    before inputs were bounded) is shown as the nearest one it can."""
    moment = displayable(moment)
    beijing = moment.astimezone(SHANGHAI)
    if beijing.time() == time.min:
        day, clock = (beijing - timedelta(days=1)).date(), "24:00"
    else:
        day, clock = beijing.date(), beijing.strftime("%H:%M")
    text = _("%(date)s %(time)s 北京时间") % {"date": day.isoformat(), "time": clock}
    if not zone or zone in BEIJING_ZONES:
        return text
    try:
        there = moment.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError, OverflowError):
        return text
    shown = there.strftime("%H:%M") if there.date() == day else there.strftime("%Y-%m-%d %H:%M")
    return _("%(beijing)s（%(local)s %(zone)s）") % {"beijing": text, "local": shown, "zone": zone}


@register.filter
def beijing_and_local(moment: datetime | None, zone: str | None = None) -> str:
    """``{{ window.closes_at|beijing_and_local:zone }}`` — ``zone`` from ``{% entrant_zone %}``."""
    if moment is None:
        return ""
    return beside_beijing(moment, zone)


@register.simple_tag(takes_context=True)
def entrant_zone(context, entry: Entry | None = None) -> str:
    """``{% entrant_zone entry as zone %}``: the signed-in overseas entrant's zone, or ""."""
    request = context.get("request")
    return entrant_time_zone(entry=entry, user=getattr(request, "user", None)) or ""
