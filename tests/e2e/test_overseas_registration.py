"""A team of Chinese students in Singapore, on a phone (375 px) in English, registers as an overseas
team with passports and Singapore mobiles, enters the overseas final at its 新加坡 station and reads
the deadline in Beijing time and in Singapore's zone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from contest.catalog import services as catalog_services
from contest.catalog.models import Event
from contest.registration.models import Entry, MakerTeam
from tests.registration.factories import open_registration, user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-Strong-2024"  # tests.registration.factories.user


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.fixture
def overseas(edition9):
    event = Event.objects.get(edition=edition9, tier="overseas_final")
    open_registration(event)  # closes 2030-07-31 24:00 Beijing time
    for order, (code, name, name_en, country, zone) in enumerate(
        [("hk", "香港", "Hong Kong", "HK", "Asia/Hong_Kong"), ("sg", "新加坡", "Singapore", "SG", "Asia/Singapore"),
         ("de", "德国", "Germany", "DE", "Europe/Berlin")], start=1,
    ):  # fmt: skip
        catalog_services.create_zone(
            by=None, event=event,
            data={"code": code, "name": name, "name_en": name_en, "country": country, "time_zone": zone, "order": order},
        )  # fmt: skip
    return event


def test_overseas_team_registers_and_enters_the_overseas_final_in_english(
    live_server, overseas, new_context, artifacts_dir
):
    person = user("lion-city")
    page = new_context(
        locale="en-US", timezone_id="Asia/Singapore", viewport={"width": 375, "height": 812},
        device_scale_factor=2, is_mobile=True, extra_http_headers={"Accept-Language": "en"},
    ).new_page()  # fmt: skip
    shots = iter(range(1, 100))

    def shot(name: str) -> None:
        assert no_horizontal_scroll(page), name
        page.screenshot(path=artifacts_dir / f"overseas-{next(shots):02d}-{name}.png", full_page=True)

    page.goto(f"{live_server.url}/accounts/login/?next=/me/profile/")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.locator("#id_username").fill(person.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/me/profile/$"))
    shot("profile-choice")

    # The overseas team's form: a country instead of a province, members with passports.
    page.locator("#choose-overseas-team").click()
    page.wait_for_url(re.compile(r"/me/profile/team/\?overseas=1$"))
    page.locator("#id_name").fill("Lion City Makers")
    page.locator("#id_country").select_option("SG")
    page.locator("#id_leader_name").fill("李思远")
    page.locator("#id_leader_phone").fill("+65 8123 4567")
    members = [("王晨", "CN", "E12345678", "+65 9123 4567"), ("Tan Wei Ming", "SG", "K1234567A", "8123 4568")]
    for i, (name, nationality, passport, phone) in enumerate(members, start=1):
        page.locator(f"#members-{i}-name").fill(name)
        page.locator(f"#members-{i}-nationality").select_option(nationality)
        page.locator(f"#members-{i}-id_type").select_option("passport")
        page.locator(f"#members-{i}-id_number").fill(passport)
        page.locator(f"#members-{i}-phone").fill(phone)
    # a landline is refused in the member's row, and what was typed stays
    page.locator("#members-2-phone").fill("6123 4567")
    page.locator("#id_declares_not_enterprise").check()
    page.locator("form.form-card button[type=submit]").click()
    expect(page.locator("#members-2-phone_error")).to_be_visible()
    assert page.locator("#members-1-name").input_value() == "王晨"
    shot("team-error")
    page.locator("#members-2-phone").fill("8123 4568")
    page.locator("form.form-card button[type=submit]").click()
    page.wait_for_url(re.compile(r"/me/entries/new/$"))
    team = MakerTeam.objects.get(owner=person)
    assert (team.is_overseas, team.country, team.leader_phone) == (True, "SG", "+6581234567")
    assert list(team.members.values_list("phone", flat=True)) == ["+6591234567", "+6581234568"]

    # Only the overseas final is offered, at one of its stations; the deadline in both zones.
    assert page.locator("#id_event option").count() == 2  # "choose" and the overseas final
    deadline = page.locator(".deadline-line").first.inner_text()
    assert "2030-07-31 24:00" in deadline
    assert "2030-08-01 00:00 Asia/Singapore" in deadline
    shot("entry-new")
    page.locator("#id_zone").select_option("sg")
    page.locator("#id_title").fill("Smart water sensors for HDB flats")
    page.locator("form.form-card button[type=submit]").click()
    page.wait_for_url(re.compile(r"/me/entries/\d+/$"))
    entry = Entry.objects.get(owner=person)
    assert (entry.event_id, entry.zone.code, entry.team_id) == (overseas.pk, "sg", team.pk)
    header = page.locator(".deadline-line").first.inner_text()
    assert "2030-07-31 24:00" in header
    assert "2030-08-01 00:00 Asia/Singapore" in header
    shot("entry-form")

    page.goto(f"{live_server.url}/me/entries/")
    card = page.locator(".entry-card__deadline").first.inner_text()
    assert "2030-08-01 00:00 Asia/Singapore" in card
    shot("entry-list")
