"""Who an entry's entrant is, as strings: what a blind review keeps out of a judge's sight, and what
an entrant is warned about when their own business plan names them.

The list lives here, beside the models that hold it (enterprise, team and members, the account),
so the judge's pages and API (``review.selectors``) and the upload warning
(``registration.services.plan_identity_hits``) blank and look for the same strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext as _

from contest.registration.models import Entry

ORG_SUFFIX = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|集团|公司)$")


def identity_strings(entry: Entry) -> list[str]:
    """Every string the platform holds that names the entrant, longest first: the credit code and
    registration number; the enterprise's name (with and without its legal suffix), contact and
    phone; the team's name, leader and every member's name, phone and school; and the account's
    e-mail, phone and name. Strings shorter than two characters are left out (they would blank
    ordinary words)."""
    found: list[str] = [entry.credit_code or "", entry.number or ""]
    if entry.enterprise_id:
        e = entry.enterprise
        found += [
            e.name,
            ORG_SUFFIX.sub("", e.name),
            e.credit_code,
            e.contact_name,
            e.contact_phone,
            e.registration_number,
            e.name_translated,
        ]
    if entry.team_id:
        t = entry.team
        found += [t.name, t.leader_name, t.leader_phone]
        for m in t.members.all():
            found += [m.name, m.phone, m.affiliation, m.id_number]
    owner = entry.owner
    found += [owner.email or "", owner.phone or "", owner.display_name or ""]
    return sorted({s.strip() for s in found if s and len(s.strip()) >= 2}, key=lambda s: (-len(s), s))


def _pattern(value: str) -> str:
    if value.startswith("+86"):  # phones are stored E.164; in text they appear in any spacing
        return r"(?:\+?86[\s-]?)?" + r"[\s-]?".join(value.removeprefix("+86"))
    return re.escape(value)


def identity_pattern(strings: list[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern matching any of ``strings`` (phones in any spacing)."""
    if not strings:
        return None
    return re.compile("|".join(_pattern(s) for s in strings), re.IGNORECASE)


def redactor(strings: list[str]) -> Callable[[str], str]:
    """A function blanking every given string (case-insensitive; phones in any spacing) out of text."""
    regex = identity_pattern(strings)
    if regex is None:
        return lambda text: text
    mark = _("〔已隐去〕")
    return lambda text: regex.sub(mark, text or "")


def identity_found(entry: Entry, text: str) -> list[str]:
    """The entry's identity strings that occur in ``text``, in the order of ``identity_strings``."""
    strings = identity_strings(entry)
    return [s for s in strings if identity_pattern([s]).search(text or "")]
