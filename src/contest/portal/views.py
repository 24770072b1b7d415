"""The console page of an event's portal credentials (/console/portal/): list them with their
last use, create one (its credential is shown once, on the answer to the POST), revoke one (a
confirmation page, then POST), and see the latest pushes with their outcome counts.

The event's organizers and its edition's secretariat only; to anyone else the pages do not exist (404).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contest.catalog.models import Event
from contest.core.client import origin
from contest.core.errors import ContestError
from contest.core.forms import HardenedForm
from contest.core.views import READ_WRITE, ConsoleView, Lookup, actor
from contest.portal import selectors, services
from contest.portal.models import PortalClient
from contest.registration.selectors import can_use_console, event_for_user

EVENT = Lookup(
    "event", lambda request, pk, found: event_for_user(request.user, pk), perm="portal.manage_clients"
)
CLIENT = Lookup(
    "client", lambda request, pk, found: selectors.client_for_user(request.user, pk),
    perm="portal.revoke_client", argument="client_pk",
)  # fmt: skip
console_view = ConsoleView(gate=can_use_console, lookups=(EVENT, CLIENT))


class ClientForm(HardenedForm, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("用途"),
        max_length=services.NAME_MAX,
        help_text=gettext_lazy("如“广东省报名平台（正式）”，便于日后辨认和撤销。"),
    )


class RevokeForm(HardenedForm, forms.Form):
    """Nothing to fill in: the POST is the confirmation."""


def _page(
    request: HttpRequest, event: Event, form: ClientForm, *, created=None, credential: str = ""
) -> HttpResponse:
    context = {
        "event": event,
        "edition": event.edition,
        "form": form,
        "clients": list(selectors.clients_of_event(event)),
        "pushes": selectors.recent_pushes(event),
        "created": created,
        "credential": credential,
        "api_base": request.build_absolute_uri("/api/v1/portal/"),
        "section": "console",
    }
    response = render(request, "portal/console_clients.html", context)
    if credential:
        response["Cache-Control"] = "no-store"  # the secret must not stay in any cache
    return response


@console_view(READ_WRITE)
def clients(request: HttpRequest, event: Event) -> HttpResponse:
    if request.method != "POST":
        return _page(request, event, ClientForm())
    form = ClientForm(request.POST)
    if form.is_valid():
        try:
            client, credential = services.create_portal_client(
                by=actor(request), event=event, name=form.cleaned_data["name"], origin=origin(request)
            )
        except ContestError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            # Shown on this answer only (never stored, never redirected through a session).
            return _page(request, event, ClientForm(), created=client, credential=credential)
    return _page(request, event, form)


@console_view(READ_WRITE)
def revoke(request: HttpRequest, client: PortalClient) -> HttpResponse:
    form = RevokeForm(request.POST) if request.method == "POST" else RevokeForm()
    if form.is_bound and form.is_valid():
        try:
            services.revoke_portal_client(by=actor(request), client=client, origin=origin(request))
        except ContestError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("凭据“%(name)s”已撤销，此后用它的请求都会被拒绝。") % {"name": client.name}
            )
            return redirect("portal:clients", client.event_id)
    context = {"client": client, "event": client.event, "edition": client.event.edition, "form": form,
               "section": "console"}  # fmt: skip
    return render(request, "portal/console_client_revoke.html", context)
