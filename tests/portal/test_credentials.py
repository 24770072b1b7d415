"""Portal credentials: created by the event's organizers or secretariat, shown once, stored as a
hash, revocable, audited; and the API's sign-in with them (Bearer or Basic, 401 otherwise)."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest
import time_machine

from contest.accounts import tokens
from contest.catalog.models import Event
from contest.core.errors import Conflict, FieldErrors, NotFound
from contest.core.models import AuditRecord
from contest.portal import services
from contest.portal.credentials import split_credential
from contest.portal.models import PortalClient
from tests.registration.factories import SHANGHAI, organizer_for, superuser, user

from .factories import PortalApi, new_client

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

REFUSED = {"detail": "接口凭据无效或已撤销。", "code": "unauthenticated", "field": None}
MISSING = {
    "detail": "请在请求头中提供接口凭据：Authorization: Bearer <client_id>.<secret>。",
    "code": "unauthenticated",
    "field": None,
}


@pytest.fixture
def organizer(ningbo):
    return organizer_for(ningbo, "ningbo-org")


@pytest.fixture
def shenzhen(edition9):
    return Event.objects.get(edition=edition9, tier="regional", seq=33)


# -- create ---------------------------------------------------------------------------------------


def test_create_stores_only_the_sha256_of_the_secret_and_audits(ningbo, organizer):
    client, credential = services.create_portal_client(
        by=organizer, event=ningbo, name=" 宁波报名平台 ", origin={"ip": "10.0.0.1", "user_agent": "pytest"}
    )

    client_id, secret = split_credential(credential)
    stored = PortalClient.objects.get()
    assert (stored.client_id, stored.name, stored.event, stored.created_by) == (
        client_id,
        "宁波报名平台",
        ningbo,
        organizer,
    )
    assert stored.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(PortalClient.objects.values().get())
    assert (len(client_id), client_id[:3], len(secret)) == (19, "pc_", 43)
    record = AuditRecord.objects.get(action="portal.client.created")
    assert (record.object_id, record.scope, record.actor_id) == (
        str(client.pk),
        f"event:{ningbo.pk}",
        organizer.pk,
    )
    assert record.data == {"event": ningbo.pk, "name": "宁波报名平台", "client_id": client_id, "ip": "10.0.0.1",
                           "user_agent": "pytest"}  # fmt: skip


def test_the_edition_s_secretariat_may_create_one_too(ningbo):
    client, _ = services.create_portal_client(by=superuser(), event=ningbo, name="秘书处代建")

    assert client.event == ningbo


def test_an_organizer_of_another_event_cannot_create_one(ningbo, shenzhen):
    with pytest.raises(NotFound):
        services.create_portal_client(by=organizer_for(shenzhen), event=ningbo, name="越权")
    with pytest.raises(NotFound):
        services.create_portal_client(by=user(), event=ningbo, name="路人")

    assert PortalClient.objects.count() == 0
    assert AuditRecord.objects.filter(action="portal.client.created").count() == 0


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("  ", "请填写用途（如“广东省报名平台”），便于日后辨认。"),
        ("x" * 101, "用途不能超过 100 个字符（当前 101 个）。"),
        ("平台\x00", "含有不可见的控制字符，请删除后重试。"),
    ],
)
def test_a_bad_name_is_refused_naming_the_field(ningbo, organizer, name, message):
    with pytest.raises(FieldErrors) as refused:
        services.create_portal_client(by=organizer, event=ningbo, name=name)

    assert refused.value.fields == {"name": message}
    assert PortalClient.objects.count() == 0


def test_an_event_keeps_at_most_five_active_credentials(ningbo, organizer):
    made = [services.create_portal_client(by=organizer, event=ningbo, name=f"平台{i}")[0] for i in range(5)]

    with pytest.raises(Conflict) as refused:
        services.create_portal_client(by=organizer, event=ningbo, name="第六个")
    services.revoke_portal_client(by=organizer, client=made[0])
    services.create_portal_client(by=organizer, event=ningbo, name="轮换")

    assert refused.value.message == "每场赛事最多保留 5 个有效凭据（当前 5 个），请先撤销不再使用的凭据。"
    assert PortalClient.objects.filter(revoked_at__isnull=True).count() == 5


# -- revoke ---------------------------------------------------------------------------------------


def test_revoke_is_audited_once_and_idempotent(ningbo, organizer):
    client, _ = new_client(ningbo, organizer)

    with time_machine.travel(datetime(2024, 7, 2, 9, tzinfo=SHANGHAI), tick=False):
        services.revoke_portal_client(by=organizer, client=client)
        services.revoke_portal_client(by=organizer, client=client)

    client.refresh_from_db()
    assert (client.revoked_at, client.revoked_by) == (datetime(2024, 7, 2, 9, tzinfo=SHANGHAI), organizer)
    records = AuditRecord.objects.filter(action="portal.client.revoked")
    assert [(r.object_id, r.data["client_id"]) for r in records] == [(str(client.pk), client.client_id)]


def test_an_organizer_of_another_event_cannot_revoke(ningbo, shenzhen):
    client, _ = new_client(ningbo)

    with pytest.raises(NotFound):
        services.revoke_portal_client(by=organizer_for(shenzhen), client=client)

    client.refresh_from_db()
    assert client.revoked_at is None


# -- signing in -----------------------------------------------------------------------------------


def test_bearer_and_basic_both_open_the_api_and_record_the_last_use(ningbo):
    client, credential = new_client(ningbo)

    with time_machine.travel(datetime(2024, 7, 3, 10, tzinfo=SHANGHAI), tick=False):
        bearer = PortalApi(credential).get("/summary")
        basic = PortalApi(credential, basic=True).get("/summary")

    assert (bearer.status_code, basic.status_code) == (200, 200)
    assert bearer.json()["event_id"] == basic.json()["event_id"] == ningbo.pk
    client.refresh_from_db()
    assert client.last_used_at == datetime(2024, 7, 3, 10, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer pc_AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",  # unknown client
        "Bearer not-a-credential",
        "Bearer " + "x" * 5000,
        "Basic !!!not-base64",
        "Basic " + "cGNfQUFBQUFBQUFBQUFBQUFBQTpzZWNyZXQ=",  # pc_AAAAAAAAAAAAAAAA:secret
    ],
)
def test_an_unusable_credential_is_a_401_in_json(ningbo, client, header):
    response = client.get("/api/v1/portal/summary", headers={"Authorization": header})

    assert (response.status_code, response.json()) == (401, REFUSED)


def test_no_credential_at_all_says_how_to_send_one(ningbo, client):
    response = client.get("/api/v1/portal/summary")

    assert (response.status_code, response.json()) == (401, MISSING)


def test_the_wrong_secret_of_a_real_client_is_a_401(ningbo):
    _, credential = new_client(ningbo)
    client_id, secret = split_credential(credential)
    wrong = secret[:-1] + ("A" if secret[-1] != "A" else "B")

    response = PortalApi(f"{client_id}.{wrong}").get("/summary")

    assert (response.status_code, response.json()) == (401, REFUSED)


def test_a_revoked_credential_is_a_401_from_then_on(ningbo, organizer):
    client, credential = new_client(ningbo, organizer)
    api = PortalApi(credential)
    before = api.get("/summary").status_code

    services.revoke_portal_client(by=organizer, client=client)

    assert (before, api.get("/summary").status_code, api.get("/entries").status_code) == (200, 401, 401)
    assert api.push([{"group": "enterprise"}]).json() == REFUSED


def test_a_personal_api_token_does_not_open_the_portal_api_nor_a_credential_the_rest(ningbo, organizer):
    _, key = tokens.issue_api_token(by=organizer, name="个人令牌")
    _, credential = new_client(ningbo, organizer)

    with_token = PortalApi(key).get("/summary")
    elsewhere = PortalApi(credential).client.get(
        f"/api/v1/events/{ningbo.pk}/entries", headers={"Authorization": f"Bearer {credential}"}
    )

    assert (with_token.status_code, with_token.json()) == (401, REFUSED)
    assert elsewhere.status_code == 401
