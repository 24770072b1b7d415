"""Permission predicates for the catalog."""

import rules


@rules.predicate
def is_secretariat(user) -> bool:
    """The national secretariat: superusers until roles arrive (accounts issue)."""
    return bool(user and getattr(user, "is_authenticated", False) and user.is_superuser)


rules.add_perm("catalog.import_plan", is_secretariat)
rules.add_perm("catalog.manage_catalog", is_secretariat)


@rules.predicate
def manages_event_entries(user, event) -> bool:
    """Whoever manages the event's entries (its organizers and the secretariat) manages its stations;
    the predicate lives in registration, above this app, so it is named, not imported."""
    return bool(user and user.has_perm("registration.manage_event_entries", event))


rules.add_perm("catalog.manage_event_zones", manages_event_entries)
