"""Tenancy: one event's organizer cannot reach another event's entries through any URL.

The console's routes are walked from the URL resolver, so a route added later is covered
without touching this file: every one must answer 404 outside the user's scope.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from contest.accounts.enums import RoleKind
from contest.accounts.models import Role
from contest.catalog.models import Edition, Event
from contest.registration import selectors
from contest.registration.models import Entry
from tests.http import drain

from .factories import enterprise_owner, open_registration, organizer_for, submitted_entry, superuser, user

pytestmark = pytest.mark.integration


def patterns_of(namespace: str) -> list[URLPattern]:
    """Every route under ``namespace`` (nested includes flattened)."""
    found = []

    def walk(items, inside: bool):
        for item in items:
            if isinstance(item, URLResolver):
                walk(item.url_patterns, inside or item.namespace == namespace)
            elif inside:
                found.append(item)

    walk(get_resolver().url_patterns, False)
    return found


def url_for(namespace: str, route: URLPattern, ids: dict[str, int]) -> str | None:
    """The route's URL with ``ids`` filled in; None when a parameter has no id to fill."""
    names = list(route.pattern.converters)
    if any(name not in ids for name in names):
        return None
    return reverse(f"{namespace}:{route.name}", kwargs={name: ids[name] for name in names})


@pytest.fixture
def world(ningbo, edition9):
    shenzhen = Event.objects.get(edition=edition9, tier="regional", seq=33)
    open_registration(shenzhen)
    ningbo_entry = submitted_entry(ningbo)
    shenzhen_entry = submitted_entry(shenzhen, enterprise_owner("440305"))
    return {
        "ningbo": ningbo,
        "shenzhen": shenzhen,
        "ningbo_entry": ningbo_entry,
        "shenzhen_entry": shenzhen_entry,
        "ningbo_organizer": organizer_for(ningbo),
        "shenzhen_organizer": organizer_for(shenzhen),
    }


def status(response) -> int:
    """The status code, with a streamed file read to its end (warnings are errors here)."""
    drain(response)
    return response.status_code


def console_ids(event: Event, entry: Entry) -> dict[str, int]:
    return {"event_id": event.pk, "entry_id": entry.pk}


def test_console_has_routes_to_walk():
    names = {route.name for route in patterns_of("console")}
    assert {"home", "entry_list", "entry_detail", "entry_review", "entry_export", "window", "entry_import",
            "entry_plan", "import_template"} <= names  # fmt: skip


def test_organizer_of_one_event_gets_404_on_every_console_url_of_another(client, world):
    client.force_login(world["shenzhen_organizer"])
    theirs = console_ids(world["ningbo"], world["ningbo_entry"])
    checked = []
    for route in patterns_of("console"):
        url = url_for("console", route, theirs)
        if not route.pattern.converters:
            response = client.get(url)
            assert response.status_code == 200, url
            assert world["ningbo"].name not in response.content.decode()
            continue
        assert status(client.get(url)) == 404, url
        post = client.post(url, {"action": "qualify", "entry": [world["ningbo_entry"].pk], "reason": "x"})
        assert status(post) == 404, url
        checked.append(route.name)
    assert len(checked) == len(patterns_of("console")) - 1
    world["ningbo_entry"].refresh_from_db()
    assert world["ningbo_entry"].status == "submitted"


def test_unknown_ids_answer_404_to_every_method(client, world):
    client.force_login(world["ningbo_organizer"])
    for route in patterns_of("console"):
        if route.pattern.converters:
            url = url_for("console", route, {"event_id": 999999, "entry_id": 999999})
            assert (status(client.get(url)), status(client.post(url))) == (404, 404), url


def test_organizer_reaches_every_console_url_of_their_own_event(client, world):
    client.force_login(world["ningbo_organizer"])
    mine = console_ids(world["ningbo"], world["ningbo_entry"])
    for route in patterns_of("console"):
        url = url_for("console", route, mine)
        assert status(client.get(url)) in (200, 405), url  # 405: a POST-only action


def test_secretariat_of_the_edition_sees_every_event(client, world, edition9):
    secretary = user()
    Role.objects.create(user=secretary, kind=RoleKind.SECRETARIAT, edition=edition9)
    client.force_login(secretary)
    for event_key, entry_key in (("ningbo", "ningbo_entry"), ("shenzhen", "shenzhen_entry")):
        ids = console_ids(world[event_key], world[entry_key])
        for route in patterns_of("console"):
            url = url_for("console", route, ids)
            assert status(client.get(url)) in (200, 405), url
    assert set(selectors.entries_for_user(secretary).values_list("pk", flat=True)) == {
        world["ningbo_entry"].pk, world["shenzhen_entry"].pk,
    }  # fmt: skip


def test_superuser_sees_every_event(world):
    admin = superuser()
    assert selectors.entries_for_user(admin).count() == 2
    assert selectors.events_for_user(admin).count() == 50


def test_secretariat_of_another_edition_gets_404(client, world):
    other = Edition.objects.create(number=10, year=2025, title="第十届“创客中国”中小企业创新创业大赛")
    secretary = user()
    Role.objects.create(user=secretary, kind=RoleKind.SECRETARIAT, edition=other)
    client.force_login(secretary)
    ids = console_ids(world["ningbo"], world["ningbo_entry"])
    for route in patterns_of("console"):
        if route.pattern.converters:
            assert status(client.get(url_for("console", route, ids))) == 404, route.name
    assert client.get(reverse("console:home")).status_code == 200


def test_entrant_gets_404_on_every_console_url_even_for_their_own_entry(client, world):
    entry = world["ningbo_entry"]
    client.force_login(entry.owner)
    for route in patterns_of("console"):
        url = url_for("console", route, console_ids(world["ningbo"], entry))
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("who", ["shenzhen_organizer", "stranger"])
def test_entrant_urls_of_an_entry_that_is_not_theirs_answer_404(client, world, who):
    entry = world["ningbo_entry"]
    person = enterprise_owner() if who == "stranger" else world[who]
    client.force_login(person)
    ids = {"pk": entry.pk, "submission_pk": entry.submissions.get().pk, "image_pk": 1}
    unknown = {"pk": 999999, "submission_pk": 999999, "image_pk": 999999}
    checked = 0
    for route in patterns_of("registration"):
        url = url_for("registration", route, ids)
        if url is None or "pk" not in route.pattern.converters:
            continue
        for method in (client.get, client.post):
            code = status(method(url))
            if code == 405:  # the method is refused before the id is looked at: nothing leaks
                assert status(method(url_for("registration", route, unknown))) == 405, url
            else:
                assert code == 404, url
        checked += 1
    assert checked >= 3
    entry.refresh_from_db()
    assert entry.status == "submitted"


def test_the_selector_and_the_rule_agree_on_every_event(world, edition9):
    people = [world["ningbo_organizer"], world["shenzhen_organizer"], world["ningbo_entry"].owner, user()]
    events = list(Event.objects.filter(edition=edition9))
    for person in people:
        visible = set(selectors.events_for_user(person).values_list("pk", flat=True))
        allowed = {e.pk for e in events if person.has_perm("registration.manage_event_entries", e)}
        assert visible == allowed, person
    assert set(selectors.events_for_user(world["ningbo_organizer"]).values_list("pk", flat=True)) == {
        world["ningbo"].pk
    }
