"""Navigation helpers for the header: which links the signed-in user gets."""

from django import template

from contest.accounts.rules import organizer_organization_ids, secretariat_edition_ids

register = template.Library()


@register.filter
def uses_console(user) -> bool:
    """Organizers and the secretariat get a link to the organizer console (cached on the user)."""
    return bool(secretariat_edition_ids(user) or organizer_organization_ids(user))


@register.filter
def is_secretariat(user) -> bool:
    return bool(secretariat_edition_ids(user))
