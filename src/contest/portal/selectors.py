"""Reads of the portal app for the console: an event's credentials and its recent pushes, in the
organizer's scope (``registration.selectors``: the events the user's organization runs, the
secretariat's editions)."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from contest.catalog.models import Event
from contest.portal.models import PortalClient, PortalPush
from contest.registration.selectors import events_for_user

RECENT_PUSHES = 20


def clients_of_event(event: Event) -> QuerySet[PortalClient]:
    """The event's credentials, active first, newest first, with how many pushes each made."""
    return (
        PortalClient.objects.filter(event=event)
        .select_related("created_by", "revoked_by")
        .annotate(push_count=Count("pushes"))
        .order_by("revoked_at", "-created_at", "-id")
    )


def recent_pushes(event: Event, *, limit: int = RECENT_PUSHES) -> list[PortalPush]:
    """The event's latest pushes with their outcome counts (the stored answers are not loaded)."""
    return list(
        PortalPush.objects.filter(client__event=event)
        .select_related("client")
        .defer("response")
        .order_by("-created_at", "-id")[:limit]
    )


def client_for_user(user, pk: int) -> PortalClient | None:
    """One credential of an event in the user's scope, or None."""
    return PortalClient.objects.filter(pk=pk, event__in=events_for_user(user)).select_related("event").first()
