"""Stations of an event (赛区站点): the organizer adds, edits and deletes them through the catalog's
audited services, in the console or the admin; a station with entries cannot be deleted."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from contest.catalog import services
from contest.catalog.models import Event, EventZone
from contest.core.audit import verify_chain
from contest.core.errors import Conflict, FieldErrors, PermissionDenied
from contest.core.models import AuditRecord
from contest.registration import services as registration_services
from tests.accounts.html import field_errors, texts
from tests.registration.factories import open_registration, organizer_for, superuser, user

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

BERLIN = {"code": "de", "name": "德国", "name_en": "Germany", "country": "DE", "time_zone": "Europe/Berlin",
          "order": "3"}  # fmt: skip


@pytest.fixture
def overseas(edition9):
    return Event.objects.get(edition=edition9, tier="overseas_final")


def test_organizer_adds_a_station_and_it_is_audited(overseas):
    organizer = organizer_for(overseas)
    zone = services.create_zone(by=organizer, event=overseas, data=BERLIN)
    assert (zone.code, zone.name, zone.name_en, zone.country, zone.time_zone, zone.order) == (
        "de", "德国", "Germany", "DE", "Europe/Berlin", 3,
    )  # fmt: skip
    record = AuditRecord.objects.get(action="catalog.zone.created")
    assert (record.object_id, record.scope, record.data["time_zone"]) == (
        str(zone.pk), f"event:{overseas.pk}", "Europe/Berlin",
    )  # fmt: skip
    assert verify_chain()[1] is None


def test_stranger_cannot_manage_stations(overseas):
    with pytest.raises(PermissionDenied):
        services.create_zone(by=user(), event=overseas, data=BERLIN)
    assert not EventZone.objects.exists()


def test_station_fields_are_checked():
    with pytest.raises(FieldErrors) as caught:
        services.clean_zone({"code": "De Station", "name": "", "name_en": "x\x00", "country": "XX",
                             "time_zone": "Mars/Olympus", "order": "-1"})  # fmt: skip
    assert caught.value.fields == {
        "code": "代码为 1–30 位小写字母、数字或连字符，以字母或数字开头。",
        "name": "请填写名称。",
        "name_en": "含有不可见的控制字符，请删除后重试。",
        "country": "请选择国家或地区（ISO 3166-1 代码）。",
        "time_zone": "“Mars/Olympus”不是 IANA 时区名称，例如 Europe/Berlin、Asia/Singapore。",
        "order": "排序应为 0–1000 的整数。",
    }


def test_station_code_and_name_are_unique_in_the_event(overseas):
    services.create_zone(by=None, event=overseas, data=BERLIN)
    with pytest.raises(FieldErrors) as caught:
        services.create_zone(by=None, event=overseas, data={**BERLIN, "name": "德国二"})
    assert caught.value.fields == {"code": "本赛事已有代码为“de”的站点。"}
    with pytest.raises(FieldErrors) as caught:
        services.create_zone(by=None, event=overseas, data={**BERLIN, "code": "de2"})
    assert caught.value.fields == {"name": "本赛事已有名为“德国”的站点。"}


def test_station_with_entries_cannot_be_deleted_or_recoded(overseas):
    from tests.registration.test_overseas import overseas_team_owner

    open_registration(overseas)
    zone = services.create_zone(by=None, event=overseas, data=BERLIN)
    person = overseas_team_owner()
    registration_services.create_entry(
        by=person, event=overseas, group_code="maker", data={"title": "P"}, zone="de"
    )
    with pytest.raises(Conflict) as caught:
        services.delete_zone(by=None, zone=zone)
    assert caught.value.message == "站点“德国”已有 1 个报名，不能删除。"
    with pytest.raises(Conflict) as caught:
        services.update_zone(by=None, zone=zone, data={**BERLIN, "code": "berlin"})
    assert caught.value.message == "已有报名属于此站点，不能修改代码。"
    renamed = services.update_zone(by=None, zone=zone, data={**BERLIN, "name_en": "Germany (Berlin)"})
    assert renamed.name_en == "Germany (Berlin)"
    assert AuditRecord.objects.get(action="catalog.zone.updated").data == {
        "changes": {"name_en": {"before": "Germany", "after": "Germany (Berlin)"}}
    }


def test_unused_station_is_deleted_and_audited(overseas):
    zone = services.create_zone(by=None, event=overseas, data=BERLIN)
    services.delete_zone(by=organizer_for(overseas), zone=zone)
    assert not EventZone.objects.exists()
    assert AuditRecord.objects.get(action="catalog.zone.deleted").data["name"] == "德国"


# -- the console page -----------------------------------------------------------------------------


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_console_lists_adds_edits_and_deletes_stations(overseas):
    client = signed_in(organizer_for(overseas))
    url = reverse("catalog:zone_list", kwargs={"event_id": overseas.pk})
    response = client.post(url, BERLIN)
    assert response.status_code == 302
    zone = EventZone.objects.get(event=overseas)
    page = client.get(url)
    assert texts(page, "td")[:6] == ["de", "德国", "Germany", "德国", "Europe/Berlin", "3"]
    edit = reverse("catalog:zone_edit", kwargs={"event_id": overseas.pk, "zone_id": zone.pk})
    refused = client.post(edit, {**BERLIN, "time_zone": "Europe/Bonn"})
    assert field_errors(refused) == ["“Europe/Bonn”不是 IANA 时区名称，例如 Europe/Berlin、Asia/Singapore。"]
    assert client.post(edit, {**BERLIN, "name": "德国站"}).status_code == 302
    zone.refresh_from_db()
    assert zone.name == "德国站"
    delete = reverse("catalog:zone_delete", kwargs={"event_id": overseas.pk, "zone_id": zone.pk})
    assert client.post(delete).status_code == 302
    assert not EventZone.objects.exists()


def test_console_is_404_outside_the_organizers_events(overseas, edition9):
    zone = services.create_zone(by=None, event=overseas, data=BERLIN)
    other = Event.objects.get(edition=edition9, tier="regional", seq=30)
    outsider = signed_in(organizer_for(other))
    assert outsider.get(reverse("catalog:zone_list", kwargs={"event_id": overseas.pk})).status_code == 404
    edit = reverse("catalog:zone_edit", kwargs={"event_id": overseas.pk, "zone_id": zone.pk})
    assert outsider.post(edit, BERLIN).status_code == 404
    # another event's id with this station's id: not found either
    mine = signed_in(organizer_for(other))
    assert (
        mine.get(reverse("catalog:zone_edit", kwargs={"event_id": other.pk, "zone_id": zone.pk})).status_code
        == 404
    )


def test_admin_refuses_an_unknown_time_zone(overseas):
    client = signed_in(superuser())
    data = {**BERLIN, "event": overseas.pk, "time_zone": "Berlin"}
    page = client.post(reverse("admin:catalog_eventzone_add"), data)
    assert page.status_code == 200
    assert "“Berlin”不是 IANA 时区名称，例如 Europe/Berlin、Asia/Singapore。" in page.content.decode()
    data["time_zone"] = "Europe/Berlin"
    assert client.post(reverse("admin:catalog_eventzone_add"), data).status_code == 302
    assert AuditRecord.objects.filter(action="catalog.eventzone.created").count() == 1
