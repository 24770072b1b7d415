"""What every console page shares: the console-view decorator, refusals shown, the acting user.

A console view is declared once per app with its gate and its lookups::

    EVENT = Lookup("event", lambda request, pk, found: event_for_user(request.user, pk),
                   perm="registration.manage_event_entries")
    console_view = ConsoleView(gate=can_use_console, lookups=(EVENT, ENTRY))

    @console_view(SAFE)
    def entry_list(request, event): ...

The order is always: sign-in (a redirect to the login page), then the gate and every lookup
(404 — outside the user's scope nothing exists, to every method), then the method (405 only after
the scope check). A lookup replaces ``<name>_id`` in the URL's arguments by the object ``<name>``;
it may use the objects found before it (``found``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils.http import url_has_allowed_host_and_scheme

from contest.core.errors import ContestError

SAFE = ("GET", "HEAD")
WRITE = ("POST",)
READ_WRITE = ("GET", "HEAD", "POST")


@dataclass(frozen=True)
class Lookup:
    """Turn the URL argument ``<name>_id`` into ``<name>``, or answer 404.

    ``find(request, value, found)`` returns the object in the user's scope or None; ``found`` holds
    the objects looked up before this one. ``perm``, when given, must be held on the object."""

    name: str
    find: Callable[[HttpRequest, Any, dict[str, Any]], Any]
    perm: str | None = None
    argument: str | None = None

    @property
    def key(self) -> str:
        return self.argument or f"{self.name}_id"


@dataclass(frozen=True)
class ConsoleView:
    """A console-view decorator: ``gate(user)`` says whether the user has a console here at all."""

    gate: Callable[[Any], bool] | None = None
    lookups: Sequence[Lookup] = ()

    def __call__(self, methods: Sequence[str] = SAFE, *, gate: Callable[[Any], bool] | None = None):
        gate = gate or self.gate
        lookups = self.lookups
        allowed = tuple(methods)

        def decorator(view):
            @functools.wraps(view)
            def wrapper(request: HttpRequest, **kwargs) -> HttpResponse:
                if gate is not None and not gate(request.user):
                    raise Http404("nothing here in your scope")
                found: dict[str, Any] = {}
                for lookup in lookups:
                    if lookup.key not in kwargs:
                        continue
                    obj = lookup.find(request, kwargs.pop(lookup.key), found)
                    if obj is None or (lookup.perm and not request.user.has_perm(lookup.perm, obj)):
                        raise Http404(f"no such {lookup.name} in your scope")
                    found[lookup.name] = obj
                if request.method not in allowed:
                    return HttpResponseNotAllowed(allowed)
                return view(request, **kwargs, **found)

            return login_required(wrapper)

        return decorator


def show_refusal(request: HttpRequest, exc: ContestError) -> None:
    """A service's refusal as page messages: every problem it lists, each once."""
    for message in dict.fromkeys(getattr(exc, "errors", None) or [exc.message]):
        messages.error(request, message)


def actor(request: HttpRequest):
    """The signed-in user as a model instance (services record it in the audit trail)."""
    user = request.user
    return getattr(user, "_wrapped", user)


def site_url(request: HttpRequest | None = None) -> str:
    """The site's public base URL for links that leave the page (certificates, QR codes, mail):
    ``settings.SITE_URL`` when set, else the address the request came to."""
    configured = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    if configured or request is None:
        return configured
    return request.build_absolute_uri("/").rstrip("/")


def next_url(request: HttpRequest, default: str) -> str:
    """The ``next`` the request names (POST, then GET) if it stays on this site, else ``default``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
