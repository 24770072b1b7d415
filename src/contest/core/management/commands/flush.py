"""``flush`` that lifts the SQLite audit triggers for its ``DELETE FROM`` and puts them back.

PostgreSQL's flush uses TRUNCATE, which the row triggers do not intercept.
"""

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

from contest.core import db_guards


class Command(DjangoFlush):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        db_guards.remove(connection)
        try:
            return super().handle(**options)
        finally:
            db_guards.install(connection)
