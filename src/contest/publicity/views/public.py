"""Public 公示 pages (/notices/): no sign-in, phone-friendly. The index, a list with its versions,
the objection form (the phone verified by an SMS code first) and its receipt, and the status lookup
by tracking code and phone."""

from __future__ import annotations

import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from contest.catalog.models import Event
from contest.core.client import client_ip
from contest.core.errors import ContestError, FieldErrors
from contest.core.inputs import parse_id
from contest.publicity import selectors, services
from contest.publicity.enums import NoticeStatus, ObjectionStatus, Phase
from contest.publicity.forms import COLUMN_TITLES, KIND_LABELS, LookupForm, ObjectionForm
from contest.publicity.models import Objection, PhoneVerification

RECEIPT_SESSION_KEY = "publicity_receipt"
#: the phone verification this browser started ({"notice": id, "id": verification id})
VERIFICATION_SESSION_KEY = "publicity_phone_verification"
#: an uploaded evidence file kept across a submit that did not file ({"notice", "path", "name"})
EVIDENCE_SESSION_KEY = "publicity_pending_evidence"
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
    return parse_id(value) if value and len(value) < 12 else None


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


def _carry(request: HttpRequest, form: ObjectionForm) -> ObjectionForm:
    """The form as typed, showing no problems yet (a step that does not file): the caller adds the
    one message that step has."""
    form.is_valid()
    form.errors.clear()
    return form


def _verification(request: HttpRequest, notice) -> PhoneVerification | None:
    """The phone verification this browser started for this list, while it can still be used."""
    stored = request.session.get(VERIFICATION_SESSION_KEY) or {}
    if stored.get("notice") != notice.pk:
        return None
    return PhoneVerification.objects.filter(pk=stored.get("id"), used_at__isnull=True).first()


def _stash_evidence(request: HttpRequest, notice, evidence: tuple[str, bytes]) -> None:
    """Keep an uploaded file across a submit that did not file, so the phone user need not pick it
    again; the session holds where it lies (an unguessable name)."""
    _drop_stash(request)
    name = default_storage.save(f"publicity/pending/{secrets.token_hex(16)}", ContentFile(evidence[1]))
    request.session[EVIDENCE_SESSION_KEY] = {"notice": notice.pk, "path": name, "name": evidence[0][:100]}


def _stashed_evidence(request: HttpRequest, notice) -> tuple[str, bytes] | None:
    stored = request.session.get(EVIDENCE_SESSION_KEY) or {}
    if stored.get("notice") != notice.pk or not default_storage.exists(stored.get("path", "")):
        return None
    with default_storage.open(stored["path"], "rb") as handle:
        return stored["name"], handle.read()


def _drop_stash(request: HttpRequest) -> None:
    stored = request.session.pop(EVIDENCE_SESSION_KEY, None) or {}
    if stored.get("path"):
        default_storage.delete(stored["path"])


def _file_objection(request: HttpRequest, form: ObjectionForm, notice, verification) -> Objection | None:
    """Check the SMS code (once), then file the objection — or put every problem on ``form`` at once:
    the form's own (a file too large, a value too long), the code's and the service's, for every
    field the form did not already refuse."""
    valid = form.is_valid()
    upload = form.cleaned_data.get("evidence")
    evidence = (upload.name, upload.read()) if upload else _stashed_evidence(request, notice)
    data = {**{key: request.POST.get(key, "") for key in form.fields}, **form.cleaned_data}
    if verification.verified_at is None:
        try:
            verification = services.confirm_phone_code(verification_id=verification.pk, phone=data["phone"],
                                                       code=data.get("code", ""))  # fmt: skip
        except ContestError as exc:
            if exc.field != "phone":  # a wrong phone is the service's to name, on its own field
                form.add_error("code", exc.message)
            valid = False
    try:
        if valid:
            return services.file_objection(by=request.user if request.user.is_authenticated else None,
                                           notice=notice, data=data, evidence=evidence,
                                           verification=verification)  # fmt: skip
        services.clean_objection(data, notice.current_version, evidence)
    except FieldErrors as exc:
        for key, message in exc.fields.items():
            if key not in form.errors:
                form.add_error(key if key in form.fields else None, message)
    except ContestError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    if upload and "evidence" not in form.errors:  # not filed: the file waits for the next submit
        _stash_evidence(request, notice, evidence)
    return None


@require_http_methods(["GET", "HEAD", "POST"])
def objection_create(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Two steps on one page: the phone (a code is texted to it), then the code and the objection.
    Whatever was typed travels along between the steps; an uploaded file is kept until filed."""
    notice = _notice_or_404(notice_id)
    version = notice.current_version
    phase = selectors.phase_of(notice)
    verification = _verification(request, notice)
    sent_to = ""
    if request.method == "POST":
        action = request.POST.get("action", "file")
        form = ObjectionForm(request.POST, request.FILES, rows=version.items)
        if action == "change":
            request.session.pop(VERIFICATION_SESSION_KEY, None)
            verification, form = None, _carry(request, form)
        elif action == "send":
            form = _carry(request, form)
            try:
                sent = services.send_phone_code(notice=notice, phone=request.POST.get("phone", ""),
                                                ip=client_ip(request))  # fmt: skip
            except ContestError as exc:
                form.add_error("phone", exc.message)
            else:
                request.session[VERIFICATION_SESSION_KEY] = {"notice": notice.pk, "id": sent.pk}
                verification, sent_to = sent, services.mask_phone(sent.phone)
        elif verification is None:
            form = _carry(request, form)
            form.add_error("phone", _("请先获取短信验证码，验证手机号后再提交。"))
        else:
            objection = _file_objection(request, form, notice, verification)
            if objection is not None:
                request.session.pop(VERIFICATION_SESSION_KEY, None)
                _drop_stash(request)
                request.session[RECEIPT_SESSION_KEY] = objection.pk
                return redirect("publicity:objection_receipt")
            verification = _verification(request, notice)
    else:
        form = ObjectionForm(rows=version.items, initial={"row_number": request.GET.get("row", "")})
    if verification is not None:
        form.fields["phone"].widget.attrs["readonly"] = True
        if not form.is_bound:
            form.initial["phone"] = verification.phone.removeprefix("+86")
    stashed = request.session.get(EVIDENCE_SESSION_KEY) or {}
    context = {"notice": notice, "version": version, "form": form, "phase": phase, "section": "notices",
               "phase_label": PHASE_LABELS[phase], "is_open": phase == Phase.OPEN,
               "step": "details" if verification is not None else "phone", "sent_to": sent_to,
               "phone_verified": verification is not None and verification.verified_at is not None,
               "kept_evidence": stashed.get("name", "") if stashed.get("notice") == notice.pk else ""}  # fmt: skip
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
