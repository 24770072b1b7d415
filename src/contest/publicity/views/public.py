"""Public 公示 pages (/notices/): no sign-in, phone-friendly. The index, a list with its versions,
the objection form and its receipt, and the status lookup by tracking code and phone."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from contest.catalog.models import Event
from contest.core.errors import ContestError, FieldErrors
from contest.publicity import selectors, services
from contest.publicity.enums import NoticeStatus, ObjectionStatus, Phase
from contest.publicity.forms import COLUMN_TITLES, KIND_LABELS, LookupForm, ObjectionForm
from contest.publicity.models import Objection

RECEIPT_SESSION_KEY = "publicity_receipt"
#: phases and objection statuses as the pages show them (the enums' labels, translated)
PHASE_LABELS = dict(Phase.choices)
OBJECTION_LABELS = dict(ObjectionStatus.choices)


def column_headers(columns: list[str]) -> list[tuple[str, str]]:
    return [(c, COLUMN_TITLES[c]) for c in columns]


def remaining(ends_at) -> str:
    """Time left as “D 天 HH:MM:SS” (the countdown script keeps it running)."""
    left = max(int((ends_at - timezone.now()).total_seconds()), 0)
    days, rest = divmod(left, 86400)
    return _("%(d)d 天 %(hms)s") % {
        "d": days,
        "hms": f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}",
    }


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


@require_http_methods(["GET", "HEAD"])
def notice_index(request: HttpRequest) -> HttpResponse:
    event_id = _int(request.GET.get("event"))
    sections = selectors.public_notices(event_id=event_id)
    events = list(
        Event.objects.filter(notices__status__in=selectors.PUBLIC)
        .distinct()
        .order_by("edition", "tier", "seq")
    )
    context = {
        "sections": [(phase, PHASE_LABELS[phase], items) for phase, items in sections],
        "events": events, "event_id": event_id, "section": "notices", "kind_labels": KIND_LABELS, "total": sum(len(s[1]) for s in sections),
    }  # fmt: skip
    return render(request, "publicity/public_index.html", context)


def _notice_or_404(notice_id: int):
    notice = selectors.public_notice(notice_id)
    if notice is None:
        raise Http404("no such public notice")
    return notice


@require_http_methods(["GET", "HEAD"])
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = _notice_or_404(notice_id)
    versions = list(notice.versions.order_by("number"))
    wanted = _int(request.GET.get("v"))
    version = next((x for x in versions if x.number == wanted), notice.current_version)
    query = (request.GET.get("q") or "").strip()[:100]
    rows = version.items
    if query:
        rows = [r for r in rows if any(query.lower() in str(value).lower() for value in r.values())]
    phase = selectors.phase_of(notice)
    headers = column_headers(version.columns)
    context = {
        "notice": notice, "version": version, "versions": versions, "rows": rows, "query": query, "section": "notices",
        "headers": headers, "phase": phase, "phase_label": PHASE_LABELS[phase],
        "kind_label": KIND_LABELS[notice.kind], "is_current": version.pk == notice.current_version_id,
        "cells": [[(label, row.get(key, "")) for key, label in headers] for row in rows],
        "remaining": remaining(notice.current_version.period_ends_at) if phase == Phase.OPEN else "",
    }  # fmt: skip
    return render(request, "publicity/public_detail.html", context)


def _file_objection(request: HttpRequest, form: ObjectionForm, notice) -> Objection | None:
    """File the objection, or put every problem on ``form`` at once: the form's own (a file too
    large, a value too long) and the service's, for every field the form did not already refuse."""
    valid = form.is_valid()
    upload = form.cleaned_data.get("evidence")
    evidence = (upload.name, upload.read()) if upload else None
    data = {**{key: request.POST.get(key, "") for key in form.fields}, **form.cleaned_data}
    try:
        if valid:
            return services.file_objection(by=request.user if request.user.is_authenticated else None,
                                           notice=notice, data=data, evidence=evidence)  # fmt: skip
        services.clean_objection(data, notice.current_version, evidence)
    except FieldErrors as exc:
        for key, message in exc.fields.items():
            if key not in form.errors:
                form.add_error(key if key in form.fields else None, message)
    except ContestError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return None


@require_http_methods(["GET", "HEAD", "POST"])
def objection_create(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = _notice_or_404(notice_id)
    version = notice.current_version
    phase = selectors.phase_of(notice)
    if request.method == "POST":
        form = ObjectionForm(request.POST, request.FILES, rows=version.items)
        objection = _file_objection(request, form, notice)
        if objection is not None:
            request.session[RECEIPT_SESSION_KEY] = objection.pk
            return redirect("publicity:objection_receipt")
    else:
        form = ObjectionForm(rows=version.items, initial={"row_number": request.GET.get("row", "")})
    context = {"notice": notice, "version": version, "form": form, "phase": phase, "section": "notices",
               "phase_label": PHASE_LABELS[phase], "is_open": phase == Phase.OPEN}  # fmt: skip
    return render(request, "publicity/public_objection_form.html", context)


@require_http_methods(["GET", "HEAD"])
def objection_receipt(request: HttpRequest) -> HttpResponse:
    pk = request.session.get(RECEIPT_SESSION_KEY)
    objection = Objection.objects.select_related("notice", "version").filter(pk=pk).first() if pk else None
    if objection is None:
        raise Http404("no receipt in this session")
    context = {"objection": objection, "phone": services.mask_phone(objection.phone), "section": "notices",
               "status_label": OBJECTION_LABELS[objection.status]}  # fmt: skip
    return render(request, "publicity/public_receipt.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def objection_status(request: HttpRequest) -> HttpResponse:
    objection, not_found = None, False
    if request.method == "POST":
        form = LookupForm(request.POST)
        if form.is_valid():
            objection = selectors.objection_by_code(form.cleaned_data["code"], form.cleaned_data["phone"])
            not_found = objection is None
    else:
        form = LookupForm()
    context = {"form": form, "objection": objection, "not_found": not_found, "section": "notices",
               "status_label": OBJECTION_LABELS[objection.status] if objection else None,
               "notice_public": objection is not None and objection.notice.status != NoticeStatus.DRAFT}  # fmt: skip
    return render(request, "publicity/public_status.html", context)
