"""The organizer's finals console: tenancy (404 outside the user's scope, to every method, on
every route walked from the resolver), the list's query count, and each page's work."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from contest.accounts.enums import RoleKind
from contest.accounts.models import Role
from contest.catalog.models import Event
from contest.finals import selectors, services
from contest.finals.enums import SessionStatus
from contest.finals.models import RoadshowSession, SessionSlot
from tests.http import drain

from ..registration.factories import open_registration, organizer_for, user
from ..review.factories import expert, qualified_entries
from .factories import STARTS, conflict_between, score_all, session_with

pytestmark = pytest.mark.integration


def patterns_of(namespace: str) -> list[URLPattern]:
    found = []

    def walk(items, inside: bool):
        for item in items:
            if isinstance(item, URLResolver):
                walk(item.url_patterns, inside or item.namespace == namespace)
            elif inside:
                found.append(item)

    walk(get_resolver().url_patterns, False)
    return found


@pytest.fixture
def shenzhen(edition9):
    event = Event.objects.get(edition=edition9, tier="regional", seq=33)
    open_registration(event)
    return event


def test_console_routes_answer_404_to_another_events_organizer(ningbo, shenzhen, client):
    session, _entries, _panel, _organizer = session_with(ningbo, entries=1, status="drawn")
    client.force_login(organizer_for(shenzhen))
    routes = [r for r in patterns_of("finals_console") if "session_id" in r.pattern.converters]
    assert {r.name for r in routes} >= {"session_detail", "session_edit", "session_status", "session_slots",
                                        "session_judges", "session_draw", "session_report"}  # fmt: skip
    for route in routes:
        url = reverse(f"finals_console:{route.name}", kwargs={"session_id": session.pk})
        for method in (client.get, client.post):
            response = method(url)
            drain(response)
            assert response.status_code == 404, (route.name, method)


def test_console_answers_404_to_a_judge_and_an_entrant(ningbo, client):
    session, entries, panel, _organizer = session_with(ningbo, entries=1)
    for person in (panel[0].user, entries[0].owner):
        client.force_login(person)
        for url in (reverse("finals_console:session_list"),
                    reverse("finals_console:session_detail", args=[session.pk])):  # fmt: skip
            assert client.get(url).status_code == 404


@pytest.mark.parametrize("n", [1, 3])
def test_session_list_queries_do_not_grow_with_sessions(ningbo, client, django_assert_num_queries, n):
    entries, organizer = qualified_entries(ningbo, 1)
    for i in range(n):
        s = services.create_session(
            by=organizer, event=ningbo, name=f"决赛 {i}", venue="宁波", starts_at=STARTS
        )
        services.add_slot(session=s, entry=entries[0], by=organizer)
    client.force_login(organizer)
    client.get(reverse("finals_console:session_list"))  # warm the session / user caches
    with django_assert_num_queries(6):
        response = client.get(reverse("finals_console:session_list"))
    assert len(re.findall(r'href="/console/finals/sessions/\d+/"', response.content.decode())) == n


def test_session_create_page_makes_a_session_with_a_preset(ningbo, client):
    _entries, organizer = qualified_entries(ningbo, 1)
    client.force_login(organizer)
    response = client.post(reverse("finals_console:session_create"), {
        "event": ningbo.pk, "name": "宁波赛区决赛", "venue": "宁波国际会议中心", "room": "A 厅",
        "starts_at": "2024-09-20T09:00", "preset": "1+7+4", "segments": "", "aggregation": "trimmed",
        "places": "2", "score_min": "0", "score_max": "100", "chair": "", "notary": "宁波市公证处"})  # fmt: skip
    session = RoadshowSession.objects.get()
    assert response.status_code == 302
    assert session.segments == [{"label": "视频展示", "seconds": 60}, {"label": "项目路演", "seconds": 420},
                                {"label": "评委问答", "seconds": 240}]  # fmt: skip
    assert (session.notary, session.room, session.created_by) == ("宁波市公证处", "A 厅", organizer)


def test_session_create_page_keeps_input_and_names_a_bad_segment(ningbo, client):
    _entries, organizer = qualified_entries(ningbo, 1)
    client.force_login(organizer)
    response = client.post(reverse("finals_console:session_create"), {
        "event": ningbo.pk, "name": "宁波赛区决赛", "venue": "宁波", "starts_at": "2024-09-20T09:00",
        "preset": "", "segments": "项目路演 + 问答 7 分钟", "aggregation": "mean", "places": "2",
        "score_min": "0", "score_max": "100"})  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 200
    assert "第 1 个环节“项目路演”应以时长结尾" in body
    assert 'value="宁波赛区决赛"' in body
    assert RoadshowSession.objects.count() == 0


def test_slots_page_adds_by_registration_number_and_refuses_an_unknown_one(ningbo, client):
    session, _entries, _panel, organizer = session_with(ningbo, entries=1, judges=0)
    (extra,), _ = qualified_entries(ningbo, 1, organizer=organizer)
    client.force_login(organizer)
    url = reverse("finals_console:session_slots", args=[session.pk])
    client.post(url, {"action": "add_number", "number": extra.number})
    bad = client.post(url, {"action": "add_number", "number": "CK9-R30-999999"})
    assert session.slots.filter(entry=extra).exists()
    assert "本赛事没有报名编号为 CK9-R30-999999 的项目。" in bad.content.decode()


@pytest.mark.parametrize("n", [1, 3])
def test_slots_page_queries_do_not_grow_with_entries(ningbo, client, django_assert_num_queries, n):
    session, _entries, _panel, organizer = session_with(ningbo, entries=n, judges=0)
    client.force_login(organizer)
    url = reverse("finals_console:session_slots", args=[session.pk])
    client.get(url)
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.content.decode().count('name="slot"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_judges_page_queries_do_not_grow_with_judges(ningbo, client, django_assert_num_queries, n):
    session, _entries, _panel, organizer = session_with(ningbo, entries=1, judges=n)
    client.force_login(organizer)
    url = reverse("finals_console:session_judges", args=[session.pk])
    client.get(url)
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.content.decode().count('name="judge"') == n


def test_judges_page_adds_an_expert_to_a_seat_and_shows_a_conflict(ningbo, client):
    session, entries, _panel, organizer = session_with(ningbo, entries=1, judges=0)
    person = expert(organizer, name="王专家")
    conflict_between(organizer, person, entries[0])
    client.force_login(organizer)
    url = reverse("finals_console:session_judges", args=[session.pk])
    response = client.post(f"{url}?q=王专家", {"action": "add", "expert": person.pk, "seat": "3"})
    page = client.get(url).content.decode()
    assert response.status_code == 302
    assert list(session.judges.values_list("expert__name", "seat")) == [("王专家", 3)]
    assert f"回避：{entries[0].number}" in page


def test_draw_page_draws_and_shows_the_seed_and_order(ningbo, client):
    session, _entries, _panel, organizer = session_with(ningbo, entries=3)
    client.force_login(organizer)
    url = reverse("finals_console:session_draw", args=[session.pk])
    before = client.get(url).content.decode()
    response = client.post(url, {"room_value": "38 17 05", "witness": "公证员 李明"}, follow=True)
    body = response.content.decode()
    session.refresh_from_db()
    assert "cnmaker-draw-v1" in before
    assert "Fisher" in before
    assert session.status == SessionStatus.DRAWN
    assert session.draw.seed in body
    assert [s.entry.number for s in selectors.slots(session)] == session.draw.order


def test_draw_page_refuses_too_few_judges_and_keeps_the_room_value(ningbo, client):
    session, _entries, _panel, organizer = session_with(ningbo, entries=2, judges=4)
    client.force_login(organizer)
    response = client.post(reverse("finals_console:session_draw", args=[session.pk]), {"room_value": "12 34"})
    body = response.content.decode()
    assert "评委应为 5–15 位，目前 4 位。" in body
    assert 'value="12 34"' in body


def test_status_page_starts_and_finishes_a_session(ningbo, client):
    session, _entries, panel, organizer = session_with(ningbo, entries=1, status="drawn")
    client.force_login(organizer)
    url = reverse("finals_console:session_status", args=[session.pk])
    client.post(url, {"action": "start"})
    (slot,) = SessionSlot.objects.filter(session=session)
    services.open_slot(slot=slot, by=organizer)
    score_all(slot, panel, [80, 81, 82, 83, 84])
    client.post(url, {"action": "finish"})
    session.refresh_from_db()
    assert session.status == SessionStatus.FINISHED


def test_detail_page_shows_results_and_ranking(ningbo, client):
    session, _entries, panel, organizer = session_with(ningbo, entries=1, status="live")
    (slot,) = SessionSlot.objects.filter(session=session)
    services.open_slot(slot=slot, by=organizer)
    score_all(slot, panel, [80, 90, 85, 70, 95])
    client.force_login(organizer)
    body = client.get(reverse("finals_console:session_detail", args=[session.pk])).content.decode()
    assert 'id="ranking"' in body
    assert str(Decimal("85.00")) in body


def test_session_edit_is_refused_after_the_draw(ningbo, client):
    session, _entries, _panel, organizer = session_with(ningbo, entries=1, status="drawn")
    client.force_login(organizer)
    response = client.post(reverse("finals_console:session_edit", args=[session.pk]), {
        "name": "改名", "venue": "宁波", "starts_at": "2024-09-20T09:00", "preset": "8+7", "aggregation": "mean",
        "places": "2", "score_min": "0", "score_max": "100"})  # fmt: skip
    session.refresh_from_db()
    assert "场次当前为“已抽签”，不能修改设置（抽签后设置即固定）。" in response.content.decode()
    assert session.name == "宁波赛区决赛"


def test_secretariat_of_the_edition_reaches_every_session(ningbo, client):
    session, _entries, _panel, _organizer = session_with(ningbo, entries=1)
    person = user()
    Role.objects.create(user=person, kind=RoleKind.SECRETARIAT, edition=ningbo.edition)
    client.force_login(person)
    assert client.get(reverse("finals_console:session_detail", args=[session.pk])).status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_detail_page_queries_do_not_grow_with_entries(ningbo, client, django_assert_num_queries, n):
    session, _entries, panel, organizer = session_with(ningbo, entries=n, status="live")
    for slot in selectors.slots(session):
        services.open_slot(slot=slot, by=organizer)
        score_all(slot, panel, [80, 81, 82, 83, 84])
    client.force_login(organizer)
    url = reverse("finals_console:session_detail", args=[session.pk])
    client.get(url)
    with django_assert_num_queries(QUERIES_DETAIL):
        response = client.get(url)
    assert len(re.findall(r'<span class="status status--closed">', response.content.decode())) == n


QUERIES_DETAIL = 12  # the ranking reuses the slots already read
