"""Who may see and do what: the tenancy scope every app filters by, and the one permission check.

**Scope.** A user reaches data through roles: the secretariat of an edition (or of all, a
superuser), and the staff of organizations that host, lead or undertake events. The user model
answers :meth:`reach` (``accounts.models.User.reach``); this module turns that into the one
condition every organizer-facing queryset is filtered by (:func:`management_scope`). Core imports
no app: it asks the user object, never the role tables.

**Refusals.** :func:`require` is the one permission check of services and views. What the user may
not see is reported as not found (404), so a refusal never confirms that something exists; only
someone who may see the object (``visible_with``) is told it is forbidden (403).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from contest.core.errors import NotFound, PermissionDenied


@dataclass(frozen=True)
class Reach:
    """What a user's roles open: editions as secretariat, organizations as organizer staff."""

    all_editions: bool = False
    editions: frozenset[int] = frozenset()
    organizations: frozenset[int] = frozenset()
    #: ids of the events the organizations host, lead or undertake (a subquery), or None
    hosted_events: QuerySet | None = None

    @property
    def manages_anything(self) -> bool:
        return self.all_editions or bool(self.editions) or bool(self.organizations)


NOBODY = Reach()


def is_signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def reach_of(user) -> Reach:
    """The user's reach (computed once per user object, then cached on it)."""
    if not is_signed_in(user):
        return NOBODY
    reach = getattr(user, "reach", None)
    return reach() if callable(reach) else NOBODY


def management_scope(user, *, event_field: str = "event_id", edition_field: str = "edition_id") -> Q | None:
    """The condition a user's scope puts on a model with ``edition_field`` and ``event_field``:
    the secretariat's editions, the events the user's organizations host, lead or undertake.
    ``Q()`` for a secretariat of every edition; None when the user manages nothing (a 404)."""
    reach = reach_of(user)
    if reach.all_editions:
        return Q()
    scope = None
    if reach.editions:
        scope = Q(**{f"{edition_field}__in": sorted(reach.editions)})
    if reach.organizations and reach.hosted_events is not None:
        hosted = Q(**{f"{event_field}__in": reach.hosted_events})
        scope = hosted if scope is None else scope | hosted
    return scope


def scoped(
    queryset: QuerySet, user, *, event_field: str = "event_id", edition_field: str = "edition_id"
) -> QuerySet:
    """``queryset`` cut to the user's management scope (empty outside it)."""
    scope = management_scope(user, event_field=event_field, edition_field=edition_field)
    return queryset.none() if scope is None else queryset.filter(scope)


def require(user, perm: str, obj=None, *, visible_with: str | None = None, message: str = "") -> None:
    """Refuse unless ``user`` has ``perm`` on ``obj``.

    The refusal is :class:`NotFound` (404) — unless ``visible_with`` names a permission the user
    holds on ``obj``: then the user knows the object exists and is told :class:`PermissionDenied`
    (403) with ``message``."""
    if user is not None and user.has_perm(perm, obj):
        return
    if visible_with and user is not None and user.has_perm(visible_with, obj):
        raise PermissionDenied(message or "您没有执行此操作的权限。")
    raise NotFound("未找到。")
