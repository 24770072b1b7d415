"""Masks for personal information, and consent to the privacy notice (issue 10)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from contest.accounts.models import User
from contest.core import privacy
from contest.core.models import AuditRecord
from contest.core.privacy_models import PrivacyConsent

from ..registration.factories import user

PASSWORD = "Chuangke-2024!"


# -- masks ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [("13812345678", "138****5678"), ("+8613812345678", "138****5678"), ("138 1234 5678", "138****5678"),
     ("0574-87654321", "********4321"), ("123", "***"), ("", ""), (None, "")],
)  # fmt: skip
def test_mask_phone(value, masked):
    assert privacy.mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [("33020319900101123X", "3302**********123X"), ("E12345678", "E1*****78"), ("G123", "****"), ("", "")],
)
def test_mask_id_number(value, masked):
    assert privacy.mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"), [("lin.xiaofeng@example.cn", "l***@example.cn"), ("abc", "***"), ("", "")]
)
def test_mask_email(value, masked):
    assert privacy.mask_email(value) == masked


def test_mask_name():
    assert (privacy.mask_name("林晓峰"), privacy.mask_name("王五"), privacy.mask_name("")) == (
        "林**",
        "王*",
        "",
    )


def test_full_contacts_only_for_the_secretariat_and_the_managing_organizer(db, edition9):
    from contest.accounts.enums import RoleKind
    from contest.accounts.models import Role

    secretariat, judge = user(), user()
    Role.objects.create(user=secretariat, kind=RoleKind.SECRETARIAT, edition=edition9)
    Role.objects.create(user=judge, kind=RoleKind.JUDGE)
    assert [
        privacy.sees_full_contacts(secretariat, manages_object=False),
        privacy.sees_full_contacts(user(), manages_object=True),
        privacy.sees_full_contacts(judge, manages_object=False),
        privacy.sees_full_contacts(None, manages_object=True),
    ] == [True, True, False, False]


# -- consent at sign-up ----------------------------------------------------------------------------------


def test_sign_up_requires_consent_to_the_privacy_notice(client, db):
    data = {"identifier": "founder@example.cn", "password": PASSWORD, "password_confirm": PASSWORD}
    response = client.post(reverse("accounts:signup"), data)
    assert response.context["form"].errors["accept_privacy"] == ["请阅读并同意《个人信息保护政策》后再注册。"]
    assert User.objects.filter(username="founder@example.cn").exists() is False


def test_sign_up_records_the_version_time_and_address_of_the_consent(client, db):
    data = {"identifier": "founder@example.cn", "password": PASSWORD, "password_confirm": PASSWORD,
            "accept_privacy": "on"}  # fmt: skip
    response = client.post(reverse("accounts:signup"), data, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    consent = PrivacyConsent.objects.get()
    person = User.objects.get(username="founder@example.cn")
    assert (consent.user, consent.version, consent.ip_address, consent.context) == (
        person,
        privacy.PRIVACY_NOTICE_VERSION,
        "203.0.113.7",
        "signup",
    )
    record = AuditRecord.objects.get(action="privacy.consent.given")
    assert record.data == {
        "version": privacy.PRIVACY_NOTICE_VERSION,
        "ip": "203.0.113.7",
        "context": "signup",
    }


def test_the_privacy_notice_page_shows_its_version(client, db):
    html = client.get("/privacy/").content.decode()
    assert f"个人信息保护政策（版本 {privacy.PRIVACY_NOTICE_VERSION}）" in html


# -- consent again at sign-in ----------------------------------------------------------------------------


@pytest.fixture
def asking(settings):
    settings.PRIVACY_CONSENT_AT_SIGN_IN = True
    return settings


def sign_in(client, person):
    return client.post(reverse("accounts:login"), {"username": person.username, "password": "pw-Strong-2024"})


def test_a_user_without_consent_is_asked_at_the_next_sign_in_then_passes(client, db, asking):
    person = user("old-entrant")
    assert sign_in(client, person).status_code == 302
    page = client.get("/notices/")
    assert (page.status_code, page["Location"]) == (302, "/privacy/accept/?next=%2Fnotices%2F")
    assert client.get("/api/v1/editions").status_code == 200  # the API is never interrupted
    refused = client.post("/privacy/accept/", {"next": "/notices/"})
    assert (refused.status_code, refused.context["form"].errors["accept"]) == (200, ["请勾选同意后继续。"])
    accepted = client.post(
        "/privacy/accept/", {"next": "/notices/", "accept": "on"}, REMOTE_ADDR="198.51.100.4"
    )
    assert (accepted.status_code, accepted["Location"]) == (302, "/notices/")
    consent = PrivacyConsent.objects.get(user=person)
    assert (consent.version, consent.context, consent.ip_address) == (
        privacy.PRIVACY_NOTICE_VERSION,
        "sign_in",
        "198.51.100.4",
    )
    assert client.get("/notices/").status_code == 200


def test_a_new_notice_version_is_asked_for_once_more(client, db, asking):
    person = user("loyal-entrant")
    PrivacyConsent.objects.create(user=person, version=privacy.PRIVACY_NOTICE_VERSION, accepted_at="2026-12-01T00:00Z",
                                  context="signup")  # fmt: skip
    sign_in(client, person)
    assert client.get("/notices/").status_code == 200
    client.logout()
    asking.PRIVACY_NOTICE_VERSION = "2027-03-01"
    sign_in(client, person)
    assert client.get("/notices/")["Location"] == "/privacy/accept/?next=%2Fnotices%2F"
    client.post("/privacy/accept/", {"next": "/notices/", "accept": "on"})
    assert sorted(PrivacyConsent.objects.filter(user=person).values_list("version", flat=True)) == [
        "2026-12-01",
        "2027-03-01",
    ]


def test_an_unsafe_next_after_accepting_goes_home(client, db, asking):
    person = user("careful")
    sign_in(client, person)
    response = client.post("/privacy/accept/", {"next": "https://evil.example/", "accept": "on"})
    assert response["Location"] == "/"
