"""The ``date`` and ``time`` filters every template uses, safe for instants local time cannot hold.

Loaded as a template *builtin* (settings: ``TEMPLATES[0]["OPTIONS"]["builtins"]``), so these replace
Django's own ``date`` and ``time`` filters everywhere without a ``{% load %}``. They behave exactly as
Django's, with one difference: Django converts an aware date-time to local time *before* its filter
runs (``expects_localtime``), and ``localtime`` of an instant at the end of the calendar (9999-12-31
23:59 UTC is in year 10000 at +08:00) raises ``OverflowError`` — a 500 on every page showing a row
stored before inputs were bounded, or through the admin or SQL. Here the conversion is done by the
filter: an instant local time cannot hold is shown as it is in UTC, ``9999-12-31 23:59 UTC``, whatever
the format asked for (a program's format — ISO 8601 ``c`` — gets that format in UTC), so the page still
opens and the row can be corrected.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django import template
from django.conf import settings
from django.template import defaultfilters
from django.utils import timezone

register = template.Library()


class _OutOfRange(Exception):
    pass


def _local(value):
    """``value`` in local time as the template engine would convert it, or :class:`_OutOfRange`."""
    if (
        isinstance(value, datetime)
        and settings.USE_TZ
        and not timezone.is_naive(value)
        and getattr(value, "convert_to_local_time", True)
    ):
        try:
            return timezone.localtime(value)
        except (OverflowError, ValueError) as exc:
            raise _OutOfRange from exc
    return value


#: formats read by programs (ISO 8601, RFC 5322, Unix time): the instant is given in that format, in UTC
MACHINE_FORMATS = frozenset({"c", "r", "U"})


def in_utc(value: datetime, arg: str | None = None) -> str:
    """How an instant local time cannot hold is shown: its UTC date and time, said to be UTC (or, for a
    format a program reads, ``c``, ``r`` and ``U``, that format of the UTC instant)."""
    utc = value.astimezone(UTC)
    if arg in MACHINE_FORMATS:
        return defaultfilters.date(utc, arg)
    return utc.strftime("%Y-%m-%d %H:%M UTC")


def safe_localtime(value):
    """``timezone.localtime`` for display: the value in local time, or as it is (UTC) when local time
    cannot hold it. For Python code that formats times shown to people."""
    try:
        return _local(value)
    except _OutOfRange:
        return value


@register.filter(is_safe=False)
def date(value, arg=None):
    """Django's ``date`` filter; an instant local time cannot hold is shown in UTC (:func:`in_utc`)."""
    try:
        local = _local(value)
    except _OutOfRange:
        return in_utc(value, arg)
    return defaultfilters.date(local, arg)


@register.filter(is_safe=False)
def time(value, arg=None):
    """Django's ``time`` filter; an instant local time cannot hold is shown in UTC (:func:`in_utc`)."""
    try:
        local = _local(value)
    except _OutOfRange:
        return in_utc(value)
    return defaultfilters.time(local, arg)
