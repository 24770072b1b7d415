"""Reading an event's package imports (tenancy: the event comes from the console's scoped lookup)."""

from __future__ import annotations

from django.db.models import QuerySet

from contest.catalog.models import Event
from contest.packages.models import PackageImport


def imports_of(event: Event) -> QuerySet[PackageImport]:
    """The event's imports, newest first, with who uploaded them (one query)."""
    return (
        PackageImport.objects.filter(event=event).select_related("uploaded_by").order_by("-created_at", "-id")
    )


def import_in(event: Event, pk) -> PackageImport | None:
    return PackageImport.objects.filter(event=event, pk=pk).select_related("event__edition").first()
