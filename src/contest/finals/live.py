"""Server-sent events for the finals' screens: one hub per app process, state in the database.

Every write a screen shows bumps ``RoadshowSession.version`` in its own transaction (the
services do it). A screen keeps one ``EventSource`` open on ``finals:events``; the stream sends

    retry: 1000                       once, so a dropped connection is retried after a second
    id: <version>                     then, at once and on every change, the whole board
    event: state
    data: {"server_now": …, …board_state(session)…}

and a comment line (``: keep-alive``) after 15 s of silence so proxies keep the socket open.
``server_now`` (epoch ms at the moment of sending) lets a client correct its clock for the stage
timer; the board's own ``timer.server_now`` is the moment it was read.

On (re)connect the current state is sent at once, so a reload or a dropped connection recovers
on its own; a reconnecting ``EventSource`` sends ``Last-Event-ID`` and the first send is skipped
only when that is already the current version.

Under ASGI (uvicorn, production) each process runs one :class:`Hub` on its event loop: a single
task polls ``SELECT id, version … WHERE id IN (…)`` for every session that has a subscriber,
every ``POLL_SECONDS``; when a version moved it reads the board once and wakes every subscriber
of that session with the same payload. Database work runs on the hub's own thread, which keeps
its one connection while anybody listens (released when the last screen leaves). With psycopg's
pool that connection is taken out of the pool for as long: otherwise, while judges' requests
hold every pooled connection waiting for the session's lock, the hub would wait behind them. Several processes each run their own
hub against the same rows, so every screen converges on the same state.

Under WSGI (runserver, the test client, pytest-django's live server) there is no event loop:
the stream is a plain generator that polls the one row itself and ends after
``WSGI_STREAM_SECONDS`` so a server thread is not held forever; the browser reconnects.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import weakref
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.db import DatabaseError, InterfaceError, connection

from contest.finals.board import board_state
from contest.finals.models import RoadshowSession

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2
HEARTBEAT_SECONDS = 15.0
RETRY_MS = 1000
WSGI_POLL_SECONDS = 0.25
WSGI_STREAM_SECONDS = 30.0
WSGI_HEARTBEAT_SECONDS = 2.0  # a WSGI server learns of a gone client only when a write fails

RETRY = f"retry: {RETRY_MS}\n\n".encode()
KEEP_ALIVE = b": keep-alive\n\n"


def encode_state(state: dict) -> str:
    return json.dumps(state, ensure_ascii=False, separators=(",", ":"))


def read_state(session_id: int) -> tuple[int, str]:
    """(version, board JSON) of one session, read now."""
    state = board_state(session_id)
    return state["session"]["version"], encode_state(state)


def event(version: int, body: str) -> bytes:
    """One ``state`` event; the top-level ``server_now`` is stamped at the moment of sending."""
    data = '{"server_now":%d,%s' % (int(time.time() * 1000), body[1:])  # noqa: UP031
    return f"id: {version}\nevent: state\ndata: {data}\n\n".encode()


def current_versions(session_ids: list[int]) -> dict[int, int]:
    return dict(RoadshowSession.objects.filter(pk__in=session_ids).values_list("pk", "version"))


# -- ASGI: one hub per event loop (= per uvicorn process) ---------------------------------------


class Topic:
    """One session's latest board and the subscribers waiting for the next one."""

    def __init__(self, session_id: int) -> None:
        self.session_id = session_id
        self.version: int | None = None
        self.body = ""
        self.subscribers = 0
        self.changed = asyncio.Event()
        self.loading: asyncio.Future | None = None

    def publish(self, version: int, body: str) -> None:
        self.version, self.body = version, body
        changed, self.changed = self.changed, asyncio.Event()
        changed.set()


