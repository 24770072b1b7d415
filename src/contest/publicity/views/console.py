"""Organizer and secretariat 公示 pages (/console/notices/): lists for the user's events (the
secretariat: the edition's, national lists included), create from a source with a preview,
publish with a period, the objections inbox and answers, a new version, finalize, exports.

Every page finds its list through the tenancy selector and checks ``publicity.manage_notice``;
anything outside the user's scope answers 404 — to every method — before the method is checked.
"""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from contest.accounts.security import audit_export
from contest.core import exporters as core_exporters
from contest.core.errors import ContestError, FieldErrors
from contest.core.inputs import parse_id
from contest.core.uploads import upload_response
from contest.core.views import READ_WRITE, SAFE, WRITE, ConsoleView, Lookup, show_refusal
from contest.publicity import exporters, selectors, services, sources
from contest.publicity.enums import NoticeKind, NoticeStatus, ObjectionStatus
from contest.publicity.forms import (
    KIND_LABELS,
    AnswerForm,
    CreateForm,
    PublishForm,
    ReviseForm,
    rows_from_post,
)
from contest.publicity.models import Notice, Objection
from contest.publicity.views.public import OBJECTION_LABELS, PHASE_LABELS, column_headers
from contest.registration.selectors import events_for_user


def _objection_of(request: HttpRequest, objection_id: int, found: dict) -> Objection | None:
    notice = found.get("notice")
    objection = notice.objections.filter(pk=objection_id).first() if notice is not None else None
    if objection is not None:
        objection.notice = notice
    return objection


NOTICE = Lookup("notice", lambda request, pk, found: selectors.notice_for_user(request.user, pk),
                perm="publicity.manage_notice")  # fmt: skip
OBJECTION = Lookup("objection", _objection_of)
#: sign-in, then scope (the list in the user's scope, the objection on that list), then method
notice_view = ConsoleView(gate=selectors.can_use_console, lookups=(NOTICE, OBJECTION))


def _default_end():
    return timezone.localtime(timezone.now() + services.DEFAULT_PERIOD).replace(second=0, microsecond=0)


# -- lists ----------------------------------------------------------------------------------------------


@notice_view(SAFE)
def notice_list(request: HttpRequest) -> HttpResponse:
    notices = list(selectors.console_list(request.user))
    now = timezone.now()
    rows = [(n, KIND_LABELS[n.kind], PHASE_LABELS[selectors.phase_of(n, now)]) for n in notices]
    return render(request, "publicity/console_list.html", {"rows": rows, "section": "notices_console"})


def _scopes(user) -> list[tuple[str, str]]:
    choices = [(f"edition:{e.pk}", _("%(edition)s · 全国名单") % {"edition": e.title})
               for e in selectors.editions_for_national(user)]  # fmt: skip
    choices += [(f"event:{e.pk}", e.name)
                for e in events_for_user(user).select_related("edition").order_by("-edition__number", "tier", "seq")]  # fmt: skip
    return choices


def _resolve(user, value: str):
    kind, _sep, pk = (value or "").partition(":")
    if kind == "event" and parse_id(pk) is not None:
        event = events_for_user(user).filter(pk=pk).select_related("edition").first()
        if event is not None:
            return event.edition, event
    if kind == "edition" and parse_id(pk) is not None:
        edition = next((e for e in selectors.editions_for_national(user) if e.pk == int(pk)), None)
        if edition is not None:
            return edition, None
    raise Http404("no such scope")


def _rounds(user) -> list:
    rounds = list(selectors.source_rounds(user, national=False)) + list(
        selectors.source_rounds(user, national=True)
    )
    return rounds


