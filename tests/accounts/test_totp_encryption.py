"""TOTP secrets are stored encrypted and authenticated, bound to their row; a changed key with the old
one kept as a fallback still works (and the secret is sealed again), a lost key asks the user to enrol
again — never a 500."""

from __future__ import annotations

import base64
import importlib
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from django.apps import apps
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse

from contest.accounts import security
from contest.accounts.enums import RoleKind
from contest.accounts.models import (
    Role,
    TwoFactorDevice,
    UnreadableSecret,
    open_secret,
    seal_secret,
)
from contest.catalog.models import Organization
from contest.core.errors import ValidationFailed
from contest.core.models import AuditRecord
from tests.registration.factories import user

from .html import field_errors

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

PASSWORD = "pw-Strong-2024"
NOW = datetime(2026, 3, 2, 9, 0, 15, tzinfo=UTC)
ORIGIN = {"ip": "127.0.0.1", "user_agent": "pytest"}
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
MIGRATION = importlib.import_module("contest.accounts.migrations.0004_two_factor_secret_encrypted")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _keys(settings):
    settings.TWO_FACTOR_REQUIRED = True
    settings.TOTP_ENCRYPTION_KEY = "key-one"
    settings.TOTP_ENCRYPTION_KEY_FALLBACKS = []


@pytest.fixture
def organizer(db):
    person = user()
    organization = Organization.objects.create(name="宁波市中小企业服务中心")
    Role.objects.create(user=person, kind=RoleKind.ORGANIZER, organization=organization)
    return person


def enrol(person) -> list[str]:
    code = pyotp.TOTP(SECRET).at(NOW - timedelta(seconds=30))
    codes = security.enable_two_factor(user=person, secret=SECRET, code=code, origin=ORIGIN)
    return codes


def stored(person) -> str:
    return TwoFactorDevice.objects.get(user=person).sealed_secret


# -- the seal ----------------------------------------------------------------------------------------


def test_the_secret_is_stored_sealed_and_read_back_in_the_clear(organizer):
    enrol(organizer)

    sealed = stored(organizer)
    assert sealed.startswith("v1$")
    assert SECRET not in sealed
    assert len(sealed) == 3 + 107  # base64 of 16 nonce + 32 secret + 32 tag bytes, unpadded
    assert TwoFactorDevice.objects.get(user=organizer).secret == SECRET


def test_two_seals_of_one_secret_differ():
    assert seal_secret(SECRET, user_id=1) != seal_secret(SECRET, user_id=1)


def flipped(sealed: str, index: int) -> str:
    """``sealed`` with one bit of its ``index``-th byte (nonce ‖ ciphertext ‖ tag) flipped."""
    version, body = sealed.split("$")
    packed = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    packed[index] ^= 1
    return f"{version}${base64.urlsafe_b64encode(bytes(packed)).decode().rstrip('=')}"


@pytest.mark.parametrize(
    "alter",
    [
        lambda s: flipped(s, 0),  # a nonce byte
        lambda s: flipped(s, 16),  # a ciphertext byte
        lambda s: flipped(s, -1),  # the tag
        lambda s: s[:20],  # cut short
        lambda s: "v2" + s[2:],  # an unknown version
        lambda s: SECRET,  # plain text
    ],
    ids=["nonce", "ciphertext", "tag", "short", "version", "plain"],
)
def test_an_altered_seal_does_not_open(alter):
    with pytest.raises(UnreadableSecret):
        open_secret(alter(seal_secret(SECRET, user_id=7)), user_id=7)


def test_a_seal_copied_onto_another_users_row_does_not_open():
    with pytest.raises(UnreadableSecret):
        open_secret(seal_secret(SECRET, user_id=7), user_id=8)


def test_without_a_dedicated_key_the_secret_key_seals(settings):
    settings.TOTP_ENCRYPTION_KEY = ""
    sealed = seal_secret(SECRET, user_id=7)

    settings.TOTP_ENCRYPTION_KEY = "key-one"  # SECRET_KEY still opens what it sealed
    assert open_secret(sealed, user_id=7) == (SECRET, True)
    settings.SECRET_KEY = "another-secret-key"
    with pytest.raises(UnreadableSecret):
        open_secret(sealed, user_id=7)


