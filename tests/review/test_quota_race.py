"""Publishing at once cannot exceed a quota.

Each test releases two threads, each with its own database connection, together (a barrier)
into the advancement services of one closed round with a quota of 3 enterprise places.

* PostgreSQL: the round's row is locked (SELECT … FOR UPDATE) from staging to publication, so the
  second caller waits, then finds the round published.
* SQLite: transactions begin IMMEDIATE, so writers queue for the database's one write lock. The
  test database of pytest-django is in memory with a shared cache, where a second writer is not
  queued but refused at once with "database table is locked" (SQLITE_LOCKED, which the busy
  timeout does not cover). ``at_once`` retries exactly that refusal — a refused statement has
  changed nothing — which is what the busy timeout does for the deployed file database. Any other
  error is reported as it is.
"""

import threading
import time
from collections.abc import Callable

import pytest
from django.db import OperationalError, connection

from contest.core.errors import ContestError
from contest.review import services
from contest.review.enums import Decision, RoundStatus
from contest.review.models import AdvancementDecision, Quota

from ..registration.factories import organizer_for
from .factories import expert, qualified_entries
from .judging import FULL

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _retrying(step: Callable[[], object]) -> object:
    """Run ``step``; on in-memory SQLite, again while another connection holds the write lock."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return step()
        except OperationalError as exc:
            in_memory_lock = connection.vendor == "sqlite" and "locked" in str(exc)
            if not in_memory_lock or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def at_once(*works: Callable[[Callable[[], None]], object]) -> list[tuple[str, object]]:
    """Run each ``work(sync)`` in its own thread, all released together; ``sync()`` is a second
    barrier a work may use between two steps. Each outcome: ("ok", result) or (error, message)."""
    start = threading.Barrier(len(works), timeout=30)
    middle = threading.Barrier(len(works), timeout=60)
    outcomes: list[tuple[str, object]] = [("never ran", None)] * len(works)

    def run(i: int) -> None:
        try:
            start.wait()
            outcomes[i] = ("ok", works[i](middle.wait))
        except ContestError as exc:
            outcomes[i] = (type(exc).__name__, exc.message)
        except Exception as exc:
            outcomes[i] = ("crash", repr(exc))
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread never finished"
    return sorted(outcomes, key=lambda outcome: outcome[0])


@pytest.fixture
def closed_round(restore_divisions, ningbo):
    """宁波's round with 6 qualified enterprise entries, each scored by one judge, closed, 3 places
    for the enterprise group; two organizers of the event."""
    entries, organizer = qualified_entries(ningbo, 6)
    judge = expert(organizer)
    round_ = services.create_round(by=organizer, edition=ningbo.edition, event=ningbo,
                                   data={"name": "复赛", "stage": "semifinal", "judges_per_entry": 1})  # fmt: skip
    services.add_entries(by=organizer, round=round_)
    services.add_judges(by=organizer, round=round_, experts=[judge])
    pinned = [
        services.pin_assignment(by=organizer, round_entry=re, expert=judge)
        for re in round_.round_entries.all()
    ]
    services.set_round_status(by=organizer, round=round_, to=RoundStatus.OPEN)
    for assignment in pinned:
        services.save_sheet(by=judge.user, assignment=assignment, scores=FULL, submit=True)
    services.set_round_status(by=organizer, round=round_, to=RoundStatus.CLOSED)
    services.set_quota(by=organizer, round=round_, group_code="enterprise", kind="count", count=3)
    return {"round": round_, "entries": entries, "organizers": [organizer, organizer_for(ningbo)]}


def published_advances(round_) -> list[int]:
    return sorted(
        AdvancementDecision.objects.filter(
            round=round_, decision=Decision.ADVANCE, published_at__isnull=False
        ).values_list("round_entry__entry_id", flat=True)
    )


def test_two_organizers_staging_and_publishing_at_once_take_the_quota_once(closed_round):
    round_, e = closed_round["round"], closed_round["entries"]
    first, second = closed_round["organizers"]

    def attempt(by, mine):
        return lambda sync: _retrying(
            lambda: services.publish_decisions(by=by, round=round_, decisions={x.pk: "advance" for x in mine})
        )

    outcomes = at_once(attempt(first, e[:2]), attempt(second, e[2:4]))

    assert outcomes == [("Conflict", "结果已发布，不能再修改晋级决定。"), ("ok", {"enterprise": 2})]
    quota = Quota.objects.get(round=round_)
    advanced = published_advances(round_)
    assert advanced in ([x.pk for x in e[:2]], [x.pk for x in e[2:4]])
    assert quota.taken == len(advanced) == 2 <= 3
    assert AdvancementDecision.objects.filter(round=round_).count() == 2  # the refused call staged nothing


def test_the_same_staged_decisions_published_twice_at_once_take_the_quota_once(closed_round):
    round_, e = closed_round["round"], closed_round["entries"]
    organizer = closed_round["organizers"][0]
    services.stage_decisions(by=organizer, round=round_, decisions={x.pk: "advance" for x in e[:3]})

    def publish(sync):
        return _retrying(lambda: services.publish_advancement(by=organizer, round=round_))

    outcomes = at_once(publish, publish)

    assert outcomes == [("Conflict", "请先结束评审，再发布晋级结果。"), ("ok", {"enterprise": 3})]
    assert Quota.objects.get(round=round_).taken == len(published_advances(round_)) == 3


def test_decisions_staged_apart_then_published_at_once_are_judged_together(closed_round):
    """Staged by two organizers, the round holds 4 advancing decisions; publishing publishes all
    of a round's staged decisions together, so both publications are refused and nothing is taken."""
    round_, e = closed_round["round"], closed_round["entries"]
    first, second = closed_round["organizers"]

    def attempt(by, mine):
        def work(sync):
            _retrying(
                lambda: services.stage_decisions(
                    by=by, round=round_, decisions={x.pk: "advance" for x in mine}
                )
            )
            sync()  # both have staged
            return _retrying(lambda: services.publish_advancement(by=by, round=round_))

        return work

    outcomes = at_once(attempt(first, e[:2]), attempt(second, e[2:4]))

    refused = ("Conflict", "enterprise 组晋级 4 个，超过名额 3 个。")
    assert outcomes == [refused, refused]
    assert (Quota.objects.get(round=round_).taken, published_advances(round_)) == (0, [])
    round_.refresh_from_db()
    assert round_.status == RoundStatus.CLOSED
