"""Review permissions: organizers run their events' rounds, the secretariat runs national ones;
a judge sees only their own assignments (anything else answers 404).

The expert pool is national: everyone who may run a round reads it and uses its experts
(``review.manage_experts``). Changing an expert's details — above all the contact details that
invitations go to — is ``review.edit_expert``: the secretariat, the staff of the organization that
added the expert (``Expert.owner_organization``), and the expert themself."""

import rules

from contest.accounts.rules import (
    is_secretariat_for_edition,
    organizer_organization_ids,
    organizes_event,
    secretariat_edition_ids,
)


@rules.predicate
def manages_round(user, round_) -> bool:
    if round_ is None:
        return False
    if is_secretariat_for_edition(user, round_.edition_id):
        return True
    return round_.event_id is not None and organizes_event(user, round_.event)


@rules.predicate
def may_manage_experts(user) -> bool:
    return bool(secretariat_edition_ids(user)) or bool(organizer_organization_ids(user))


@rules.predicate
def may_edit_expert(user, expert) -> bool:
    if expert is None:
        return False
    if bool(secretariat_edition_ids(user)):
        return True
    if expert.user_id is not None and expert.user_id == getattr(user, "pk", None):
        return True
    owner = expert.owner_organization_id
    return owner is not None and owner in organizer_organization_ids(user)


@rules.predicate
def is_assigned_judge(user, assignment) -> bool:
    expert = getattr(assignment, "expert", None)
    return expert is not None and expert.user_id is not None and expert.user_id == getattr(user, "pk", None)


rules.add_perm("review.manage_experts", may_manage_experts)
rules.add_perm("review.edit_expert", may_edit_expert)
rules.add_perm("review.manage_round", manages_round)
rules.add_perm("review.score_entry", is_assigned_judge)


# -- recommendations into the national review ---------------------------------------------------------


@rules.predicate
def may_recommend_entries(user, event) -> bool:
    """An event's organizers recommend its projects; the secretariat of its edition may too."""
    if event is None:
        return False
    return is_secretariat_for_edition(user, event.edition_id) or organizes_event(user, event)


@rules.predicate
def manages_recommendation_quotas(user, obj) -> bool:
    """The secretariat of the edition (``obj`` an event or an edition) sets places and the deadline."""
    if obj is None:
        return False
    edition_id = getattr(obj, "edition_id", None)
    if edition_id is None and hasattr(obj, "number"):
        edition_id = obj.pk  # an Edition
    return is_secretariat_for_edition(user, edition_id)


rules.add_perm("review.recommend_entries", may_recommend_entries)
rules.add_perm("review.manage_recommendation_quotas", manages_recommendation_quotas)
