"""What every input must satisfy before a service stores it: text without control characters,
dates and times inside the competition's calendar, numbers written in plain ASCII digits.

One definition, used by the site's forms (``HardenedForm``), the API's schemas
(``contest.core.api.Text``) and services that read raw request data.

* **Text**: C0 control characters other than tab, newline and carriage return, and DEL, are
  refused — including NUL, which PostgreSQL cannot store, and ESC, which a workbook cannot hold.
  Unpaired surrogates (which no UTF-8 text can hold) are refused too.
* **Dates and times**: from ``EARLIEST`` to ``LATEST``. Anything outside is a typo (0001-01-01,
  9999-12-31) that would otherwise break every page that adds a day or a time zone to it.
* **Numbers**: only ASCII digits, one optional sign and one decimal point: ``1_0`` (Python's digit
  separator), full-width ``５０`` and Arabic-Indic ``٥٠`` are refused rather than silently read.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext

from contest.core.errors import ValidationFailed

#: C0 controls except \t \n \r, DEL, and lone surrogates
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
#: the longest number text accepted: more digits than any amount or score needs
MAX_NUMBER_LENGTH = 30


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None."""
    if CONTROL_CHARACTERS.search(value):
        return gettext("含有不可见的控制字符，请删除后重试。")
    return None


def check_text(value: str, *, field: str | None = None) -> str:
    """``value`` if it may be stored; otherwise ``ValidationFailed`` naming ``field``."""
    problem = text_problem(value)
    if problem:
        raise ValidationFailed(problem, field=field, code="control_characters")
    return value


def date_problem(value: date | datetime) -> str | None:
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        return gettext("日期须在 %(earliest)s 至 %(latest)s 之间。") % {
            "earliest": EARLIEST.isoformat(),
            "latest": LATEST.isoformat(),
        }
    return None


def check_date(value, *, field: str | None = None):
    """``value`` (a date or datetime) if it lies in the competition's calendar, else a refusal."""
    if value is not None:
        problem = date_problem(value)
        if problem:
            raise ValidationFailed(problem, field=field, code="date_out_of_range")
    return value


def parse_decimal(text: str, *, field: str | None = None) -> Decimal:
    """A number typed as plain ASCII digits (``88.5``, ``-20``), as a ``Decimal``.

    ``Decimal()`` itself takes ``1_0``, ``５０``, ``٥٠``, ``NaN`` and ``1e999``; people mean none of them.
    """
    stripped = text.strip()
    if len(stripped) > MAX_NUMBER_LENGTH or not PLAIN_NUMBER.fullmatch(stripped):
        raise ValidationFailed(gettext("请填写数字（如 88.5）。"), field=field, code="not_a_number")
    try:
        return Decimal(stripped)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only valid decimals
        raise ValidationFailed(gettext("请填写数字（如 88.5）。"), field=field, code="not_a_number") from exc


#: the longest row id accepted from a form: 18 digits fit a 64-bit integer column
MAX_ID_LENGTH = 18


def parse_id(value) -> int | None:
    """A row id typed or posted as plain ASCII digits, or None (``"²"``, ``"１"``, ``"abc"``, a
    number no integer column holds: ``str.isdigit`` admits the first two, ``int()`` then fails)."""
    text = str(value if value is not None else "").strip()
    if text.isascii() and text.isdigit() and len(text) <= MAX_ID_LENGTH:
        return int(text)
    return None


def parse_ids(values) -> list[int]:
    """The plain row ids among ``values`` (a form's ``getlist``), in order; the rest are dropped."""
    return [number for value in values if (number := parse_id(value)) is not None]


#: the instants every time zone can still show: ``localtime`` of a later (earlier) one overflows
LATEST_SHOWN = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)
EARLIEST_SHOWN = datetime.min.replace(tzinfo=UTC) + timedelta(days=1)


def displayable(value):
    """``value``; but an aware date-time stored outside what local time can show (year 9999 or 1,
    saved before inputs were bounded, or through the admin) as the nearest instant that can be
    shown, so that the page showing it — where it can be corrected — still opens."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return min(max(value, EARLIEST_SHOWN), LATEST_SHOWN)
    return value


def local(value: datetime) -> datetime:
    """``timezone.localtime`` that cannot overflow (see ``displayable``)."""
    return timezone.localtime(displayable(value))


def as_decimal(value, *, field: str | None = None) -> Decimal:
    """A number a program passed (``Decimal``, ``int``, ``float``) as it is, if finite; text typed by a person
    through ``parse_decimal`` (``Decimal("2E+1")`` computed by code is a number; “2E+1” typed is not)."""
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if number.is_finite():
            return number
    elif isinstance(value, str):
        return parse_decimal(value, field=field)
    raise ValidationFailed(gettext("请填写数字（如 88.5）。"), field=field, code="not_a_number")
