"""The statistics dashboard (/console/stats/) for the secretariat and organizers.

Every page finds the user's scope through ``statistics.scope.stats_scope_for_user`` first (the
tenancy scope of ``core.access``, narrowed by the query parameters): anyone without one (judges,
entrants) and any filter outside it answers 404, to every method; only then does a method other
than GET/HEAD get 405 — the order of ``core.views.ConsoleView``. ``ConsoleView`` itself does not
fit: its lookups read URL arguments, and the scope here is named by query parameters. Pages only
read.
"""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode

from contest.core.views import SAFE
from contest.statistics import exporters
from contest.statistics.dashboard import BY_SLUG, CHARTS, build
from contest.statistics.scope import StatsScope, stats_scope_for_user

FORMATS = {"xlsx", "csv"}


def stats_view(view):
    """Sign-in, then scope (404), then method (405); the view receives ``scope``."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, **kwargs) -> HttpResponse:
        scope = stats_scope_for_user(
            request.user,
            edition=request.GET.get("edition"),
            event=request.GET.get("event"),
            group=request.GET.get("group"),
        )
        if scope is None:
            raise Http404("nothing to count in your scope")
        if request.method not in SAFE:
            return HttpResponseNotAllowed(SAFE)
        return view(request, scope=scope, **kwargs)

    return login_required(wrapper)


def _context(scope: StatsScope, charts, **extra) -> dict:
    return {"scope": scope, "charts": charts, "query": urlencode(scope.params()), "section": "stats", **extra}


@stats_view
def dashboard(request: HttpRequest, scope: StatsScope) -> HttpResponse:
    charts = [build(definition, scope) for definition in CHARTS]
    return render(request, "statistics/dashboard.html", _context(scope, charts))


@stats_view
def chart(request: HttpRequest, scope: StatsScope, slug: str) -> HttpResponse:
    definition = BY_SLUG.get(slug)
    if definition is None:
        raise Http404("no such chart")
    fmt = request.GET.get("format")
    if fmt not in (None, "", *FORMATS):
        raise Http404("no such format")
    built = build(definition, scope)
    if fmt:
        return _download(built, scope, fmt)
    return render(request, "statistics/chart.html", _context(scope, [built], chart=built))


def _download(built, scope: StatsScope, fmt: str) -> HttpResponse:
    now = timezone.now()
    if fmt == "xlsx":
        response = HttpResponse(exporters.workbook(built, scope, now=now), content_type=exporters.XLSX)
    else:
        response = HttpResponse(exporters.csv_bytes(built), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=exporters.filename(built, scope, now, fmt)
    )
    response["Cache-Control"] = "private, no-store"
    return response
