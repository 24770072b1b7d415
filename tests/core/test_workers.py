"""Background workers: `run_worker` runs queued work and keeps a heartbeat; the console warns when
work waits and no worker is alive."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from contest.core.models import WorkerHeartbeat
from contest.core.workers import Stall, beat, stalled_work

from ..registration.factories import superuser

pytestmark = pytest.mark.integration

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
NOON = datetime(2026, 7, 20, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DONE = []


@task()
def note_done(value: str) -> str:
    DONE.append(value)
    return value


@pytest.fixture
def database_queue(settings):
    settings.TASKS = DATABASE_QUEUE
    DONE.clear()


def test_run_worker_runs_queued_work_and_leaves_a_stopped_heartbeat(database_queue, transactional_db):
    """Transactional: the worker closes database connections between tasks, as it must in production."""
    note_done.enqueue("分配")

    call_command(
        "run_worker", "--batch", "--no-startup-delay", "--no-reload", "--worker-id", "w1", verbosity=0
    )

    heartbeat = WorkerHeartbeat.objects.get()
    assert (DONE, DBTaskResult.objects.get().status, heartbeat.worker_id, heartbeat.stopped_at is not None) == (
        ["分配"], "SUCCESSFUL", "w1", True,
    )  # fmt: skip


def test_queued_work_younger_than_the_threshold_is_not_stalled(database_queue, db):
    with time_machine.travel(NOON, tick=False):
        note_done.enqueue("x")
    with time_machine.travel(NOON + timedelta(minutes=1, seconds=59), tick=False):
        assert stalled_work() is None


def test_queued_work_older_than_the_threshold_with_no_worker_is_stalled(database_queue, db):
    with time_machine.travel(NOON, tick=False):
        note_done.enqueue("x")
        note_done.enqueue("y")
    with time_machine.travel(NOON + timedelta(minutes=3, seconds=10), tick=False):
        assert stalled_work() == Stall(waiting=2, oldest=NOON, minutes=3)


def test_a_live_worker_means_nothing_is_stalled_until_its_heartbeat_goes_quiet(database_queue, db):
    with time_machine.travel(NOON, tick=False):
        note_done.enqueue("x")
    with time_machine.travel(NOON + timedelta(minutes=3), tick=False):
        beat("w1")  # a worker busy with something long
        assert stalled_work() is None
    with time_machine.travel(NOON + timedelta(minutes=3, seconds=46), tick=False):
        assert stalled_work() == Stall(waiting=1, oldest=NOON, minutes=3)


def test_console_warns_when_work_waits_for_a_worker(database_queue, client, db):
    with time_machine.travel(NOON, tick=False):
        note_done.enqueue("x")
    client.force_login(superuser())

    with time_machine.travel(NOON + timedelta(minutes=5), tick=False):
        warned = client.get("/console/")
        beat("w1")
        calm = client.get("/console/")

    assert (warned.status_code, "后台任务没有在运行" in warned.text) == (200, True)
    assert (calm.status_code, "后台任务没有在运行" in calm.text) == (200, False)


def test_public_pages_never_warn_about_workers(database_queue, client, db):
    with time_machine.travel(NOON, tick=False):
        note_done.enqueue("x")
    client.force_login(superuser())
    with time_machine.travel(NOON + timedelta(minutes=5), tick=False):
        public = client.get("/")
        console = client.get("/console/")
    assert (public.status_code, "后台任务没有在运行" in public.text) == (200, False)
    assert "后台任务没有在运行" in console.text