# -- key rotation ------------------------------------------------------------------------------------


def test_after_a_key_change_the_old_key_as_fallback_still_signs_in_and_the_secret_is_sealed_again(
    organizer, settings
):
    enrol(organizer)
    before = stored(organizer)
    settings.TOTP_ENCRYPTION_KEY = "key-two"
    settings.TOTP_ENCRYPTION_KEY_FALLBACKS = ["key-one"]

    security.verify_code(user=organizer, code=pyotp.TOTP(SECRET).at(NOW), origin=ORIGIN)

    after = stored(organizer)
    settings.TOTP_ENCRYPTION_KEY_FALLBACKS = []
    assert after != before
    assert open_secret(after, user_id=organizer.pk) == (SECRET, False)  # the new key alone opens it


# -- a lost key ---------------------------------------------------------------------------------------


def test_a_secret_no_key_opens_is_refused_with_a_message_and_recorded(organizer, settings):
    enrol(organizer)
    settings.TOTP_ENCRYPTION_KEY = "key-two"

    with pytest.raises(ValidationFailed) as refused:
        security.verify_code(user=organizer, code=pyotp.TOTP(SECRET).at(NOW), origin=ORIGIN)

    assert (refused.value.code, refused.value.message) == ("unreadable_secret", security.UNREADABLE_SECRET)
    record = AuditRecord.objects.filter(action="accounts.sign_in.second_factor_failed").get()
    assert record.data == {"reason": "unreadable_secret", **ORIGIN}


def test_the_second_step_page_explains_a_secret_no_key_opens(organizer, settings):
    enrol(organizer)
    settings.TOTP_ENCRYPTION_KEY = "key-two"
    client = Client()
    client.post(reverse("accounts:login"), {"username": organizer.email, "password": PASSWORD})

    response = client.post(reverse("accounts:two_factor_verify"), {"code": pyotp.TOTP(SECRET).at(NOW)})

    assert response.status_code == 200
    assert field_errors(response) == [security.UNREADABLE_SECRET]


def test_a_recovery_code_signs_in_and_removes_the_unreadable_device_so_the_user_enrols_again(
    organizer, settings
):
    codes = enrol(organizer)
    settings.TOTP_ENCRYPTION_KEY = "key-two"

    left = security.use_recovery_code(user=organizer, code=codes[0], origin=ORIGIN)

    assert left == 9
    assert TwoFactorDevice.objects.filter(user=organizer).exists() is False
    record = AuditRecord.objects.get(action="accounts.two_factor.unreadable_removed")
    assert record.data == {"user": organizer.pk, **ORIGIN}


def test_a_recovery_code_keeps_a_readable_device(organizer):
    codes = enrol(organizer)

    security.use_recovery_code(user=organizer, code=codes[0], origin=ORIGIN)

    assert TwoFactorDevice.objects.filter(user=organizer).count() == 1


# -- the data migration -------------------------------------------------------------------------------


def test_the_migration_seals_a_secret_stored_in_the_clear_and_leaves_sealed_ones(organizer):
    enrol(organizer)
    other = user()
    enrol(other)
    sealed_before = stored(other)
    QuerySet(TwoFactorDevice).filter(user=organizer).update(sealed_secret=SECRET)

    MIGRATION.seal_every_secret(apps, None)

    assert stored(organizer).startswith("v1$")
    assert open_secret(stored(organizer), user_id=organizer.pk) == (SECRET, False)
    assert stored(other) == sealed_before


def test_the_migration_backwards_opens_every_secret_and_drops_what_no_key_opens(organizer, settings):
    enrol(organizer)
    other = user()
    enrol(other)
    QuerySet(TwoFactorDevice).filter(user=other).update(
        sealed_secret=seal_secret(SECRET, user_id=other.pk, key=b"lost")
    )

    MIGRATION.open_every_secret(apps, None)

    assert list(TwoFactorDevice.objects.values_list("user_id", "sealed_secret")) == [(organizer.pk, SECRET)]