@notice_view(READ_WRITE)
def notice_create(request: HttpRequest) -> HttpResponse:
    scopes = _scopes(request.user)
    if not scopes:
        raise Http404("no event to publish a list for")
    rounds = _rounds(request.user)
    round_choices = [
        (str(r.pk), f"{r.event.name if r.event else r.edition.title + ' · 全国'} · {r.name}") for r in rounds
    ]
    file_errors: list[str] = []
    if request.method == "POST":
        form = CreateForm(request.POST, request.FILES, scopes=scopes, rounds=round_choices)
        if form.is_valid():
            data = form.cleaned_data
            edition, event = _resolve(request.user, data["scope"])
            params: dict = {}
            try:
                if data["kind"] in (NoticeKind.ADVANCEMENT, NoticeKind.SHORTLIST):
                    params["round"] = next((r for r in rounds if str(r.pk) == data["round"]), None)
                elif data["kind"] == NoticeKind.AWARDS:
                    params["group"] = data["group"] or None
                else:
                    upload = data.get("file")
                    if upload is None:
                        raise FieldErrors({"file": _("请上传名单文件（.xlsx 或 .csv）。")})
                    content = upload.read()
                    params.update({"rows": sources.parse_custom(content, filename=upload.name),
                                   "filename": upload.name, "file_sha256": hashlib.sha256(content).hexdigest()})  # fmt: skip
                notice = services.create_notice(by=request.user, edition=edition, event=event, kind=data["kind"],
                                                title=data["title"], params=params)  # fmt: skip
            except sources.CustomTableError as exc:
                file_errors = exc.errors
            except FieldErrors as exc:
                for key, message in exc.fields.items():
                    form.add_error(key if key in form.fields else None, message)
            except ContestError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("草稿已生成，请核对名单后发布。"))
                return redirect("publicity_console:detail", notice.pk)
    else:
        form = CreateForm(scopes=scopes, rounds=round_choices, initial={"kind": NoticeKind.ADVANCEMENT})
    context = {"form": form, "file_errors": file_errors, "section": "notices_console",
               "custom_headers": list(sources.CUSTOM_HEADERS)}  # fmt: skip
    return render(request, "publicity/console_create.html", context)


@notice_view(SAFE)
def notice_detail(request: HttpRequest, notice: Notice) -> HttpResponse:
    user = request.user
    phase = selectors.phase_of(notice)
    items = notice.draft_items if notice.status == NoticeStatus.DRAFT else notice.current_version.items
    headers = column_headers(notice.columns)
    pending = notice.objections.filter(status=ObjectionStatus.FILED).count()
    context = {
        "notice": notice, "phase": phase, "phase_label": PHASE_LABELS[phase], "kind_label": KIND_LABELS[notice.kind],
        "headers": headers, "cells": [[(label, row.get(key, "")) for key, label in headers] for row in items],
        "versions": selectors.versions_of(notice), "pending": pending, "section": "notices_console",
        "publish_form": PublishForm(initial={"ends_at": _default_end()}) if user.has_perm("publicity.publish_notice", notice) else None,
        "can_finalize": user.has_perm("publicity.finalize_notice", notice),
        "can_revise": user.has_perm("publicity.revise_notice", notice),
    }  # fmt: skip
    return render(request, "publicity/console_detail.html", context)


@notice_view(WRITE)
def notice_publish(request: HttpRequest, notice: Notice) -> HttpResponse:
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写有效的公示结束时间。"))
        return redirect("publicity_console:detail", notice.pk)
    try:
        version = services.publish_notice(
            by=request.user, notice=notice, ends_at=form.cleaned_data["ends_at"]
        )
    except ContestError as exc:
        show_refusal(request, exc)
    else:
        messages.success(
            request,
            _("名单已发布，公示期至 %(end)s（北京时间）。")
            % {"end": services.shanghai(version.period_ends_at)},
        )
    return redirect("publicity_console:detail", notice.pk)


@notice_view(WRITE)
def notice_finalize(request: HttpRequest, notice: Notice) -> HttpResponse:
    try:
        services.finalize_notice(by=request.user, notice=notice)
    except ContestError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("已确认公示结束，名单为最终名单。"))
    return redirect("publicity_console:detail", notice.pk)


