"""Two tabs at once: the services' row locks make simultaneous requests come out one at a time.

Each test starts two threads, each with its own database connection, held at a barrier and
released together into the same service. On PostgreSQL the second waits on the first's row
lock (SELECT … FOR UPDATE), then sees the first's committed work.

pytest-django's SQLite test database is in memory with a shared cache, where a connection that
meets another's write lock is refused at once ("database table is locked", SQLITE_LOCKED — the
busy timeout only covers SQLITE_BUSY) instead of waiting as it would on a database file. The
refused attempt's transaction rolls back whole, so running it again after a pause is the same
as having waited: ``at_once`` does that, there only.
"""

import threading
import time
from collections.abc import Callable

import pytest
from django.db import OperationalError, connection

from contest.core.errors import ContestError
from contest.registration import services
from contest.registration.models import Entry, EntryTransition, Submission

from .factories import ENTRY, complete_entry, enterprise_owner

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

NINGBO = "第九届“创客中国”宁波市中小企业创新创业大赛"


def _refused_by_shared_cache(exc: OperationalError) -> bool:
    return connection.vendor == "sqlite" and connection.is_in_memory_db() and "locked" in str(exc)


def _waiting(work: Callable[[], object], *, patience: float = 20.0) -> object:
    """``work()``; on the in-memory SQLite test database, run again while refused by a lock."""
    give_up = time.monotonic() + patience
    while True:
        try:
            return work()
        except OperationalError as exc:
            if not _refused_by_shared_cache(exc) or time.monotonic() > give_up:
                raise
            time.sleep(0.005)


def at_once(work: Callable[[], object], tabs: int = 2) -> list[tuple[str, object]]:
    """Run ``work`` in ``tabs`` threads released together; each outcome is ("ok", result)
    or (error class name, message)."""
    barrier = threading.Barrier(tabs, timeout=30)
    outcomes: list[tuple[str, object]] = []
    lock = threading.Lock()

    def tab() -> None:
        try:
            barrier.wait()
            result: tuple[str, object] = ("ok", _waiting(work))
        except ContestError as exc:
            result = (type(exc).__name__, exc.message)
        except Exception as exc:
            result = ("crash", repr(exc))
        finally:
            connection.close()  # this thread's own connection
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=tab) for _ in range(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a tab never finished"
    return sorted(outcomes, key=lambda outcome: outcome[0])


def test_double_submit_from_two_tabs_makes_one_submission(restore_divisions, ningbo):
    entry = complete_entry(ningbo)
    owner = entry.owner

    outcomes = at_once(lambda: services.submit_entry(by=owner, entry=entry).number)

    number = f"CK9-R30-{entry.pk:06d}"
    assert outcomes == [("Conflict", "项目已提交，无需重复提交。"), ("ok", f"{number}-1")]
    entry.refresh_from_db()
    assert (entry.status, entry.number) == ("submitted", number)
    assert list(Submission.objects.filter(entry=entry).values_list("number", flat=True)) == [f"{number}-1"]
    assert list(EntryTransition.objects.filter(entry=entry).values_list("from_status", "to_status")) == [
        ("draft", "submitted")
    ]


def test_two_creates_by_the_same_owner_from_two_tabs_make_one_entry(restore_divisions, ningbo):
    owner = enterprise_owner()

    outcomes = at_once(
        lambda: (
            services.create_entry(
                by=owner, event=ningbo, group_code="enterprise", data={"title": ENTRY["title"]}
            ).pk
        )
    )

    entry = Entry.objects.get(owner=owner)
    assert outcomes == [
        ("Conflict", f"本届每个企业（团队）只能报名一个项目，已在“{NINGBO}”报名“{ENTRY['title']}”。"),
        ("ok", entry.pk),
    ]
