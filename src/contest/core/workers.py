"""Background workers: their heartbeat, and whether queued work is waiting for a worker nobody runs.

``manage.py run_worker`` runs django-tasks' database worker and, beside it, a thread that writes a
:class:`~contest.core.models.WorkerHeartbeat` every :data:`HEARTBEAT_SECONDS`. A worker counts as
alive while its heartbeat is younger than :data:`ALIVE_SECONDS` and it has not said it stopped.
:func:`stalled_work` is what the console shows: queued tasks older than :data:`STALL_AFTER` while no
worker is alive.

Long jobs prove they are alive on their own row: :class:`KeepAlive` writes ``heartbeat_at`` while
the job's body runs, so a job whose worker died is found by its old heartbeat (:func:`stale_before`)
and failed by its app's ``expire_stale_*`` service — lazily, when someone starts or looks at a job,
and periodically from ``run_worker`` (:func:`run_periodic_checks`, setting ``WORKER_PERIODIC_CHECKS``).

Organizer-facing jobs go ahead of bulk work: they are enqueued with :data:`PRIORITY_INTERACTIVE`,
bulk jobs with :data:`PRIORITY_BULK`; the database worker takes the highest priority first.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from contest.core.models import WorkerHeartbeat

HEARTBEAT_SECONDS = 10
ALIVE_SECONDS = 45
STALL_AFTER = timedelta(minutes=2)
DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"
#: organizer-facing jobs (assignment runs, certificate batches): the worker takes them first
PRIORITY_INTERACTIVE = 50
#: bulk jobs (the duplicate check after an import): taken when nothing more urgent waits
PRIORITY_BULK = -50
#: how often a running job writes its ``heartbeat_at``
JOB_HEARTBEAT_SECONDS = 30
#: a running job whose heartbeat (or start) is older than this has lost its worker
STALE_JOB_AFTER = timedelta(minutes=5)
#: how often ``run_worker`` runs the periodic checks (stale jobs)
CHECK_SECONDS = 60
logger = logging.getLogger(__name__)


def uses_database_queue() -> bool:
    return settings.TASKS.get("default", {}).get("BACKEND") == DATABASE_BACKEND


def beat(worker_id: str, *, queues: str = "", started_at: datetime | None = None) -> WorkerHeartbeat:
    now = timezone.now()
    heartbeat, _created = WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"hostname": socket.gethostname()[:200], "pid": os.getpid(), "queues": queues[:200],
                  "seen_at": now, "stopped_at": None},
        create_defaults={"hostname": socket.gethostname()[:200], "pid": os.getpid(), "queues": queues[:200],
                         "seen_at": now, "started_at": started_at or now},
    )  # fmt: skip
    return heartbeat


def stopped(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).update(stopped_at=timezone.now())


def alive_workers(now: datetime | None = None):
    now = now or timezone.now()
    return WorkerHeartbeat.objects.filter(
        seen_at__gte=now - timedelta(seconds=ALIVE_SECONDS), stopped_at__isnull=True
    )


@dataclass(frozen=True)
class Stall:
    """Work waiting with nobody to run it."""

    waiting: int
    oldest: datetime
    minutes: int


def stalled_work(now: datetime | None = None) -> Stall | None:
    """Queued tasks older than :data:`STALL_AFTER` while no worker is alive, or None. Two queries
    (none at all when tasks do not go through the database queue)."""
    if not uses_database_queue():
        return None
    now = now or timezone.now()
    waiting = DBTaskResult.objects.filter(status="READY", enqueued_at__lte=now - STALL_AFTER)
    oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    if oldest is None or alive_workers(now).exists():
        return None
    return Stall(waiting=waiting.count(), oldest=oldest, minutes=int((now - oldest).total_seconds() // 60))


class Heart:
    """A daemon thread writing a worker's heartbeat until :meth:`stop`, and running the periodic
    checks (:func:`run_periodic_checks`) every ``check_every`` seconds."""

    def __init__(self, worker_id: str, *, queues: str = "", every: float = HEARTBEAT_SECONDS,
                 check_every: float = CHECK_SECONDS):  # fmt: skip
        self.worker_id, self.queues, self.every, self.check_every = worker_id, queues, every, check_every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{worker_id}", daemon=True)
        self.started_at = timezone.now()

    def start(self) -> Heart:
        beat(self.worker_id, queues=self.queues, started_at=self.started_at)
        self._thread.start()
        return self

    def _run(self) -> None:
        last_check = 0.0
        try:
            while not self._stop.wait(self.every):
                close_old_connections()
                beat(self.worker_id, queues=self.queues, started_at=self.started_at)
                if time.monotonic() - last_check >= self.check_every:
                    last_check = time.monotonic()
                    run_periodic_checks()
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 5)
        stopped(self.worker_id)


def stale_before(now: datetime | None = None) -> datetime:
    """Running jobs whose last heartbeat is older than this have lost their worker."""
    after = getattr(settings, "STALE_JOB_AFTER", None) or STALE_JOB_AFTER
    return (now or timezone.now()) - after


def stale_jobs(limit: datetime, *, running: str, queued: str) -> Q:
    """The condition selecting a job model's stale rows: running with no heartbeat (nor start) since
    ``limit``; or queued since before ``limit`` while no worker is alive to take them (the database
    queue only — other backends never leave a job queued)."""
    condition = Q(status=running) & (
        Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, created_at__lt=limit)
    )
    if uses_database_queue() and not alive_workers().exists():
        condition |= Q(status=queued, created_at__lt=limit)
    return condition


class KeepAlive:
    """While a job's body runs, write ``heartbeat_at`` on its row every ``every`` seconds (a daemon
    thread with its own connection). Use as a context manager around the body::

        with KeepAlive(CertificateBatch, batch_id):
            ...
    """

    def __init__(self, model, pk: int, *, every: float = JOB_HEARTBEAT_SECONDS):
        self.model, self.pk, self.every = model, pk, every
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"keepalive-{model.__name__}-{pk}", daemon=True
        )

    def touch(self) -> None:
        self.model.objects.filter(pk=self.pk).update(heartbeat_at=timezone.now())

    def __enter__(self) -> KeepAlive:
        self.touch()
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                try:
                    self.touch()
                except Exception:  # a heartbeat must never break the job; the next one retries
                    logger.warning("heartbeat of %s %s failed", self.model.__name__, self.pk, exc_info=True)
        finally:
            connection.close()

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def run_periodic_checks() -> dict[str, int]:
    """Run every check named in ``WORKER_PERIODIC_CHECKS`` (dotted paths of functions taking no
    argument and returning a count); a failing check is logged and the others still run."""
    results = {}
    for path in getattr(settings, "WORKER_PERIODIC_CHECKS", ()):
        try:
            results[path] = import_string(path)()
        except Exception:
            logger.exception("periodic check %s failed", path)
            results[path] = -1
    return results
