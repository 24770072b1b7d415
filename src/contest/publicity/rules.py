"""公示 permissions: an event's organizers run its lists, the secretariat runs the edition's
(national lists included). Evidence files are for them only; the public files and looks up."""

import rules

from contest.accounts.rules import is_secretariat_for_edition, organizes_event


@rules.predicate
def manages_notice(user, notice) -> bool:
    if notice is None:
        return False
    if is_secretariat_for_edition(user, notice.edition_id):
        return True
    return notice.event_id is not None and organizes_event(user, notice.event)


rules.add_perm("publicity.manage_notice", manages_notice)
rules.add_perm("publicity.view_evidence", manages_notice)
