"""Stored files of entries: what becomes of a replaced business plan or a removed image, and the
warning an entrant gets when their plan names them.

**Replaced files are deleted, but only when nothing can still want them.** A re-uploaded plan or
a removed image leaves its old file in storage. It is deleted

* after the transaction commits (``transaction.on_commit``): until then the row still points at
  it, and a rolled-back change must find it where it was;
* only when no submission of the entry lists its SHA-256. A receipt (``Submission.manifest``)
  certifies the SHA-256 of every file that was submitted; a returned entry that gets a new plan
  keeps the submitted one, so what the receipt certifies can still be produced. In practice a
  draft's replaced files go, a submitted version stays.

Files written by a change that then fails are deleted at once (``discard_on_failure``), so a
refused or conflicting save leaves no orphan behind.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.files.storage import Storage, default_storage
from django.db import transaction

from contest.registration import validators as v
from contest.registration.identity import identity_found
from contest.registration.models import Entry, Submission

log = logging.getLogger(__name__)


def submitted_sha256s(entry: Entry) -> set[str]:
    """The SHA-256 of every file any receipt of the entry certifies."""
    found: set[str] = set()
    for manifest in entry.submissions.values_list("manifest", flat=True):
        for item in (manifest or {}).get("files", []):
            if isinstance(item, dict) and item.get("sha256"):
                found.add(item["sha256"])
    return found


def _delete(storage: Storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:  # already gone, or the storage is read-only for a moment: nothing to undo
        log.warning("could not delete replaced upload %s", name)


def delete_after_commit(
    entry: Entry, files: list[tuple[str, str]], *, storage: Storage | None = None
) -> None:
    """Delete the stored ``(name, sha256)`` files once the surrounding transaction commits,
    except those a submission of ``entry`` lists (see the module docstring)."""
    if not files:
        return
    kept = submitted_sha256s(entry)
    doomed = [name for name, sha in files if name and sha not in kept]
    store = storage or default_storage
    for name in doomed:
        transaction.on_commit(lambda name=name: _delete(store, name))


def delete_many_after_commit(files: list[tuple[Entry, str, str]], *, storage: Storage | None = None) -> None:
    """``delete_after_commit`` for the ``(entry, name, sha256)`` files of many entries (a batch
    import), reading their receipts in one query."""
    if not files:
        return
    kept: dict[int, set[str]] = {}
    rows = Submission.objects.filter(entry_id__in={e.pk for e, _, _ in files}).values_list(
        "entry_id", "manifest"
    )
    for entry_id, manifest in rows:
        for item in (manifest or {}).get("files", []):
            if isinstance(item, dict) and item.get("sha256"):
                kept.setdefault(entry_id, set()).add(item["sha256"])
    store = storage or default_storage
    for entry, name, sha in files:
        if name and sha not in kept.get(entry.pk, set()):
            transaction.on_commit(lambda name=name: _delete(store, name))


@contextmanager
def discard_on_failure(written: list[str], *, storage: Storage | None = None) -> Iterator[None]:
    """Delete the files named in ``written`` (filled in by the body) when the body raises."""
    try:
        yield
    except BaseException:
        for name in written:
            _delete(storage or default_storage, name)
        raise


def plan_identity_hits(*, entry: Entry, data: bytes) -> list[str]:
    """The entrant's own identity strings (enterprise or team name, credit code, contact, phones,
    e-mail, team members) found in the text of the plan ``data``, for a warning after upload.

    Review rounds are anonymous by default (``ReviewRound.blind``) and are set up after
    registration, so every entrant is told; the judge's pages blank these strings from the typed
    text, but a PDF's own text can only be changed by its author. The text is read by pypdf from at
    most ``MAX_PDF_PAGES`` pages and ``MAX_PLAN_TEXT_CHARS`` characters (bench/uploads.py)."""
    return identity_found(entry, v.plan_text(data))
