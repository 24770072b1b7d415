"""公示 permissions: an event's organizers run its lists, the secretariat runs the edition's
(national lists included). Evidence files are for them only; the public files and looks up.

A permission whose answer depends on the state carries it (``may_become``: the lifecycle allows
the move now; the notice period for 确认), so pages ask ``user.has_perm(...)`` instead of reading
statuses, and the services check the same permission."""

import rules
from django.utils import timezone

from contest.accounts.rules import is_secretariat_for_edition, organizes_event
from contest.core.lifecycle import may_become
from contest.publicity.enums import NoticeStatus, ObjectionStatus


@rules.predicate
def manages_notice(user, notice) -> bool:
    if notice is None:
        return False
    if is_secretariat_for_edition(user, notice.edition_id):
        return True
    return notice.event_id is not None and organizes_event(user, notice.event)


@rules.predicate
def manages_objection(user, objection) -> bool:
    return objection is not None and manages_notice(user, objection.notice)


@rules.predicate
def is_draft(user, notice) -> bool:
    return notice is not None and notice.status == NoticeStatus.DRAFT


@rules.predicate
def period_over(user, notice) -> bool:
    """The current version's notice period has ended (its end second included)."""
    version = notice.current_version if notice is not None else None
    return version is not None and timezone.now() >= version.period_ends_at


rules.add_perm("publicity.manage_notice", manages_notice)
rules.add_perm("publicity.view_evidence", manages_notice)
#: draft → published (publishing version 1)
rules.add_perm("publicity.publish_notice", manages_notice & is_draft & may_become(NoticeStatus.PUBLISHED))
#: published → published: a new version after upheld objections
rules.add_perm("publicity.revise_notice", manages_notice & ~is_draft & may_become(NoticeStatus.PUBLISHED))
#: published → final, once the period is over (the service also wants every objection resolved)
rules.add_perm("publicity.finalize_notice", manages_notice & may_become(NoticeStatus.FINAL) & period_over)
#: filed → upheld / dismissed (both leave ``filed`` only)
rules.add_perm("publicity.answer_objection", manages_objection & may_become(ObjectionStatus.UPHELD))
