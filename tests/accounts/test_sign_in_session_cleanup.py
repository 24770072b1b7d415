"""Rows of signed-in sessions are deleted some days after their sign-in expired, and once their
browser session is gone; one audit record counts what was deleted."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import CommandError, call_command

from contest.accounts import security
from contest.accounts.models import SignInSession
from contest.core.models import AuditRecord
from contest.core.workers import run_periodic_checks
from tests.registration.factories import user

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AGE = timedelta(seconds=settings.SESSION_COOKIE_AGE)
ORIGIN = {"ip": "127.0.0.1", "user_agent": "Mozilla/5.0"}


def signed_in(person, *, last_seen: datetime, stored: bool = True) -> str:
    """A sign-in row last seen at ``last_seen``; with ``stored``, its session is in the store too."""
    store = SessionStore()
    store["_auth_user_id"] = str(person.pk)
    with time_machine.travel(last_seen, tick=False):
        store.create()  # expires SESSION_COOKIE_AGE after it was last used
        security.start_session(user=person, session_key=store.session_key, origin=ORIGIN)
    if not stored:
        store.delete()
    return store.session_key


@pytest.fixture
def sessions(db):
    """Four rows: current; expired 29 days ago; expired 31 days ago; signed out two hours ago."""
    person = user()
    return {
        "current": signed_in(person, last_seen=NOW - timedelta(minutes=5)),
        "expired_29": signed_in(person, last_seen=NOW - AGE - timedelta(days=29)),
        "expired_31": signed_in(person, last_seen=NOW - AGE - timedelta(days=31)),
        "signed_out": signed_in(person, last_seen=NOW - timedelta(hours=2), stored=False),
    }


def left(keys: dict[str, str]) -> list[str]:
    remaining = set(SignInSession.objects.values_list("session_key", flat=True))
    return sorted(name for name, key in keys.items() if key in remaining)


def test_sessions_expired_beyond_the_retention_and_signed_out_ones_are_deleted_with_one_record(sessions):
    with time_machine.travel(NOW, tick=False):
        counts = security.clear_sign_in_sessions(days=30)

    record = AuditRecord.objects.get(action="accounts.session.cleared")
    assert counts == {"expired": 1, "signed_out": 1}
    assert left(sessions) == ["current", "expired_29"]
    assert (record.actor_id, record.object_type, record.data) == (
        None,
        "accounts.signinsession",
        {"expired": 1, "signed_out": 1, "deleted": 2, "retention_days": 30},
    )


def test_a_session_whose_store_entry_is_gone_is_kept_within_the_grace_hour(db):
    person = user()
    key = signed_in(person, last_seen=NOW - timedelta(minutes=59), stored=False)

    with time_machine.travel(NOW, tick=False):
        counts = security.clear_sign_in_sessions(days=30)

    assert counts == {"expired": 0, "signed_out": 0}
    assert list(SignInSession.objects.values_list("session_key", flat=True)) == [key]
    assert AuditRecord.objects.filter(action="accounts.session.cleared").count() == 0


def test_clearing_twice_deletes_nothing_the_second_time_and_records_once(sessions):
    with time_machine.travel(NOW, tick=False):
        security.clear_sign_in_sessions(days=30)
        again = security.clear_sign_in_sessions(days=30)

    assert again == {"expired": 0, "signed_out": 0}
    assert AuditRecord.objects.filter(action="accounts.session.cleared").count() == 1


def test_the_command_takes_the_number_of_days(sessions):
    out = io.StringIO()

    with time_machine.travel(NOW, tick=False):
        call_command("clear_sign_in_sessions", "--days", "0", stdout=out)

    assert left(sessions) == ["current"]
    assert out.getvalue() == "已删除 3 条登录会话记录（过期 2 条，已退出 1 条）。\n"


def test_the_command_refuses_a_negative_number_of_days(sessions):
    with pytest.raises(CommandError, match="保留天数不能为负数。"):
        call_command("clear_sign_in_sessions", "--days", "-1", stdout=io.StringIO())

    assert len(left(sessions)) == 4


def test_the_worker_clears_them_among_its_periodic_checks(sessions, settings):
    settings.WORKER_PERIODIC_CHECKS = ["contest.accounts.security.clear_old_sign_in_sessions"]
    settings.SIGN_IN_SESSION_RETENTION_DAYS = 30

    with time_machine.travel(NOW, tick=False):
        results = run_periodic_checks()

    assert results == {"contest.accounts.security.clear_old_sign_in_sessions": 2}
    assert left(sessions) == ["current", "expired_29"]


def test_the_worker_setting_names_the_cleanup():
    assert "contest.accounts.security.clear_old_sign_in_sessions" in settings.WORKER_PERIODIC_CHECKS
