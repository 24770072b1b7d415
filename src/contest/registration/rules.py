"""Who may see and act on entries, and when. Tenancy: an organizer acts only on the events their
organization runs; the secretariat on every event of its edition; entrants on their own.

A permission whose answer depends on the entry's state carries it (``may_become``: the entry's
lifecycle allows the move now), so pages ask ``user.has_perm(...)`` instead of reading the
transition tables, and the services check the same permission."""

import rules

from contest.accounts.rules import is_secretariat_for_edition, organizes_event
from contest.core.lifecycle import may_become
from contest.registration.enums import EDITABLE, EntryStatus

S = EntryStatus


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
def was_submitted(user, entry) -> bool:
    """The entry has been submitted at least once. Until then it is the entrant's private
    workspace: organizers and the secretariat do not see it (``selectors.entries_for_user``)."""
    return entry is not None and entry.submitted_at is not None


@rules.predicate
def is_editable(user, entry) -> bool:
    return entry is not None and entry.status in EDITABLE


@rules.predicate
def manages_event(user, event) -> bool:
    return event is not None and (
        organizes_event(user, event) or is_secretariat_for_edition(user, event.edition_id)
    )


#: the organizer side: the event's organizers and the edition's secretariat, once the entrant submitted
can_review = (organizes_entry_event | is_entry_secretariat) & was_submitted
#: a qualification decision is open (submitted or resubmitted): the three decisions share their states
awaits_decision = may_become(S.QUALIFIED) | may_become(S.RETURNED) | may_become(S.DISQUALIFIED)

rules.add_perm("registration.view_entry", is_entry_owner | can_review)
rules.add_perm("registration.change_entry", is_entry_owner & is_editable)
rules.add_perm(
    "registration.submit_entry", is_entry_owner & (may_become(S.SUBMITTED) | may_become(S.RESUBMITTED))
)
rules.add_perm("registration.withdraw_entry", is_entry_owner & may_become(S.WITHDRAWN))
rules.add_perm("registration.review_entry", can_review & awaits_decision)
rules.add_perm("registration.override_entry", can_review & may_become(S.SUBMITTED, override=True))
rules.add_perm("registration.manage_event_entries", manages_event)
