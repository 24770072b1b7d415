"""The console page of an event's portal credentials: list with last use, create (the credential
shown once), revoke (confirm, then POST), recent pushes with their counts; 404 outside the scope."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import time_machine
from django.urls import reverse

from contest.catalog.models import Event
from contest.core.models import AuditRecord
from contest.portal.credentials import split_credential
from contest.portal.models import PortalClient
from tests.registration.factories import SHANGHAI, organizer_for, superuser, user

from .factories import PortalApi, enterprise_item, new_client

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def organizer(ningbo):
    return organizer_for(ningbo, "ningbo-org")


@pytest.fixture
def shenzhen(edition9):
    return Event.objects.get(edition=edition9, tier="regional", seq=33)


@pytest.fixture
def org_client(client, organizer):
    client.force_login(organizer)
    return client


def text_of(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_creating_a_credential_shows_it_once_and_never_again(org_client, ningbo, organizer):
    url = reverse("portal:clients", args=[ningbo.pk])

    created = org_client.post(url, {"name": "宁波报名平台"})
    later = org_client.get(url)

    client = PortalClient.objects.get()
    credential = created.context["credential"]
    assert split_credential(credential)[0] == client.client_id
    assert credential in created.content.decode()
    assert created["Cache-Control"] == "no-store"
    assert credential not in later.content.decode()
    assert client.client_id in later.content.decode()
    assert (client.name, client.created_by) == ("宁波报名平台", organizer)
    assert AuditRecord.objects.filter(action="portal.client.created").count() == 1


def test_a_refused_name_is_shown_with_the_form_errors(org_client, ningbo):
    response = org_client.post(reverse("portal:clients", args=[ningbo.pk]), {"name": "  "})

    assert response.status_code == 200
    assert 'id="form-errors"' in response.content.decode()
    assert response.context["form"].errors == {"name": ["这个字段是必填项。"]}
    assert PortalClient.objects.count() == 0


def test_the_list_shows_last_use_and_the_recent_pushes_with_their_counts(org_client, ningbo, organizer):
    _, credential = new_client(ningbo, organizer, name="正式平台")
    with time_machine.travel(datetime(2024, 7, 5, 14, 30, tzinfo=SHANGHAI), tick=False):
        api = PortalApi(credential)
        api.push([enterprise_item("A"), enterprise_item("B")], key="first")
        api.push([enterprise_item("C", code="91330203MA0000000X")], key="second")

    page = org_client.get(reverse("portal:clients", args=[ningbo.pk]))

    text = text_of(page)
    assert "正式平台" in text
    assert "2024-07-05 14:30" in text
    assert [(p.key, p.accepted, p.counts) for p in page.context["pushes"]] == [
        ("second", False, {"created": 0, "updated": 0, "unchanged": 0, "invalid": 1}),
        ("first", True, {"created": 2, "updated": 0, "unchanged": 0, "invalid": 0}),
    ]
    assert [c.push_count for c in page.context["clients"]] == [2]


def test_list_page_queries_do_not_grow_with_clients_and_pushes(
    org_client, ningbo, organizer, django_assert_max_num_queries
):
    url = reverse("portal:clients", args=[ningbo.pk])
    org_client.get(url)
    for i in range(3):
        _, credential = new_client(ningbo, organizer, name=f"平台{i}")
        PortalApi(credential).push([enterprise_item(f"K{i}")], key=f"k{i}")

    with django_assert_max_num_queries(20):
        response = org_client.get(url)

    assert len(response.context["clients"]) == 3


def test_revoking_asks_first_then_revokes_on_post(org_client, ningbo, organizer):
    client, credential = new_client(ningbo, organizer)
    url = reverse("portal:revoke", args=[client.pk])

    asked = org_client.get(url)
    client.refresh_from_db()
    still = client.revoked_at
    done = org_client.post(url)

    client.refresh_from_db()
    assert (asked.status_code, still) == (200, None)
    assert "确认撤销" in text_of(asked)
    assert (done.status_code, done["Location"]) == (302, reverse("portal:clients", args=[ningbo.pk]))
    assert (client.revoked_at is not None, client.revoked_by) == (True, organizer)
    assert PortalApi(credential).get("/summary").status_code == 401
    assert AuditRecord.objects.filter(action="portal.client.revoked").count() == 1


def test_the_secretariat_may_manage_every_event_s_credentials(client, ningbo):
    client.force_login(superuser())

    response = client.post(reverse("portal:clients", args=[ningbo.pk]), {"name": "秘书处代建"})

    assert response.status_code == 200
    assert PortalClient.objects.get().event == ningbo


def test_another_event_s_organizer_and_strangers_get_404_on_every_page(client, ningbo, shenzhen):
    mine, _ = new_client(ningbo)
    urls = [reverse("portal:clients", args=[ningbo.pk]), reverse("portal:revoke", args=[mine.pk])]

    answers = []
    for person in (organizer_for(shenzhen), user()):
        client.force_login(person)
        answers += [
            (client.get(url).status_code, client.post(url, {"name": "x"}).status_code) for url in urls
        ]

    assert answers == [(404, 404)] * 4
    mine.refresh_from_db()
    assert (mine.revoked_at, PortalClient.objects.count()) == (None, 1)


def test_signed_out_visitors_are_sent_to_sign_in(client, ningbo):
    response = client.get(reverse("portal:clients", args=[ningbo.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
