"""The event stream and the JSON state the screens share: the first event is the current board,
Last-Event-ID skips only what the client already has, a version bump produces a new event, and
the same under ASGI (the per-process hub) as under WSGI (the polling generator)."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import AsyncClient
from django.urls import reverse

from contest.finals import live, services
from contest.finals.board import board_state

from ..http import drain
from .factories import session_with

pytestmark = pytest.mark.integration


def parse(chunk: bytes) -> dict:
    """One SSE message → {"id": …, "event": …, "data": parsed JSON}."""
    fields = {}
    for line in chunk.decode("utf-8").strip("\n").split("\n"):
        name, _, value = line.partition(": ")
        fields[name] = value
    fields["data"] = json.loads(fields["data"])
    return fields


def without_clock(state: dict) -> dict:
    state = {**state, "timer": {**state["timer"], "server_now": None}}
    state.pop("server_now", None)
    return state


class Stream:
    """Read an endless event stream from the test client a message at a time, then stop it.

    ``close()`` ends the client's own closing wrapper (``response._iterator``), which closes the
    response with ``close_old_connections`` detached — as ``tests.http.drain`` does at the end
    of a finite stream; ``response.close()`` would close the test's database connection."""

    def __init__(self, response) -> None:
        self.response = response
        self.chunks = iter(response.streaming_content)

    def __next__(self) -> bytes:
        return next(self.chunks)

    def close(self) -> None:
        self.response._iterator.close()


def open_stream(client, session, **headers) -> Stream:
    response = client.get(reverse("finals:events", args=[session.pk]), headers=headers)
    assert (response.status_code, response["Content-Type"]) == (200, "text/event-stream; charset=utf-8")
    return Stream(response)


def test_events_first_sends_retry_then_the_current_board(client, ningbo):
    session, _, _, _ = session_with(ningbo, entries=2, status="drawn")
    stream = open_stream(client, session)

    retry, first = next(stream), next(stream)
    stream.close()

    message = parse(first)
    assert retry == b"retry: 1000\n\n"
    assert (message["id"], message["event"]) == (str(session.version), "state")
    assert without_clock(message["data"]) == without_clock(board_state(session))
    assert (first.endswith(b"\n\n"), first.count(b"\n")) == (True, 4)
    assert "宁波赛区决赛" in first.decode("utf-8")  # ensure_ascii=False: Chinese as UTF-8, not \\u escapes


def test_events_skip_the_first_send_when_last_event_id_is_current(client, ningbo):
    session, _, _, organizer = session_with(ningbo, entries=2, status="live")
    stream = open_stream(client, session, last_event_id=str(session.version))
    assert next(stream) == b"retry: 1000\n\n"

    services.start_timer(session=session, segment=0, by=organizer)
    message = parse(next(stream))
    stream.close()

    assert message["id"] == str(session.version + 1)
    assert (message["data"]["timer"]["segment"], message["data"]["timer"]["running"]) == (0, True)


def test_events_send_at_once_when_last_event_id_is_stale(client, ningbo):
    session, _, _, _ = session_with(ningbo, entries=2, status="drawn")
    stream = open_stream(client, session, last_event_id=str(session.version - 1))

    next(stream)
    message = parse(next(stream))
    stream.close()

    assert message["id"] == str(session.version)


def test_events_push_a_new_board_when_the_chair_opens_a_slot(client, ningbo):
    session, _, _, organizer = session_with(ningbo, entries=2, status="live")
    slot = session.slots.order_by("position").first()
    stream = open_stream(client, session)
    next(stream)
    before = parse(next(stream))

    services.open_slot(slot=slot, by=organizer)
    after = parse(next(stream))
    stream.close()

    assert (before["data"]["current"], int(after["id"]) > int(before["id"])) == (None, True)
    assert (after["data"]["current"]["id"], after["data"]["current"]["status"]) == (slot.pk, "open")


def test_wsgi_stream_ends_after_its_lifetime(ningbo):
    session, _, _, _ = session_with(ningbo, entries=1, status="drawn")

    chunks = list(live.stream(session.pk, str(session.version), poll_seconds=0.01, lifetime_seconds=0.05))

    assert chunks == [b"retry: 1000\n\n"]


def test_state_is_the_board_as_json(client, ningbo):
    session, _, _, _ = session_with(ningbo, entries=2, status="drawn")

    response = client.get(reverse("finals:state", args=[session.pk]))

    assert response.status_code == 200
    assert without_clock(response.json()) == without_clock(board_state(session))


