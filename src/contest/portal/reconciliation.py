"""Reconciliation: what the platform holds for a portal client's event, so both sides can prove
they agree.

Reads only. (Not named ``selectors``: the hash of an entry is ``registration.services.intake``'s —
the one definition the push report uses too — and selectors never import services.)

* :func:`holdings_page` — one page of the event's entries in a stable order (by the platform's id;
  the cursor is the last id of the page), each with its natural key and content hash.
* :func:`summary` — counts, and one hash over the whole list: every entry gives the line
  ``group \\t natural_key \\t content_sha256 \\n``; the lines are sorted by their UTF-8 bytes,
  joined, and hashed with SHA-256. The portal computes the same from what it pushed (it keeps the
  ``content_sha256`` of each item's report) and compares one string.

Drafts never submitted are not listed (they are the entrant's private workspace, as on the
organizer's pages); every other status is, withdrawn included, with its status.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet

from contest.catalog.models import Event
from contest.registration.models import Entry, TeamMember
from contest.registration.services.intake import stored_content_sha256

#: a page of the reconciliation list holds at most this many entries
MAX_PAGE = 500
DEFAULT_PAGE = 100
#: the summary reads the event's entries in chunks of this many (memory stays bounded)
CHUNK = 500
ALGORITHM = "sha256(sorted_utf8(group\\tnatural_key\\tcontent_sha256\\n))"


def held_entries(event: Event) -> QuerySet[Entry]:
    """The event's entries a portal may see, with everything their hash reads."""
    return (
        Entry.objects.filter(event=event, submitted_at__isnull=False)
        .select_related("group", "enterprise", "team__division")
        .prefetch_related(
            "images", Prefetch("team__members", queryset=TeamMember.objects.order_by("order", "pk"))
        )
    )


def natural_key(entry: Entry) -> str:
    """An enterprise's project by its credit code; a team's by its leader's phone and the title."""
    if entry.enterprise_id:
        return entry.credit_code or entry.enterprise.credit_code
    return f"{entry.team.leader_phone} {entry.title}"


def holding(entry: Entry) -> dict[str, Any]:
    """One line of the reconciliation list."""
    images = list(entry.images.all())
    return {
        "id": entry.pk,
        "number": entry.number,
        "group": entry.group.code,
        "natural_key": natural_key(entry),
        "credit_code": (entry.credit_code or entry.enterprise.credit_code) if entry.enterprise_id else None,
        "leader_phone": entry.team.leader_phone if entry.team_id else None,
        "title": entry.title,
        "status": entry.status,
        "content_sha256": stored_content_sha256(entry),
        "business_plan_sha256": entry.business_plan_sha256 or None,
        "image_sha256s": [image.sha256 for image in images],
        "updated_at": entry.updated_at,
    }


def holdings_page(event: Event, *, after: int | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """The entries after the cursor ``after`` (an id), at most ``limit``, and the next cursor."""
    limit = max(1, min(limit, MAX_PAGE))
    queryset = held_entries(event).order_by("pk")
    if after is not None:
        queryset = queryset.filter(pk__gt=after)
    entries = list(queryset[: limit + 1])
    more = len(entries) > limit
    rows = [holding(entry) for entry in entries[:limit]]
    return rows, (str(rows[-1]["id"]) if more else None)


def line(row: dict[str, Any]) -> str:
    return f"{row['group']}\t{row['natural_key']}\t{row['content_sha256']}\n"


def list_sha256(rows: Iterable[dict[str, Any]]) -> str:
    """The hash over a whole list of rows (``holding``'s or the portal's own), in any order."""
    lines = sorted(line(row).encode("utf-8") for row in rows)
    digest = hashlib.sha256()
    for encoded in lines:
        digest.update(encoded)
    return digest.hexdigest()


def all_holdings(event: Event) -> Iterator[dict[str, Any]]:
    for entry in held_entries(event).order_by("pk").iterator(chunk_size=CHUNK):
        yield holding(entry)


def summary(event: Event) -> dict[str, Any]:
    """Counts by group and status, and the hash over the whole list."""
    by_group: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    rows = []
    for row in all_holdings(event):
        by_group[row["group"]] += 1
        by_status[row["status"]] += 1
        rows.append(
            {
                "group": row["group"],
                "natural_key": row["natural_key"],
                "content_sha256": row["content_sha256"],
            }
        )
    return {
        "event_id": event.pk,
        "event": event.name,
        "total": len(rows),
        "by_group": dict(sorted(by_group.items())),
        "by_status": dict(sorted(by_status.items())),
        "list_sha256": list_sha256(rows),
        "algorithm": ALGORITHM,
    }
