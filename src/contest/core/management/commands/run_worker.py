"""``manage.py run_worker``: django-tasks' database worker with a heartbeat the console can see.

Takes every option of ``db_worker`` (``--queue-name``, ``--batch``, ``--interval`` …). While it runs,
a thread writes its :class:`~contest.core.models.WorkerHeartbeat`; on exit the row says it stopped.
"""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from contest.core.workers import Heart


class Command(DatabaseWorker):
    help = "Run the background worker (django-tasks database queue) and keep its heartbeat."

    def handle(self, *args, **options):
        heart = Heart(options["worker_id"], queues=str(options.get("queue_name") or "")).start()
        try:
            return super().handle(*args, **options)
        finally:
            heart.stop()
