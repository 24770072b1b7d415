"""Template context every page may use."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from contest.core.access import reach_of
from contest.core.workers import stalled_work

CONSOLE_PREFIXES = ("/console/", "/admin/")


def background_work(request: HttpRequest) -> dict:
    """``stalled_work`` on console pages for people who manage something: queued background work
    that no worker is running (``core.workers``). Lazy: it costs queries only when a page shows it."""
    if not request.path.startswith(CONSOLE_PREFIXES):
        return {}
    return {"stalled_work": SimpleLazyObject(lambda: _stall_for(request))}


def _stall_for(request: HttpRequest):
    user = getattr(request, "user", None)
    if not (reach_of(user).manages_anything or getattr(user, "is_staff", False)):
        return None
    return stalled_work()