@notice_view(READ_WRITE)
def notice_revise(request: HttpRequest, notice: Notice) -> HttpResponse:
    if not request.user.has_perm("publicity.revise_notice", notice):
        messages.error(request, _("只有公示中的名单可以发布新版本。"))
        return redirect("publicity_console:detail", notice.pk)
    upheld = list(
        notice.objections.filter(status=ObjectionStatus.UPHELD, resolved_in__isnull=True).order_by("pk")
    )
    items = notice.current_version.items
    if request.method == "POST":
        form = ReviseForm(request.POST, objections=upheld)
        items = rows_from_post(request.POST, notice.columns, parse_id(request.POST.get("count")) or 0)
        if form.is_valid():
            chosen = [o for o in upheld if str(o.pk) in form.cleaned_data["objections"]]
            try:
                version = services.publish_version(by=request.user, notice=notice, items=items,
                                                   reason=form.cleaned_data["reason"], objections=chosen,
                                                   ends_at=form.cleaned_data["ends_at"])  # fmt: skip
            except FieldErrors as exc:
                for key, message in exc.fields.items():
                    form.add_error(key if key in form.fields else None, message)
            except ContestError as exc:
                for message in getattr(exc, "errors", None) or [exc.message]:
                    form.add_error(exc.field if exc.field in form.fields else None, message)
            else:
                messages.success(request, _("第 %(n)d 版已发布，公示期重新计算。") % {"n": version.number})
                return redirect("publicity_console:detail", notice.pk)
    else:
        form = ReviseForm(
            objections=upheld, initial={"ends_at": _default_end(), "objections": [str(o.pk) for o in upheld]}
        )
    headers = column_headers(notice.columns)
    rows = [(i, [(key, label, row.get(key, "")) for key, label in headers]) for i, row in enumerate(items)]
    context = {"notice": notice, "form": form, "rows": rows, "headers": headers, "count": len(items),
               "upheld": upheld, "section": "notices_console"}  # fmt: skip
    return render(request, "publicity/console_revise.html", context)


# -- objections -----------------------------------------------------------------------------------------


@notice_view(SAFE)
def objection_list(request: HttpRequest, notice: Notice) -> HttpResponse:
    rows = [(o, OBJECTION_LABELS[o.status]) for o in selectors.objections_of(notice)]
    return render(
        request,
        "publicity/console_objections.html",
        {"notice": notice, "rows": rows, "section": "notices_console"},
    )


@notice_view(READ_WRITE)
def objection_answer(request: HttpRequest, notice: Notice, objection: Objection) -> HttpResponse:
    if request.method == "POST":
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                services.answer_objection(by=request.user, objection=objection, **form.cleaned_data)
            except ContestError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("已答复异议 %(code)s。") % {"code": objection.tracking_code})
                return redirect("publicity_console:objections", notice.pk)
    else:
        form = AnswerForm()
    context = {"notice": notice, "objection": objection, "form": form, "section": "notices_console",
               "status_label": OBJECTION_LABELS[objection.status],
               "is_open": request.user.has_perm("publicity.answer_objection", objection)}  # fmt: skip
    return render(request, "publicity/console_answer.html", context)


@notice_view(SAFE)
def objection_evidence(request: HttpRequest, notice: Notice, objection: Objection) -> FileResponse:
    if not objection.evidence or not request.user.has_perm("publicity.view_evidence", notice):
        raise Http404("no evidence")
    return upload_response(
        objection.evidence,
        content_type=objection.evidence_content_type,
        filename=f"{objection.tracking_code}{objection.evidence_extension}",
        inline=False,
    )


# -- exports ---------------------------------------------------------------------------------------------


@notice_view(SAFE)
def export_items(request: HttpRequest, notice: Notice) -> HttpResponse:
    if notice.current_version is None:
        raise Http404("not published")
    wanted = request.GET.get("v", "")
    version = (
        notice.versions.filter(number=wanted).first()
        if parse_id(wanted) is not None
        else notice.current_version
    )
    if version is None:
        raise Http404("no such version")
    response = core_exporters.table_response(
        exporters.item_columns(version), exporters.version_rows(version=version),
        fmt=core_exporters.requested_format(request), title=f"v{version.number}",
        filename=f"notice-{notice.pk}-v{version.number}",
    )  # fmt: skip
    audit_export(
        request, what="publicity.notice.items", detail={"notice": notice.pk, "version": version.number}
    )
    return response


@notice_view(SAFE)
def export_objections(request: HttpRequest, notice: Notice) -> HttpResponse:
    response = core_exporters.download(
        exporters.OBJECTIONS,
        core_exporters.requested_format(request),
        filename=f"notice-{notice.pk}-objections",
        notice=notice,
    )
    audit_export(request, what="publicity.notice.objections", detail={"notice": notice.pk})
    return response