@pytest.mark.parametrize("name", ["screen", "timer", "events", "state"])
def test_a_draft_session_is_hidden_from_the_public(client, ningbo, name):
    session, _, _, _ = session_with(ningbo, entries=1, status="draft")

    response = client.get(reverse(f"finals:{name}", args=[session.pk]))

    assert response.status_code == 404
    drain(response)


@pytest.mark.parametrize("name", ["screen", "timer", "state"])
def test_a_draft_session_shows_to_its_organizer(client, ningbo, name):
    session, _, _, organizer = session_with(ningbo, entries=1, status="draft")
    client.force_login(organizer)

    response = client.get(reverse(f"finals:{name}", args=[session.pk]))

    assert response.status_code == 200
    assert "宁波赛区决赛" in response.content.decode("utf-8")


def test_the_big_screen_renders_the_board_for_its_script(client, ningbo):
    session, _, _, _ = session_with(ningbo, entries=2, status="drawn")

    response = client.get(reverse("finals:screen", args=[session.pk]))

    html = response.content.decode("utf-8")
    start = html.index('<script id="board-state" type="application/json">') + len(
        '<script id="board-state" type="application/json">'
    )
    embedded = json.loads(html[start : html.index("</script>", start)])
    assert without_clock(embedded) == without_clock(board_state(session))
    assert f'data-events-url="/live/sessions/{session.pk}/events"' in html


@pytest.mark.django_db(transaction=True)
def test_events_under_asgi_come_from_the_hub(restore_divisions, ningbo):
    session, _, _, organizer = session_with(ningbo, entries=2, status="live")

    async def read() -> tuple[bytes, dict, dict]:
        response = await AsyncClient().get(reverse("finals:events", args=[session.pk]))
        chunks = aiter(response.streaming_content)
        retry = await anext(chunks)
        first = parse(await anext(chunks))
        await sync_to_async(services.start_timer)(session=session, segment=1, by=organizer)
        second = parse(await anext(chunks))
        await chunks.aclose()
        return retry, first, second

    retry, first, second = async_to_sync(read)()

    assert retry == b"retry: 1000\n\n"
    assert (first["id"], second["id"]) == (str(session.version), str(session.version + 1))
    assert (second["data"]["timer"]["segment"], second["data"]["timer"]["label"]) == (1, "评委问答")


@pytest.mark.django_db(transaction=True)
def test_two_screens_under_asgi_share_one_hub_topic(restore_divisions, ningbo):
    session, _, _, organizer = session_with(ningbo, entries=2, status="live")
    slot = session.slots.order_by("position").first()
    url = reverse("finals:events", args=[session.pk])

    async def read() -> tuple[list[dict], int]:
        streams = [aiter((await AsyncClient().get(url)).streaming_content) for _ in range(2)]
        for stream in streams:
            await anext(stream)  # retry
            await anext(stream)  # the current board
        subscribers = live.hub().topics[session.pk].subscribers
        await sync_to_async(services.open_slot)(slot=slot, by=organizer)
        pushed = [parse(await anext(stream)) for stream in streams]
        for stream in streams:
            await stream.aclose()
        return pushed, subscribers

    pushed, subscribers = async_to_sync(read)()

    assert subscribers == 2
    assert [p["id"] for p in pushed] == [str(session.version + 1)] * 2
    assert [p["data"]["current"]["id"] for p in pushed] == [slot.pk, slot.pk]


@pytest.mark.django_db(transaction=True)
def test_events_under_asgi_skip_what_the_reconnecting_screen_has(restore_divisions, ningbo):
    session, _, _, organizer = session_with(ningbo, entries=2, status="live")
    url = reverse("finals:events", args=[session.pk])

    async def read() -> tuple[bytes, dict]:
        response = await AsyncClient().get(url, headers={"Last-Event-ID": str(session.version)})
        chunks = aiter(response.streaming_content)
        retry = await anext(chunks)
        await sync_to_async(services.start_timer)(session=session, segment=0, by=organizer)
        pushed = parse(await anext(chunks))
        await chunks.aclose()
        return retry, pushed

    retry, pushed = async_to_sync(read)()

    assert retry == b"retry: 1000\n\n"
    assert pushed["id"] == str(session.version + 1)
