"""Personal information shown on screens and in files: the one place that masks it.

Lists and exports show a phone number as ``138****5678``, an ID number as ``3301**********1234``
and an e-mail as ``l***@example.cn`` unless the viewer's role needs the full value
(docs/privacy.md). The decision is :func:`sees_full_contacts`; the masks are pure functions that
never fail on odd input (an empty value stays empty, a short one is masked whole).

The privacy notice users consent to has a version (:data:`PRIVACY_NOTICE_VERSION`, overridable by
the ``PRIVACY_NOTICE_VERSION`` setting); changing it asks every user to accept the new notice at
their next sign-in.
"""

from __future__ import annotations

import re

from django.conf import settings

#: the current privacy notice; bump it (here or in settings) whenever the notice changes
PRIVACY_NOTICE_VERSION = "2026-12-01"

_DIGITS = re.compile(r"\D")


def notice_version() -> str:
    return getattr(settings, "PRIVACY_NOTICE_VERSION", PRIVACY_NOTICE_VERSION)


def mask_phone(value: str | None) -> str:
    """``13812345678`` / ``+8613812345678`` → ``138****5678``; landlines keep their last four."""
    text = str(value or "").strip()
    if not text:
        return ""
    digits = _DIGITS.sub("", text)
    if text.startswith("+86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) == 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 4:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * len(digits or text)


def mask_id_number(value: str | None) -> str:
    """A resident ID (18 characters) keeps its first four and last four: ``3301**********123X``;
    a passport or other document keeps its first and last two: ``E1*****78``."""
    text = str(value or "").strip()
    if not text:
        return ""
    if len(text) == 18:
        return f"{text[:4]}{'*' * 10}{text[-4:]}"
    if len(text) > 4:
        return f"{text[:2]}{'*' * (len(text) - 4)}{text[-2:]}"
    return "*" * len(text)


def mask_email(value: str | None) -> str:
    """``lin.xiaofeng@example.cn`` → ``l***@example.cn``."""
    text = str(value or "").strip()
    if not text:
        return ""
    local, at, domain = text.partition("@")
    if not at:
        return "*" * len(text)
    return f"{local[:1]}***@{domain}"


def mask_name(value: str | None) -> str:
    """A person's name as anonymised records keep it: ``林晓峰`` → ``林**``."""
    text = str(value or "").strip()
    return f"{text[:1]}{'*' * (len(text) - 1)}" if text else ""


def sees_full_contacts(user, *, manages_object: bool) -> bool:
    """Whether ``user`` sees full phone, ID and e-mail values of a record.

    Full values: the secretariat (any edition), and an organizer who manages the record's event
    (``manages_object`` — the caller has already checked the record is in the user's scope and
    that the user is not merely a judge of it). Judges, the public and every other role: masked.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    reach = user.reach() if callable(getattr(user, "reach", None)) else None
    if reach is not None and (reach.all_editions or reach.editions):
        return True
    return bool(manages_object)


def shown(value: str | None, *, full: bool, mask) -> str:
    """``value`` as the viewer may see it: itself when ``full``, else ``mask(value)``."""
    return str(value or "") if full else mask(value)
