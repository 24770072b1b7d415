"""Two tabs at once: the services' row locks make simultaneous requests come out one at a time.

Each test starts two threads, each with its own database connection, held at a barrier and
released together into the same service. On PostgreSQL the second waits on the first's row
lock (SELECT … FOR UPDATE); on SQLite, whose transactions begin IMMEDIATE, the second waits
for the write lock at BEGIN. Either way it then sees the first's committed work.
"""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from contest.core.errors import ContestError
from contest.registration import services
from contest.registration.models import Entry, EntryTransition, Submission

from .factories import ENTRY, complete_entry, enterprise_owner

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("separate_connections"),
]

NINGBO = "第九届“创客中国”宁波市中小企业创新创业大赛"


@pytest.fixture
def separate_connections():
    """Skip where threads cannot hold separate connections that wait for each other.

    pytest-django's default SQLite test database is in memory with a shared cache: there a
    second writer fails at once with "database table is locked" (SQLITE_LOCKED; the busy
    timeout applies only to SQLITE_BUSY), which no deployed SQLite file behaves like. These
    tests run on PostgreSQL, and on SQLite when the test database is a file
    (``DATABASES["default"]["TEST"]["NAME"]``), where they pass.
    """
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("the in-memory SQLite test database cannot make one connection wait for another")


def at_once(work: Callable[[], object], tabs: int = 2) -> list[tuple[str, object]]:
    """Run ``work`` in ``tabs`` threads released together; each outcome is ("ok", result)
    or (error class name, message)."""
    barrier = threading.Barrier(tabs, timeout=30)
    outcomes: list[tuple[str, object]] = []
    lock = threading.Lock()

    def tab() -> None:
        try:
            barrier.wait()
            result: tuple[str, object] = ("ok", work())
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
