"""Near-duplicate detection across events, and the background task that runs it.

The task is declared here, beside the work it does, so the services that enqueue it
(``enqueue_duplicate_check``) import no ``tasks`` module, and ``registration.tasks`` (which
names it for the worker) imports only this module: no tasks ↔ services cycle.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django_tasks import task

from contest.core import audit
from contest.registration.enums import ACTIVE
from contest.registration.models import DuplicateFlag, Entry
from contest.registration.services.common import S
from contest.registration.similarity import bigrams, jaccard, simhash, simhash_similarity

TITLE_DUPLICATE = Decimal("0.800")
SUMMARY_DUPLICATE = Decimal("0.900")


def find_duplicates(entry: Entry) -> list[tuple[int, str, Decimal]]:
    """Other active entries of the edition, in other events, whose title or summary is close."""
    mine_title = bigrams(entry.title)
    mine_hash = entry.summary_simhash if entry.summary_simhash is not None else simhash(entry.summary)
    found = []
    others = (
        Entry.objects.filter(edition_id=entry.edition_id, status__in=ACTIVE - {S.DRAFT})
        .exclude(pk=entry.pk)
        .exclude(event_id=entry.event_id, owner_id=entry.owner_id)
        .values_list("pk", "title", "summary_simhash")
        .iterator(chunk_size=5000)
    )
    for pk, title, other_hash in others:
        score = jaccard(mine_title, bigrams(title))
        if score >= TITLE_DUPLICATE:
            found.append((pk, "title", score))
        if mine_hash is not None and other_hash is not None:
            s = simhash_similarity(mine_hash, other_hash)
            if s >= SUMMARY_DUPLICATE:
                found.append((pk, "summary", s))
    return found


def record_duplicates(entry_id: int) -> int:
    entry = Entry.objects.select_related("event").get(pk=entry_id)
    found = find_duplicates(entry)
    with transaction.atomic():
        flags = []
        for other, field, score in found:
            flags.append(DuplicateFlag(entry_id=entry.pk, other_id=other, field=field, score=score))
            flags.append(DuplicateFlag(entry_id=other, other_id=entry.pk, field=field, score=score))
        DuplicateFlag.objects.bulk_create(flags, ignore_conflicts=True)
        if found:
            audit.record(action="registration.entry.duplicates_flagged", obj=entry,
                         data={"matches": [[o, f, str(s)] for o, f, s in found]})  # fmt: skip
    return len(found)


@task()
def flag_duplicates(entry_id: int) -> int:
    """Compare a submitted entry with the edition's others; flag near-duplicates."""
    return record_duplicates(entry_id)


def enqueue_duplicate_check(entry_id: int) -> None:
    """Queue the duplicate check of one entry (call it from ``transaction.on_commit``)."""
    flag_duplicates.enqueue(entry_id)
