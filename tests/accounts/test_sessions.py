"""Signed-in sessions: the list on the account-security page, ending one, signing out everywhere,
bounded bookkeeping writes, and the idle timeout of staff accounts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contest.accounts.enums import RoleKind
from contest.accounts.models import Role, SignInSession
from contest.accounts.security_views import session_handle
from contest.catalog.models import Organization
from contest.core.models import AuditRecord
from tests.registration.factories import user

from .html import texts

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

PASSWORD = "pw-Strong-2024"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"
DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def organizer(db):
    organization = Organization.objects.create(name="宁波市中小企业服务中心")
    person = user()
    Role.objects.create(user=person, kind=RoleKind.ORGANIZER, organization=organization)
    return person


def signed_in(person, agent: str, ip: str = "127.0.0.1") -> Client:
    """Signed in through the sign-in page (an account without two-factor)."""
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = client.post(reverse("accounts:login"), {"username": person.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def forced(person, agent: str) -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    client.force_login(person)  # both steps done (tests/conftest.py)
    return client


def test_signing_in_records_the_session_with_device_ip_and_times():
    person = user()

    client = Client(HTTP_USER_AGENT=PHONE, REMOTE_ADDR="203.0.113.9")
    client.post(reverse("accounts:login"), {"username": person.email, "password": PASSWORD})

    row = SignInSession.objects.get()
    assert (row.session_key, row.user, row.ip, row.user_agent, row.signed_in_at, row.last_seen_at) == (
        client.session.session_key, person, "203.0.113.9", PHONE, NOW, NOW,
    )  # fmt: skip


def test_the_security_page_lists_the_users_sessions_newest_first_and_marks_this_one(clock):
    person = user()
    desktop = signed_in(person, DESKTOP, "198.51.100.7")
    clock.shift(timedelta(minutes=5))
    phone = signed_in(person, PHONE, "203.0.113.9")
    signed_in(user(), DESKTOP)  # someone else's

    response = phone.get(reverse("accounts:security"))

    items = texts(response, "li", class_="session")
    assert len(items) == 2
    assert items[0].startswith(f"{PHONE} · 本设备 IP 地址：203.0.113.9 登录时间：2026-03-02 17:05")
    assert items[1].startswith(f"{DESKTOP} IP 地址：198.51.100.7 登录时间：2026-03-02 17:00")
    assert desktop.session.session_key not in response.content.decode()  # keys are credentials


def bookkeeping(queries) -> list[str]:
    return [q["sql"].split(" ")[0] for q in queries if "signinsession" in q["sql"]]


def test_last_seen_is_written_at_most_once_a_minute(clock):
    person = user()
    client = signed_in(person, PHONE)
    url = reverse("accounts:security")
    clock.shift(timedelta(seconds=59))
    with CaptureQueriesContext(connection) as quiet:
        client.get(url)
    seen_early = SignInSession.objects.get().last_seen_at
    clock.shift(timedelta(seconds=2))
    with CaptureQueriesContext(connection) as touched:
        client.get(url)

    assert seen_early == NOW
    assert SignInSession.objects.get().last_seen_at == NOW + timedelta(seconds=61)
    # the page itself reads the sessions once; the minute's refresh adds one UPDATE
    assert bookkeeping(quiet.captured_queries) == ["SELECT"]
    assert bookkeeping(touched.captured_queries) == ["UPDATE", "SELECT"]


def test_ending_another_session_signs_that_device_out_at_once():
    person = user()
    phone, desktop = signed_in(person, PHONE), signed_in(person, DESKTOP)
    handle = session_handle(desktop.session.session_key)

    response = phone.post(reverse("accounts:end_session", args=[handle]))

    assert (response.status_code, response["Location"]) == (302, reverse("accounts:security"))
    assert desktop.get(reverse("accounts:security"))["Location"].startswith(reverse("accounts:login"))
    assert phone.get(reverse("accounts:security")).status_code == 200
    assert list(SignInSession.objects.values_list("user_agent", flat=True)) == [PHONE]
    record = AuditRecord.objects.get(action="accounts.session.ended")
    assert (record.actor_id, record.data["ip"], record.data["user_agent"]) == (person.pk, "127.0.0.1", PHONE)


def test_a_session_of_another_user_cannot_be_ended():
    person, stranger = user(), user()
    phone = signed_in(person, PHONE)
    theirs = signed_in(stranger, DESKTOP)

    response = phone.post(reverse("accounts:end_session", args=[session_handle(theirs.session.session_key)]))

    assert response.status_code == 302
    assert theirs.get(reverse("accounts:security")).status_code == 200
    assert AuditRecord.objects.filter(action="accounts.session.ended").count() == 0


def test_sign_out_everywhere_ends_every_session_of_the_user_only():
    person, stranger = user(), user()
    phone, desktop = signed_in(person, PHONE), signed_in(person, DESKTOP)
    theirs = signed_in(stranger, DESKTOP)

    response = phone.post(reverse("accounts:end_all_sessions"))

    assert (response.status_code, response["Location"]) == (302, reverse("accounts:login"))
    for client in (phone, desktop):
        assert client.get(reverse("accounts:security"))["Location"].startswith(reverse("accounts:login"))
    assert theirs.get(reverse("accounts:security")).status_code == 200
    assert list(SignInSession.objects.values_list("user", flat=True)) == [stranger.pk]
    record = AuditRecord.objects.get(action="accounts.session.ended_all")
    assert record.data == {"ended": 2, "kept_current": False, "ip": "127.0.0.1", "user_agent": PHONE}


def test_a_staff_account_is_signed_out_after_thirty_idle_minutes(organizer, clock):
    client = forced(organizer, PHONE)
    client.get("/console/")
    clock.shift(timedelta(minutes=29))
    still = client.get("/console/")
    clock.shift(timedelta(minutes=30, seconds=1))

    response = client.get("/console/")

    assert still.status_code == 200
    assert (response.status_code, response["Location"]) == (
        302,
        f"{reverse('accounts:login')}?next=%2Fconsole%2F",
    )
    assert "_auth_user_id" not in client.session
    assert SignInSession.objects.count() == 0


def test_the_idle_timeout_is_a_setting(organizer, clock, settings):
    settings.STAFF_IDLE_TIMEOUT = 5 * 60
    client = forced(organizer, PHONE)
    clock.shift(timedelta(minutes=5, seconds=1))

    response = client.get("/console/")

    assert response["Location"] == f"{reverse('accounts:login')}?next=%2Fconsole%2F"


def test_an_entrant_is_not_signed_out_when_idle(clock):
    entrant = user()
    client = signed_in(entrant, PHONE)
    clock.shift(timedelta(hours=3))

    response = client.get(reverse("registration:entry_list"))

    assert response.status_code == 200
    assert SignInSession.objects.get().last_seen_at == NOW + timedelta(hours=3)


def test_signing_out_forgets_the_session_row():
    person = user()
    client = signed_in(person, PHONE)

    client.post(reverse("accounts:logout"))

    assert SignInSession.objects.count() == 0
    assert Session.objects.count() == 0


@pytest.mark.parametrize("others", [0, 2])
def test_the_security_page_reads_the_sessions_in_one_query_however_many(others, django_assert_num_queries):
    person = user()
    client = signed_in(person, PHONE)
    for _ in range(others):
        signed_in(person, DESKTOP)
    client.get(reverse("accounts:security"))  # settle the session

    with django_assert_num_queries(5):  # session, user, sessions, two-factor device, header's roles
        response = client.get(reverse("accounts:security"))

    assert len(texts(response, "li", class_="session")) == 1 + others
