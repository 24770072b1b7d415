"""Background workers: their heartbeat, and whether queued work is waiting for a worker nobody runs.

``manage.py run_worker`` runs django-tasks' database worker and, beside it, a thread that writes a
:class:`~contest.core.models.WorkerHeartbeat` every :data:`HEARTBEAT_SECONDS`. A worker counts as
alive while its heartbeat is younger than :data:`ALIVE_SECONDS` and it has not said it stopped.
:func:`stalled_work` is what the console shows: queued tasks older than :data:`STALL_AFTER` while no
worker is alive.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from contest.core.models import WorkerHeartbeat

HEARTBEAT_SECONDS = 10
ALIVE_SECONDS = 45
STALL_AFTER = timedelta(minutes=2)
DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"


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
    """A daemon thread writing a worker's heartbeat until :meth:`stop`."""

    def __init__(self, worker_id: str, *, queues: str = "", every: float = HEARTBEAT_SECONDS):
        self.worker_id, self.queues, self.every = worker_id, queues, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{worker_id}", daemon=True)
        self.started_at = timezone.now()

    def start(self) -> Heart:
        beat(self.worker_id, queues=self.queues, started_at=self.started_at)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                close_old_connections()
                beat(self.worker_id, queues=self.queues, started_at=self.started_at)
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 5)
        stopped(self.worker_id)