class Hub:
    def __init__(self) -> None:
        self.topics: dict[int, Topic] = {}
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="finals-hub")
        self.task: asyncio.Task | None = None

    async def _in_thread(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def _load(self, topic: Topic) -> None:
        topic.publish(*await self._in_thread(_guarded, read_state, topic.session_id))

    async def subscribe(self, session_id: int) -> Topic:
        topic = self.topics.get(session_id)
        if topic is None:
            topic = self.topics[session_id] = Topic(session_id)
        topic.subscribers += 1
        try:
            if topic.version is None:
                if topic.loading is None or (topic.loading.done() and topic.loading.exception()):
                    topic.loading = asyncio.ensure_future(self._load(topic))
                await asyncio.shield(topic.loading)
        except BaseException:
            self.unsubscribe(topic)
            raise
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self._run())
        return topic

    def unsubscribe(self, topic: Topic) -> None:
        topic.subscribers -= 1
        if topic.subscribers <= 0 and self.topics.get(topic.session_id) is topic:
            del self.topics[topic.session_id]

    async def _run(self) -> None:
        try:
            while self.topics:
                await self._tick()
                await asyncio.sleep(POLL_SECONDS)
        finally:
            # A screen arriving while the connection is handed back starts a new task.
            if self.task is asyncio.current_task():
                self.task = None
            await asyncio.shield(self._in_thread(_release_connection))

    async def _tick(self) -> None:
        try:
            versions = await self._in_thread(_guarded, current_versions, list(self.topics))
            for session_id, version in versions.items():
                topic = self.topics.get(session_id)
                if topic is not None and topic.version is not None and topic.version != version:
                    topic.publish(*await self._in_thread(_guarded, read_state, session_id))
        except (DatabaseError, InterfaceError):
            log.warning("finals hub: database unavailable, retrying", exc_info=True)


def _guarded(fn, *args):
    """Run on the hub's thread; a broken connection is dropped so the next tick reconnects."""
    try:
        return fn(*args)
    except (DatabaseError, InterfaceError):
        connection.close()
        raise


def _release_connection() -> None:
    connection.close()


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = Hub()
    return found


async def astream(session_id: int, last_event_id: str = "") -> AsyncIterator[bytes]:
    """The event stream under ASGI: current state at once, then every change.

    First it hands back the database connection of the request's own thread (the view's and
    the middleware's work is done): a stream lasts as long as a screen stays open, and 300
    screens must not hold 300 connections — or the whole of psycopg's pool. From here on only
    the hub's thread reads the database."""
    await sync_to_async(_release_connection)()  # resolved in that thread, not in the loop's
    the_hub = hub()
    topic = await the_hub.subscribe(session_id)
    try:
        yield RETRY
        seen = last_event_id
        while True:
            changed = topic.changed  # taken before comparing: a publish in between is not missed
            if str(topic.version) != seen:
                seen = str(topic.version)
                yield event(topic.version, topic.body)
                continue
            try:
                await asyncio.wait_for(changed.wait(), HEARTBEAT_SECONDS)
            except TimeoutError:
                yield KEEP_ALIVE
    finally:
        the_hub.unsubscribe(topic)


# -- WSGI: a generator per connection --------------------------------------------------------------


def stream(
    session_id: int,
    last_event_id: str = "",
    *,
    poll_seconds: float = WSGI_POLL_SECONDS,
    lifetime_seconds: float = WSGI_STREAM_SECONDS,
) -> Iterator[bytes]:
    """The event stream under WSGI: polls its one row, ends after ``lifetime_seconds``.

    Its keep-alive comes every ``WSGI_HEARTBEAT_SECONDS`` so a closed browser tab ends the
    stream (and frees the server thread and its database connection) within seconds."""
    global _wsgi_streams
    with _wsgi_lock:
        _wsgi_streams += 1
    try:
        yield RETRY
        version, body = read_state(session_id)
        if str(version) != last_event_id:
            yield event(version, body)
        started = beat = time.monotonic()
        while time.monotonic() - started < lifetime_seconds:
            time.sleep(poll_seconds)
            current = RoadshowSession.objects.filter(pk=session_id).values_list("version", flat=True).first()
            if current is None:
                return
            if current != version:
                version, body = read_state(session_id)
                yield event(version, body)
                beat = time.monotonic()
            elif time.monotonic() - beat >= WSGI_HEARTBEAT_SECONDS:
                yield KEEP_ALIVE
                beat = time.monotonic()
    finally:
        with _wsgi_lock:
            _wsgi_streams -= 1


_wsgi_lock = threading.Lock()
_wsgi_streams = 0


def wsgi_streams() -> int:
    """How many WSGI event streams are open in this process (browser tests wait for 0)."""
    return _wsgi_streams
