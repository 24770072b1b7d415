"""The event page's 立即报名 button and the home page's 正在报名 list (windows live in registration)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from contest.catalog.enums import RegistrationMode, Tier
from contest.registration.models import RegistrationWindow
from tests.accounts.html import elements, texts
from tests.registration.factories import SHANGHAI

from .test_views import make_edition, make_event

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def with_window(event, opens: datetime, closes: date):
    RegistrationWindow.objects.create(event=event, opens_at=opens, closes_on=closes)
    return event


def page(client, event):
    return client.get(reverse("catalog:event_detail", args=[event.edition.number, event.pk]))


def state_of(response) -> list[str]:
    return texts(response, "p", class_="register-action__state")


def register_links(response) -> list[str]:
    return [
        a["attrs"]["href"] for a in elements(response, "a", class_="button") if "/me/" in a["attrs"]["href"]
    ]


@pytest.fixture
def shenzhen(db):
    edition = make_edition(9)
    event = make_event(edition, "第九届“创客中国”深圳市中小企业创新创业大赛", seq=5)
    return with_window(event, datetime(2024, 6, 1, 9, tzinfo=SHANGHAI), date(2024, 7, 20))


@time_machine.travel(datetime(2024, 5, 31, 23, 59, tzinfo=SHANGHAI), tick=False)
def test_event_button_before_the_window_says_when_it_opens(client, shenzhen):
    response = page(client, shenzhen)

    assert state_of(response) == ["未开始 2024-06-01 开始报名"]
    assert register_links(response) == []


@time_machine.travel(datetime(2024, 7, 20, 23, 59, 59, tzinfo=SHANGHAI), tick=False)
def test_event_button_on_the_closing_day_links_to_registration(client, shenzhen):
    response = page(client, shenzhen)

    assert state_of(response) == ["报名中 2024-07-20 23:59（北京时间）截止"]
    assert register_links(response) == [f"/me/entries/new/?event={shenzhen.pk}"]
    assert texts(response, "a", class_="button") == ["立即报名"]


@time_machine.travel(datetime(2024, 7, 21, 0, 0, tzinfo=SHANGHAI), tick=False)
def test_event_button_after_the_closing_day_says_closed(client, shenzhen):
    response = page(client, shenzhen)

    assert state_of(response) == ["已截止 报名已于 2024-07-20 截止"]
    assert register_links(response) == []


@time_machine.travel(datetime(2024, 7, 1, 10, tzinfo=SHANGHAI), tick=False)
def test_event_button_in_english_states_the_window(client, shenzhen):
    client.cookies["django_language"] = "en"

    response = page(client, shenzhen)

    assert state_of(response) == ["Open closes 2024-07-20 23:59 Beijing time"]
    assert texts(response, "a", class_="button") == ["Register now"]


def test_event_button_external_event_links_to_its_portal(client):
    edition = make_edition(9)
    event = make_event(
        edition, "第九届“创客中国”浙江省中小企业创新创业大赛", urls=("https://zj.cnmaker.example/",),
        mode=RegistrationMode.EXTERNAL,
    )  # fmt: skip

    response = page(client, event)

    assert [(a["attrs"]["href"], a["text"]) for a in elements(response, "a", class_="button")] == [
        ("https://zj.cnmaker.example/", "前往报名网站")
    ]
    assert state_of(response) == []


@pytest.mark.parametrize("tier", [Tier.NATIONAL_FINAL, Tier.REGIONAL])
def test_event_button_absent_for_the_final_or_without_a_window(client, tier):
    edition = make_edition(9)
    event = make_event(edition, "第九届“创客中国”中小企业创新创业大赛全国总决赛", tier=tier)
    if tier == Tier.NATIONAL_FINAL:
        with_window(event, datetime(2024, 6, 1, 9, tzinfo=SHANGHAI), date(2024, 7, 20))

    with time_machine.travel(datetime(2024, 7, 1, 10, tzinfo=SHANGHAI), tick=False):
        response = page(client, event)

    assert elements(response, "div", class_="register-action") == []


@time_machine.travel(datetime(2024, 7, 1, 10, tzinfo=SHANGHAI), tick=False)
def test_home_lists_events_open_now_closing_soonest_first(client, shenzhen):
    edition = shenzhen.edition
    later = make_event(edition, "第九届“创客中国”网络安全专题赛", tier=Tier.THEMATIC, seq=1)
    with_window(later, datetime(2024, 6, 15, 9, tzinfo=SHANGHAI), date(2024, 8, 10))
    upcoming = make_event(edition, "第九届“创客中国”广州市中小企业创新创业大赛", seq=6)
    with_window(upcoming, datetime(2024, 7, 2, 9, tzinfo=SHANGHAI), date(2024, 8, 1))
    closed = make_event(edition, "第九届“创客中国”东莞市中小企业创新创业大赛", seq=7)
    with_window(closed, datetime(2024, 5, 1, 9, tzinfo=SHANGHAI), date(2024, 6, 30))

    response = client.get(reverse("catalog:home"))

    assert texts(response, "h2", id="open-heading") == ["正在报名"]
    assert texts(response, "li", class_="open-registration") == [
        "第九届“创客中国”深圳市中小企业创新创业大赛 2024-07-20 23:59（北京时间）截止",
        "第九届“创客中国”网络安全专题赛 2024-08-10 23:59（北京时间）截止",
    ]


@time_machine.travel(datetime(2024, 8, 11, 10, tzinfo=SHANGHAI), tick=False)
def test_home_without_open_windows_has_no_open_list(client, shenzhen):
    response = client.get(reverse("catalog:home"))

    assert texts(response, "h2", id="open-heading") == []


def test_my_event_current_redirects_to_the_current_edition(client):
    make_edition(8, is_current=False)
    make_edition(9)

    response = client.get(reverse("catalog:my_event_current"))

    assert response.status_code == 302
    assert response["Location"] == "/editions/9/mine/"


def test_my_event_current_without_edition_redirects_home(client):
    response = client.get(reverse("catalog:my_event_current"))

    assert response.status_code == 302
    assert response["Location"] == "/"
