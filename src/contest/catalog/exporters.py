"""The catalog's exports, registered in the one export registry (contest.core.exporters)."""

from collections.abc import Iterator
from typing import Any

from contest.catalog import selectors
from contest.catalog.models import Edition
from contest.core.exporters import Exporter, register

EVENT_COLUMNS = ("tier", "seq", "name", "location", "province", "hosts", "undertakers", "registration_urls")


def event_rows(*, edition: Edition) -> Iterator[dict[str, Any]]:
    """One row per event in plan order; organizations by name (hosts include the lead)."""
    for event in selectors.events(edition):
        yield {
            "tier": event.tier,
            "seq": event.seq,
            "name": event.name,
            "location": event.location,
            "province": event.province.name if event.province else None,
            "hosts": [org.name for org in selectors.hosts_of(event)],
            "undertakers": [org.name for org in selectors.undertakers_of(event)],
            "registration_urls": list(event.registration_urls or []),
        }


EVENTS = register(Exporter(name="catalog.events", columns=EVENT_COLUMNS, rows=event_rows, title="赛事"))
