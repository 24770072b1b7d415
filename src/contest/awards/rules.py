"""Award permissions: an event's organizers and its edition's secretariat manage its awards and
certificates; an entrant sees the certificates of their own entries. Anything else answers 404."""

import rules

from contest.accounts.rules import is_secretariat_for_edition, organizes_event


@rules.predicate
def manages_event_awards(user, event) -> bool:
    if event is None:
        return False
    return is_secretariat_for_edition(user, event.edition_id) or organizes_event(user, event)


@rules.predicate
def owns_certificate(user, certificate) -> bool:
    return (
        certificate is not None
        and getattr(user, "is_authenticated", False)
        and certificate.award.entry.owner_id == user.pk
    )


rules.add_perm("awards.manage_awards", manages_event_awards)
rules.add_perm("awards.download_own_certificate", owns_certificate)
