"""Security events in the audit trail (who, when, from where) and the one client-IP function."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from contest.accounts.models import User
from contest.core.client import client_ip, origin
from contest.core.models import AuditRecord
from tests.registration.factories import superuser, user

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

PASSWORD = "pw-Strong-2024"
UA = "Mozilla/5.0 (Linux; Android 14) Mobile"


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote, "HTTP_USER_AGENT": UA}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


# -- the client's address -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        ([], "127.0.0.1", "198.51.100.1", "127.0.0.1"),  # no proxy trusted: the header is ignored
        (["10.0.0.0/8"], "203.0.113.5", "198.51.100.1", "203.0.113.5"),  # not from a trusted proxy
        (["127.0.0.1"], "127.0.0.1", "198.51.100.1", "198.51.100.1"),
        (["127.0.0.1"], "127.0.0.1", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # spoofed left entry
        (["127.0.0.1", "10.0.0.0/8"], "127.0.0.1", "6.6.6.6, 198.51.100.1, 10.1.2.3", "198.51.100.1"),
        (["127.0.0.1"], "127.0.0.1", "", "127.0.0.1"),
        (["127.0.0.1"], "127.0.0.1", "not-an-ip", "127.0.0.1"),
        (["127.0.0.1"], "127.0.0.1", "[2001:db8::1]:443", "2001:db8::1"),
    ],
)
def test_client_ip_believes_x_forwarded_for_only_from_trusted_proxies(
    settings, trusted, remote, forwarded, expected
):
    settings.TRUSTED_PROXIES = trusted

    assert client_ip(request_from(remote, forwarded)) == expected


def test_origin_is_the_ip_and_the_user_agent(settings):
    settings.TRUSTED_PROXIES = []

    assert origin(request_from("192.0.2.8")) == {"ip": "192.0.2.8", "user_agent": UA}
    assert origin(None) == {"ip": None, "user_agent": ""}


def test_axes_counts_failures_by_the_same_function(settings):
    from axes.helpers import get_client_ip_address

    settings.TRUSTED_PROXIES = ["127.0.0.1"]

    assert get_client_ip_address(request_from("127.0.0.1", "6.6.6.6, 198.51.100.1")) == "198.51.100.1"


def test_rotating_x_forwarded_for_from_localhost_still_locks_out(settings):
    settings.TRUSTED_PROXIES = []
    person = user()
    client = Client(HTTP_USER_AGENT=UA)

    answers = [
        client.post(
            reverse("accounts:login"),
            {"username": person.email, "password": "wrong-password"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(6)
    ]
    right = client.post(
        reverse("accounts:login"),
        {"username": person.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )

    assert answers == [200, 200, 200, 200, 429, 429]
    assert right.status_code == 429
    locked = AuditRecord.objects.filter(action="accounts.sign_in.locked_out").first()
    assert (locked.object_id, locked.data) == (
        str(person.pk), {"known_account": True, "ip": "127.0.0.1", "user_agent": UA},
    )  # fmt: skip


# -- sign-in events -------------------------------------------------------------------------------


def test_a_sign_in_is_recorded_with_who_and_from_where():
    person = user()
    client = Client(HTTP_USER_AGENT=UA, REMOTE_ADDR="192.0.2.8")

    client.post(reverse("accounts:login"), {"username": person.email, "password": PASSWORD})

    record = AuditRecord.objects.get(action="accounts.sign_in.succeeded")
    assert (record.actor_id, record.object_id, record.data) == (
        person.pk, str(person.pk), {"second_factor": "none", "ip": "192.0.2.8", "user_agent": UA},
    )  # fmt: skip


def test_a_failed_sign_in_names_the_account_by_id_only_and_an_unknown_one_not_at_all():
    person = user()
    client = Client(HTTP_USER_AGENT=UA, REMOTE_ADDR="192.0.2.8")

    client.post(reverse("accounts:login"), {"username": person.email, "password": "wrong"})
    client.post(reverse("accounts:login"), {"username": "nobody@example.cn", "password": "wrong"})

    rows = list(
        AuditRecord.objects.filter(action="accounts.sign_in.failed")
        .order_by("seq")
        .values_list("actor_label", "object_id", "data")
    )
    where = {"ip": "192.0.2.8", "user_agent": UA}
    assert rows == [
        ("system", str(person.pk), {"known_account": True, **where}),
        ("system", "", {"known_account": False, **where}),
    ]
    assert "nobody@example.cn" not in str(AuditRecord.objects.values_list("data", flat=True))


# -- privilege changes --------------------------------------------------------------------------------


def test_making_a_user_staff_in_the_admin_is_recorded(client):
    admin = superuser()
    person = user()
    client.force_login(admin)
    url = reverse("admin:accounts_user_change", args=[person.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None
        and name not in ("password", "groups", "user_permissions", "last_login", "date_joined")
    }
    data.update({"is_staff": "on", "date_joined_0": "2026-01-01", "date_joined_1": "09:00:00"})
    if not person.is_active:
        data.pop("is_active")
    data["is_active"] = "on"

    response = client.post(url, data, HTTP_USER_AGENT=UA)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert User.objects.get(pk=person.pk).is_staff is True
    record = AuditRecord.objects.get(action="accounts.user.privileges_changed")
    assert (record.actor_id, record.object_id, record.data) == (
        admin.pk, str(person.pk), {"changes": {"is_staff": True}, "ip": "127.0.0.1", "user_agent": UA},
    )  # fmt: skip


# -- API tokens and exports ---------------------------------------------------------------------------


def test_issuing_and_revoking_an_api_token_record_where_from():
    person = user()
    client = Client(HTTP_USER_AGENT=UA, REMOTE_ADDR="192.0.2.8")
    client.force_login(person)

    created = client.post("/api/v1/tokens", {"name": "ERP 对接"}, content_type="application/json")
    token_id = created.json()["id"]
    client.post(f"/api/v1/tokens/{token_id}/revoke")

    rows = list(
        AuditRecord.objects.filter(action__startswith="accounts.api_token.")
        .order_by("seq")
        .values_list("action", "actor_id", "object_id", "data")
    )
    where = {"ip": "192.0.2.8", "user_agent": UA}
    prefix = created.json()["prefix"]
    assert rows == [
        (
            "accounts.api_token.issued",
            person.pk,
            str(token_id),
            {"name": "ERP 对接", "prefix": prefix, **where},
        ),
        (
            "accounts.api_token.revoked",
            person.pk,
            str(token_id),
            {"name": "ERP 对接", "prefix": prefix, **where},
        ),
    ]


def test_an_export_of_entries_is_one_audit_line_with_who_what_and_from_where(ningbo):
    from tests.registration.factories import organizer_for

    organizer = organizer_for(ningbo)
    client = Client(HTTP_USER_AGENT=UA, REMOTE_ADDR="192.0.2.8")
    client.force_login(organizer)

    response = client.get(reverse("console:entry_export", args=[ningbo.pk]))

    assert response.status_code == 200
    rows = list(
        AuditRecord.objects.filter(action="accounts.personal_data.exported").values_list(
            "actor_id", "object_id", "scope", "data"
        )
    )
    assert rows == [
        (organizer.pk, "registration.entries", f"event:{ningbo.pk}", {"ip": "192.0.2.8", "user_agent": UA})
    ]
    response.close()  # last (it ends the request: the test's database connection closes too)
