"""Shared permission predicates: who is the secretariat, who organizes which event."""

from __future__ import annotations

import rules

from contest.accounts.enums import RoleKind
from contest.core.access import is_signed_in


def secretariat_edition_ids(user) -> set[int | None]:
    """Editions the user is secretariat for; {None} means all editions."""
    if not is_signed_in(user):
        return set()
    cache = getattr(user, "_secretariat_editions", None)
    if cache is None:
        cache = set(user.roles.filter(kind=RoleKind.SECRETARIAT).values_list("edition_id", flat=True))
        if user.is_superuser:
            cache.add(None)
        user._secretariat_editions = cache
    return cache


def organizer_organization_ids(user) -> set[int]:
    if not is_signed_in(user):
        return set()
    cache = getattr(user, "_organizer_orgs", None)
    if cache is None:
        # One query answers two questions: the organizations the user organizes for, and
        # whether the user is a judge (the header asks; no second query then).
        rows = list(
            user.roles.filter(kind__in=[RoleKind.ORGANIZER, RoleKind.JUDGE]).values_list(
                "kind", "organization_id"
            )
        )
        cache = {org for kind, org in rows if kind == RoleKind.ORGANIZER}
        user._organizer_orgs = cache
        if not hasattr(user, "_is_judge"):
            user._is_judge = any(kind == RoleKind.JUDGE for kind, _ in rows)
    return cache


def is_secretariat_for_edition(user, edition_id: int | None) -> bool:
    ids = secretariat_edition_ids(user)
    return None in ids or (edition_id is not None and edition_id in ids)


def organizes_event(user, event) -> bool:
    """Staff of an organization that hosts, leads or undertakes the event."""
    orgs = organizer_organization_ids(user)
    if not orgs:
        return False
    return event.roles.filter(organization_id__in=orgs).exists()


@rules.predicate
def is_secretariat(user, obj=None) -> bool:
    edition_id = getattr(obj, "edition_id", None) if obj is not None else None
    if obj is not None and edition_id is None and hasattr(obj, "number"):
        edition_id = obj.pk  # an Edition
    if obj is None:
        return bool(secretariat_edition_ids(user))
    return is_secretariat_for_edition(user, edition_id)


rules.add_perm("accounts.invite_organizer", is_secretariat)
