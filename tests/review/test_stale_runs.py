"""An assignment run whose worker died is failed once its heartbeat is older than STALE_JOB_AFTER —
when the organizer's page polls it, when a new run is requested, and by run_worker's periodic check
— and the new run then does the work."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from contest.core.lifecycle import transition
from contest.core.models import AuditRecord
from contest.core.workers import run_periodic_checks
from contest.review import services
from contest.review.enums import RunStatus
from contest.review.models import Assignment, AssignmentRun

from .factories import expert, qualified_entries

pytestmark = pytest.mark.integration
T = datetime(2024, 6, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
REASON = "后台任务中断：自 2024-06-03 10:00 起没有进展，已标记为失败；请重新分配。"


@pytest.fixture
def round_(ningbo):
    _entries, organizer = qualified_entries(ningbo, 2)
    round_ = services.create_round(by=organizer, edition=ningbo.edition, event=ningbo,
                                   data={"name": "网络初评", "stage": "preliminary", "judges_per_entry": 1})  # fmt: skip
    services.add_entries(by=organizer, round=round_)
    services.add_judges(by=organizer, round=round_, experts=[expert(organizer), expert(organizer)])
    round_.organizer = organizer
    return round_


def dead_run(round_) -> AssignmentRun:
    """A run a worker started at T and then died on: running at 40 %, no heartbeat since."""
    with time_machine.travel(T, tick=False):
        run = services.request_assignment(by=round_.organizer, round=round_)
        transition(run, RunStatus.RUNNING, by=None, values={"progress": 40, "heartbeat_at": T})
    return run


def test_polling_fails_a_dead_run_after_the_threshold(client, round_):
    run = dead_run(round_)
    client.force_login(round_.organizer)
    url = reverse("review:assignment_status", args=[round_.pk])

    with time_machine.travel(T + timedelta(minutes=4, seconds=59), tick=False):
        alive = client.get(url).json()
    with time_machine.travel(T + timedelta(minutes=5, seconds=1), tick=False):
        dead = client.get(url).json()

    assert (alive["status"], alive["progress"], alive["finished"]) == ("running", 40, False)
    assert (dead["id"], dead["status"], dead["progress"], dead["message"], dead["finished"]) == (
        run.pk, "failed", 100, REASON, True)  # fmt: skip
    record = AuditRecord.objects.get(action="review.assignment_run.failed", object_id=str(run.pk))
    assert (record.actor_id, record.data["before"], record.data["reason"]) == (None, "running", REASON)


def test_new_run_fails_the_dead_one_and_assigns(round_, django_capture_on_commit_callbacks):
    run = dead_run(round_)
    with (
        time_machine.travel(T + timedelta(minutes=6), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        fresh = services.request_assignment(by=round_.organizer, round=round_)
    run.refresh_from_db()
    fresh.refresh_from_db()
    assert (run.status, run.finished_at) == (RunStatus.FAILED, T + timedelta(minutes=6))
    assert (fresh.status, fresh.message) == (RunStatus.DONE, "分配完成")
    assert Assignment.objects.filter(round=round_).count() == 2


def test_run_worker_periodic_check_fails_dead_runs_only(round_):
    run = dead_run(round_)
    with time_machine.travel(T + timedelta(minutes=6), tick=False):
        first = run_periodic_checks()
        second = run_periodic_checks()
    assert first == {
        "contest.awards.services.expire_stale_batches": 0,
        "contest.review.services.expire_stale_runs": 1,
        "contest.accounts.security.clear_old_sign_in_sessions": 0,
        "contest.packages.services.expire_stale_imports": 0,
    }
    assert second["contest.review.services.expire_stale_runs"] == 0
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED


def test_a_finished_run_records_its_heartbeat_and_is_never_expired(
    round_, django_capture_on_commit_callbacks
):
    with time_machine.travel(T, tick=False), django_capture_on_commit_callbacks(execute=True):
        run = services.request_assignment(by=round_.organizer, round=round_)
    with time_machine.travel(T + timedelta(hours=1), tick=False):
        assert services.expire_stale_runs() == 0
    run.refresh_from_db()
    assert (run.status, run.heartbeat_at) == (RunStatus.DONE, T)


def test_a_task_delivered_again_for_an_ended_run_changes_nothing_and_logs_no_error(
    round_, django_capture_on_commit_callbacks, caplog
):
    from contest.review.tasks import run_assignment_task

    with django_capture_on_commit_callbacks(execute=True):
        run = services.request_assignment(by=round_.organizer, round=round_)
    run.refresh_from_db()
    before = (
        run.status,
        run.finished_at,
        Assignment.objects.filter(round=round_).count(),
        AuditRecord.objects.count(),
    )

    with caplog.at_level("INFO", logger="contest.review.tasks"):
        outcome = run_assignment_task.call(run.pk)

    run.refresh_from_db()
    after = (
        run.status,
        run.finished_at,
        Assignment.objects.filter(round=round_).count(),
        AuditRecord.objects.count(),
    )
    assert (outcome, after) == (RunStatus.DONE, before)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", f"assignment run {run.pk} had already ended (done); nothing to do")
    ]
