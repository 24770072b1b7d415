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
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

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
