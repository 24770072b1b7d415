"""Permission predicates for the catalog."""

import rules


@rules.predicate
def is_secretariat(user) -> bool:
    """The national secretariat: superusers until roles arrive (accounts issue)."""
    return bool(user and getattr(user, "is_authenticated", False) and user.is_superuser)


rules.add_perm("catalog.import_plan", is_secretariat)
rules.add_perm("catalog.manage_catalog", is_secretariat)
