"""A crawler of the site as each role sees it, on the demo season (`seed_demo`).

Starting from the pages a role lands on, it follows every same-site link (``<a href>``, ``<link
href>``, ``<form method=get action>``) breadth-first and records each answer. Pages are grouped by
their URL pattern (and the names of their query parameters); a few of each pattern are fetched,
so the crawl is bounded whatever the data holds. Server-sent event streams are opened and closed
unread.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urlsplit

from django.core.signals import request_finished
from django.db import close_old_connections
from django.urls import Resolver404, resolve

#: role → the demo login (None: not signed in) and the pages the role starts from
ROLES: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "anonymous": (None, ("/", "/notices/", "/certificates/verify/", "/accounts/login/", "/accounts/signup/")),
    "entrant": ("demo-enterprise", ("/", "/me/", "/certificates/mine/")),
    "organizer": ("ningbo-organizer", ("/", "/console/", "/console/review/", "/console/finals/", "/console/awards/",
                                       "/console/notices/", "/console/stats/")),
    "judge": ("demo-judge-1", ("/", "/judge/")),
    "chair": ("demo-judge-4", ("/", "/live/judge/")),
    "secretariat": ("secretariat", ("/", "/console/", "/console/review/", "/console/stats/", "/admin/")),
}  # fmt: skip
#: never followed: sign-out ends the crawl's session; language switching and admin deletions are POSTs
SKIP_PREFIXES = ("/accounts/logout/", "/i18n/", "/static/")
SKIP_PARTS = ("/delete/", "/logout/")
PER_PATTERN = 3
MAX_PAGES = 700


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        if tag in ("a", "link") and attributes.get("href"):
            self.hrefs.append(attributes["href"])
        if (
            tag == "form"
            and (attributes.get("method") or "get").lower() == "get"
            and attributes.get("action")
        ):
            self.hrefs.append(attributes["action"])


def links_in(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.hrefs


def local_path(href: str) -> str | None:
    """The path (with query) of a same-site link, or None for another site, mail, scripts, anchors."""
    href = urldefrag(href.strip())[0]
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(SKIP_PREFIXES) or any(p in parts.path for p in SKIP_PARTS):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def close_unread(response) -> None:
    """Close a streamed response without reading it, the way the test client closes responses:
    with ``close_old_connections`` detached, or the signal closes the database connection under the
    test's transaction (PostgreSQL then fails every later query; see ``tests/http.drain``)."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def pattern_of(path: str) -> str:
    parts = urlsplit(path)
    try:
        match = resolve(parts.path)
        route = match.route or match.view_name
    except Resolver404:
        route = f"unresolved:{parts.path}"
    keys = ",".join(sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)}))
    return f"{route}?{keys}"


@dataclass
class Visit:
    path: str
    status: int
    found_on: str
    content_type: str = ""


@dataclass
class Crawl:
    visits: dict[str, Visit] = field(default_factory=dict)

    @property
    def server_errors(self) -> list[str]:
        return [
            f"{v.status} {v.path} (linked from {v.found_on})" for v in self.visits.values() if v.status >= 500
        ]

    @property
    def broken_links(self) -> list[str]:
        return [f"{v.status} {v.path} (linked from {v.found_on})" for v in self.visits.values()
                if v.status >= 400 and v.found_on != "start"]  # fmt: skip

    def html_pages(self) -> list[str]:
        return [
            v.path for v in self.visits.values() if v.status == 200 and v.content_type.startswith("text/html")
        ]


def crawl(
    client, starts: tuple[str, ...], *, per_pattern: int = PER_PATTERN, max_pages: int = MAX_PAGES
) -> Crawl:
    result = Crawl()
    queue: deque[tuple[str, str]] = deque((s, "start") for s in starts)
    per: dict[str, int] = {}
    while queue and len(result.visits) < max_pages:
        path, found_on = queue.popleft()
        if path in result.visits:
            continue
        pattern = pattern_of(path)
        if per.get(pattern, 0) >= per_pattern:
            continue
        per[pattern] = per.get(pattern, 0) + 1
        response = client.get(path)
        content_type = response.get("Content-Type", "")
        result.visits[path] = Visit(path=path, status=response.status_code, found_on=found_on,
                                    content_type=content_type)  # fmt: skip
        if getattr(response, "streaming", False):
            close_unread(response)  # an event stream never ends; a download is not parsed
            continue
        if response.status_code in (301, 302, 303, 307, 308):
            target = local_path(response["Location"])
            if target:
                queue.append((target, path))
            continue
        if response.status_code == 200 and content_type.startswith("text/html"):
            for href in links_in(response.content.decode("utf-8", "replace")):
                target = local_path(href)
                if target and target not in result.visits:
                    queue.append((target, path))
    return result
