"""Tenancy of the 公示 console: another event's organizer gets 404 on every URL of a list, to every
method; the list page and the new-list form offer only their own events. Routes are walked from
the resolver (namespace ``publicity_console``), so a route added later is covered too."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from contest.catalog.models import Event
from contest.publicity.models import Notice
from tests.http import drain

from ..registration.factories import open_registration, organizer_for, user
from .builders import T0, advancement_round, file_verified, objection_data, published_list

pytestmark = pytest.mark.integration
NAMESPACE = "publicity_console"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


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
def world(ningbo, edition9):
    shenzhen = Event.objects.get(edition=edition9, tier="regional", seq=33)
    open_registration(shenzhen)
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        round_, _best, organizer = advancement_round(ningbo, n=2, advance=1)
    with time_machine.travel(T0, tick=False):
        notice = published_list(ningbo, organizer, round_=round_)
        objection = file_verified(by=None, notice=notice, data=objection_data(), evidence=("e.png", PNG))
    return {"notice": notice, "objection": objection, "organizer": organizer, "other": organizer_for(shenzhen),
            "entrant": user()}  # fmt: skip


@pytest.mark.parametrize("who", ["other", "entrant"])
def test_every_console_url_of_a_list_answers_404_outside_the_scope(client, world, who):
    client.force_login(world[who])
    ids = {"notice_id": world["notice"].pk, "objection_id": world["objection"].pk}
    checked = []
    for route in patterns_of(NAMESPACE):
        names = list(route.pattern.converters)
        if not names and who == "other":
            continue  # the list and the new-list form are the user's own (checked below)
        url = reverse(f"{NAMESPACE}:{route.name}", kwargs={n: ids[n] for n in names})
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            drain(response)
            assert (route.name, method, response.status_code) == (route.name, method, 404)
        checked.append(route.name)
    assert len(checked) >= 9
    assert Notice.objects.get(pk=world["notice"].pk).status == "published"


def test_other_organizer_sees_only_their_own_lists_and_events(client, world):
    client.force_login(world["other"])
    listing = client.get(reverse(f"{NAMESPACE}:list")).content.decode()
    form = client.get(reverse(f"{NAMESPACE}:create")).content.decode()
    assert world["notice"].title not in listing
    assert world["notice"].event.name not in form
    assert "深圳" in form


def test_creating_a_list_for_another_event_is_refused(client, world):
    client.force_login(world["other"])
    response = client.post(reverse(f"{NAMESPACE}:create"), {
        "scope": f"event:{world['notice'].event_id}", "kind": "custom", "title": "越权名单",
    })  # fmt: skip
    body = drain(response).decode()
    assert (response.status_code, Notice.objects.filter(title="越权名单").exists()) == (200, False)
    assert '<p class="field-error pub-error">' in body
