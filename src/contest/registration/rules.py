"""Who may see and act on entries. Tenancy: an organizer acts only on the events their
organization runs; the secretariat on every event of its edition; entrants on their own."""

import rules

from contest.accounts.rules import is_secretariat_for_edition, organizes_event
from contest.registration.enums import EDITABLE


@rules.predicate
def is_entry_owner(user, entry) -> bool:
    return entry is not None and user.is_authenticated and entry.owner_id == user.pk


@rules.predicate
def organizes_entry_event(user, entry) -> bool:
    return entry is not None and organizes_event(user, entry.event)


@rules.predicate
def is_entry_secretariat(user, entry) -> bool:
    return entry is not None and is_secretariat_for_edition(user, entry.edition_id)


@rules.predicate
def is_editable(user, entry) -> bool:
    return entry is not None and entry.status in EDITABLE


@rules.predicate
def manages_event(user, event) -> bool:
    return event is not None and (
        organizes_event(user, event) or is_secretariat_for_edition(user, event.edition_id)
    )


can_review = organizes_entry_event | is_entry_secretariat

rules.add_perm("registration.view_entry", is_entry_owner | can_review)
rules.add_perm("registration.change_entry", is_entry_owner & is_editable)
rules.add_perm("registration.submit_entry", is_entry_owner)
rules.add_perm("registration.withdraw_entry", is_entry_owner)
rules.add_perm("registration.review_entry", can_review)
rules.add_perm("registration.override_entry", can_review)
rules.add_perm("registration.manage_event_entries", manages_event)
