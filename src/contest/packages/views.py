"""Console pages of package imports (/console/packages/): upload and the event's past imports; one
import's progress, report, confirmation and cancellation; the template and the report as downloads.

The event's organizers and the edition's secretariat only: everyone else gets 404 for every URL."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from contest.catalog.models import Event
from contest.core import exporters
from contest.core.errors import ContestError
from contest.core.views import READ_WRITE, SAFE, WRITE, ConsoleView, Lookup, actor, show_refusal
from contest.packages import selectors, services
from contest.packages.columns import SHEETS
from contest.packages.exporters import REPORT, template_sheets
from contest.packages.forms import PackageForm
from contest.packages.models import PackageImport
from contest.packages.reader import Problem
from contest.registration import selectors as registration_selectors

PROBLEMS_PER_PAGE = 100
IMPORTS_SHOWN = 50

EVENT = Lookup(
    "event", lambda request, pk, found: registration_selectors.event_for_user(request.user, pk),
    perm="packages.import_package",
)  # fmt: skip
IMPORT = Lookup("package_import", lambda request, pk, found: selectors.import_in(found["event"], pk),
                argument="import_id")  # fmt: skip
console_view = ConsoleView(gate=registration_selectors.can_use_console, lookups=(EVENT, IMPORT))


def _context(event: Event, **extra) -> dict:
    return {"event": event, "edition": event.edition, "section": "console", **extra}


@console_view(READ_WRITE)
def index(request: HttpRequest, event: Event) -> HttpResponse:
    """Upload a package; the event's past imports."""
    form = PackageForm()
    if request.method == "POST":
        form = PackageForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                package_import = services.upload_package(by=actor(request), event=event,
                                                         file=form.cleaned_data["file"])  # fmt: skip
            except ContestError as exc:
                for message in getattr(exc, "errors", None) or [exc.message]:
                    form.add_error("file" if exc.field in (None, "file") else None, message)
            else:
                messages.success(request, _("已上传，正在后台校验。"))
                return redirect("packages:detail", event.pk, package_import.pk)
    services.expire_stale_imports(event=event)
    imports = list(selectors.imports_of(event)[:IMPORTS_SHOWN])
    return render(request, "packages/console_index.html",
                  _context(event, form=form, imports=imports, sheets=SHEETS))  # fmt: skip


def _state(package_import: PackageImport) -> dict:
    services.expire_stale_imports(event=package_import.event_id)  # a dead worker's job fails
    package_import.refresh_from_db()
    return {"status": package_import.status, "status_label": package_import.get_status_display(),
            "done": package_import.done, "total": package_import.total, "percent": package_import.percent,
            "message": package_import.message, "finished": not package_import.is_busy}  # fmt: skip


@console_view(SAFE)
def detail(request: HttpRequest, event: Event, package_import: PackageImport) -> HttpResponse:
    """One import: progress while a job runs (the page polls its state), then the report."""
    state = _state(package_import)
    report = package_import.report or {}
    problems = [Problem(**p) for p in report.get("problems") or []]
    page = Paginator(problems, PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "packages/console_detail.html", _context(
        event, package_import=package_import, state=state, report=report, page=page,
        hidden=max(0, package_import.problem_total - len(problems)),
        transitions=list(package_import.transitions.select_related("actor")),
        can_confirm=package_import.status == services.S.CHECKED,
        can_cancel=package_import.status in (services.S.CHECKED, services.S.QUEUED),
    ))  # fmt: skip


@console_view(SAFE)
def status(request: HttpRequest, event: Event, package_import: PackageImport) -> JsonResponse:
    return JsonResponse(_state(package_import), json_dumps_params={"ensure_ascii": False})


@console_view(WRITE)
def confirm(request: HttpRequest, event: Event, package_import: PackageImport) -> HttpResponse:
    try:
        services.confirm_import(by=actor(request), package_import=package_import)
    except ContestError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("已确认，正在后台写入。"))
    return redirect("packages:detail", event.pk, package_import.pk)


@console_view(WRITE)
def cancel(request: HttpRequest, event: Event, package_import: PackageImport) -> HttpResponse:
    try:
        services.cancel_import(by=actor(request), package_import=package_import)
    except ContestError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("已取消，未写入任何数据。"))
    return redirect("packages:detail", event.pk, package_import.pk)


@console_view(SAFE)
def report(request: HttpRequest, event: Event, package_import: PackageImport) -> HttpResponse:
    """The report's problems as a workbook (or ``?format=csv``)."""
    return exporters.download(REPORT, exporters.requested_format(request),
                              filename=f"报名包导入报告-{package_import.pk}", package_import=package_import)  # fmt: skip


@console_view(SAFE)
def template(request: HttpRequest, event: Event) -> HttpResponse:
    """The package template: the three sheets with their headers and one example row each."""
    return exporters.xlsx_response(template_sheets(), "报名包模板.xlsx")
