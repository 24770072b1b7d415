"""Near-duplicate detection across events, and the background task that runs it.

The tasks are declared here, beside the work they do, so the services that enqueue them
(``enqueue_duplicate_check``, ``enqueue_duplicate_checks``) import no ``tasks`` module, and
``registration.tasks`` (which names them for the worker) imports only this module: no tasks ↔
services cycle.

An import checks all its entries in one bulk task (``flag_duplicates_batch``), chunked inside: the
edition's other entries are read once per run, not once per entry, and the task runs at
``PRIORITY_BULK`` so an organizer's job queued meanwhile goes first. A long run hands its remaining
entries to a fresh task after :data:`YIELD_AFTER_SECONDS`, so it never keeps the worker from an
organizer's job for longer than that.
"""

from __future__ import annotations

import time
from decimal import Decimal

from django.db import transaction
from django_tasks import task

from contest.core import audit
from contest.core.workers import PRIORITY_BULK
from contest.registration.enums import ACTIVE
from contest.registration.models import DuplicateFlag, Entry
from contest.registration.services.common import S
from contest.registration.similarity import bigrams, jaccard, simhash, simhash_similarity

TITLE_DUPLICATE = Decimal("0.800")
SUMMARY_DUPLICATE = Decimal("0.900")
#: entries checked per transaction in a bulk check
DUPLICATE_CHUNK = 200
#: a bulk check running longer than this queues its remaining entries as a new task (behind urgent jobs)
YIELD_AFTER_SECONDS = 20.0


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


def enqueue_duplicate_checks(entry_ids: list[int]) -> None:
    """Queue the duplicate check of many entries (an import) as one bulk task (call it from
    ``transaction.on_commit``). Nothing is queued for no entries."""
    if entry_ids:
        flag_duplicates_batch.enqueue(sorted(entry_ids))


#: pairs further apart than this (differing simhash bits) cannot reach SUMMARY_DUPLICATE
_MAX_BITS = 64 - int(float(SUMMARY_DUPLICATE) * 64) + 1
_MASK = (1 << 64) - 1


def _candidates(edition_id: int) -> list[tuple[int, int, int, set[str], int, int | None]]:
    """The edition's submitted entries as (pk, event, owner, title bigrams, their count, simhash)."""
    rows = (
        Entry.objects.filter(edition_id=edition_id, status__in=ACTIVE - {S.DRAFT})
        .values_list("pk", "event_id", "owner_id", "title", "summary_simhash")
        .iterator(chunk_size=5000)
    )
    out = []
    for pk, event_id, owner_id, title, h in rows:
        grams = bigrams(title)
        out.append((pk, event_id, owner_id, grams, len(grams), h))
    return out


def _matches(entry: Entry, candidates) -> list[tuple[int, str, Decimal]]:
    """What :func:`find_duplicates` finds, against candidates read once (same rules and scores).
    Cheap integer tests come first; only a pair that may reach a threshold gets its exact Decimal
    score (a Jaccard index ≥ 0.8 needs sizes within 0.8 of each other)."""
    mine_title = bigrams(entry.title)
    mine_size = len(mine_title)
    mine_hash = entry.summary_simhash if entry.summary_simhash is not None else simhash(entry.summary)
    found = []
    for pk, event_id, owner_id, other_title, other_size, other_hash in candidates:
        if pk == entry.pk or (event_id == entry.event_id and owner_id == entry.owner_id):
            continue
        if mine_size and other_size and min(mine_size, other_size) >= 0.799 * max(mine_size, other_size):
            common = len(mine_title & other_title)
            if common >= 0.799 * (mine_size + other_size - common):
                score = jaccard(mine_title, other_title)
                if score >= TITLE_DUPLICATE:
                    found.append((pk, "title", score))
        if (
            mine_hash is not None
            and other_hash is not None
            and ((mine_hash ^ other_hash) & _MASK).bit_count() <= _MAX_BITS
        ):
            s = simhash_similarity(mine_hash, other_hash)
            if s >= SUMMARY_DUPLICATE:
                found.append((pk, "summary", s))
    return found


def record_duplicates_many(entry_ids: list[int], *, candidates=None) -> int:
    """Flag the near-duplicates of several entries in one transaction (one audit record per entry
    with matches, as :func:`record_duplicates`). Returns the number of matches."""
    entries = list(Entry.objects.filter(pk__in=entry_ids).order_by("pk"))
    if not entries:
        return 0
    by_edition: dict[int, list] = {}
    total = 0
    with transaction.atomic():
        flags = []
        for entry in entries:
            if candidates is None and entry.edition_id not in by_edition:
                by_edition[entry.edition_id] = _candidates(entry.edition_id)
            found = _matches(entry, candidates if candidates is not None else by_edition[entry.edition_id])
            for other, field, score in found:
                flags.append(DuplicateFlag(entry_id=entry.pk, other_id=other, field=field, score=score))
                flags.append(DuplicateFlag(entry_id=other, other_id=entry.pk, field=field, score=score))
            if found:
                audit.record(action="registration.entry.duplicates_flagged", obj=entry,
                             data={"matches": [[o, f, str(s)] for o, f, s in found]})  # fmt: skip
            total += len(found)
        DuplicateFlag.objects.bulk_create(flags, ignore_conflicts=True)
    return total


@task(priority=PRIORITY_BULK)
def flag_duplicates_batch(
    entry_ids: list[int], chunk: int = DUPLICATE_CHUNK, yield_after: float = YIELD_AFTER_SECONDS
) -> int:
    """The duplicate check of many entries (after an import): one task, ``chunk`` entries per
    transaction; after ``yield_after`` seconds the rest goes to a new task (same settings) so urgent
    jobs queued meanwhile run first. Returns the matches found by this run."""
    started = time.monotonic()
    found = 0
    entry_ids = sorted(entry_ids)
    editions = set(Entry.objects.filter(pk__in=entry_ids).values_list("edition_id", flat=True))
    candidates = _candidates(editions.pop()) if len(editions) == 1 else None
    for start in range(0, len(entry_ids), chunk):
        found += record_duplicates_many(entry_ids[start : start + chunk], candidates=candidates)
        rest = entry_ids[start + chunk :]
        if rest and time.monotonic() - started >= yield_after:
            flag_duplicates_batch.enqueue(rest, chunk=chunk, yield_after=yield_after)
            break
    return found
