"""Navigation helpers for the header: which links the signed-in user gets."""

from django import template

from contest.accounts.enums import RoleKind
from contest.accounts.rules import organizer_organization_ids, secretariat_edition_ids

register = template.Library()


def _load_roles(user) -> None:
    """Fill both of ``accounts.rules``' per-user caches with one query instead of two."""
    if not getattr(user, "is_authenticated", False) or hasattr(user, "_secretariat_editions"):
        return
    secretariat, organizer = set(), set()
    user._is_judge = False
    for kind, organization_id, edition_id in user.roles.filter(
        kind__in=[RoleKind.SECRETARIAT, RoleKind.ORGANIZER, RoleKind.JUDGE]
    ).values_list("kind", "organization_id", "edition_id"):
        if kind == RoleKind.SECRETARIAT:
            secretariat.add(edition_id)
        elif kind == RoleKind.ORGANIZER:
            organizer.add(organization_id)
        else:
            user._is_judge = True
    if user.is_superuser:
        secretariat.add(None)
    user._secretariat_editions = secretariat
    if not hasattr(user, "_organizer_orgs"):
        user._organizer_orgs = organizer


@register.filter
def uses_console(user) -> bool:
    """Organizers and the secretariat get a link to the organizer console (cached on the user)."""
    _load_roles(user)
    return bool(secretariat_edition_ids(user) or organizer_organization_ids(user))


@register.filter
def is_secretariat(user) -> bool:
    return bool(secretariat_edition_ids(user))


@register.filter
def is_judge(user) -> bool:
    """Experts with a judge account get a link to their review workspace."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not hasattr(user, "_is_judge"):
        user._is_judge = user.roles.filter(kind=RoleKind.JUDGE).exists()
    return user._is_judge
