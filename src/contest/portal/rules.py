"""Who may manage an event's portal credentials: the event's organizers and its edition's
secretariat (the same people who manage its entries)."""

import rules

from contest.registration.rules import manages_event


@rules.predicate
def manages_client_event(user, client) -> bool:
    return client is not None and manages_event.test(user, client.event)


rules.add_perm("portal.manage_clients", manages_event)
rules.add_perm("portal.revoke_client", manages_client_event)
