"""Organizer pages for the expert pool: list, create, edit, invite, import."""

from __future__ import annotations

import hashlib
import uuid

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from contest.catalog import selectors as catalog_selectors
from contest.core import exporters, privacy
from contest.core.errors import ContestError, FieldErrors
from contest.core.views import show_refusal, site_url
from contest.review import organizer_selectors as selectors
from contest.review import services
from contest.review.expert_import import TEMPLATE_EXAMPLE, read_expert_table
from contest.review.forms import EXPERT_KIND_LABELS, ExpertFilterForm, ExpertForm, UploadForm
from contest.review.models import Expert
from contest.review.views.organizer.common import (
    IMPORT_SESSION_KEY,
    PAGE_SIZE,
    READ_WRITE,
    SAFE,
    WRITE,
    XLSX,
    attach_errors,
    review_view,
)

# -- the expert pool ----------------------------------------------------------------------------------------------


@review_view(SAFE)
def expert_list(request: HttpRequest) -> HttpResponse:
    form = ExpertFilterForm(request.GET, provinces=list(catalog_selectors.provinces()))
    flt = form.expert_filter()
    page = Paginator(selectors.expert_list(request.user, flt), PAGE_SIZE).get_page(request.GET.get("page"))
    provinces = dict(catalog_selectors.provinces().values_list("code", "short_name"))
    rows = [(e, EXPERT_KIND_LABELS.get(e.kind, e.kind), "、".join(e.expertise),
             "、".join(provinces.get(r, r) for r in e.regions), _contacts(request.user, e))
            for e in page.object_list]  # fmt: skip
    context = {"form": form, "page": page, "rows": rows, "is_filtered": flt.is_active, "section": "console",
               "tab": "experts"}  # fmt: skip
    return render(request, "review/organizer_expert_list.html", context)


def _contacts(user, expert: Expert) -> dict:
    """The expert's contacts as ``user`` may see them: in full for those who may change the expert
    (the owner organization, the secretariat), masked for the rest of the pool (docs/privacy.md)."""
    editable = user.has_perm("review.edit_expert", expert)
    return {"editable": editable, "phone": privacy.shown(expert.phone, full=editable, mask=privacy.mask_phone),
            "email": privacy.shown(expert.email, full=editable, mask=privacy.mask_email)}  # fmt: skip


def _expert_form_page(request, form, expert=None) -> HttpResponse:
    context = {"form": form, "expert": expert, "section": "console", "tab": "experts"}
    return render(request, "review/organizer_expert_form.html", context)


@review_view(READ_WRITE)
def expert_create(request: HttpRequest) -> HttpResponse:
    provinces = list(catalog_selectors.provinces())
    form = ExpertForm(request.POST or None, provinces=provinces)
    if request.method == "POST" and form.is_valid():
        try:
            expert = services.add_expert(
                by=request.user, data=form.service_data(), site_url=site_url(request)
            )
        except FieldErrors as exc:
            attach_errors(form, exc)
        except ContestError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已将“%(name)s”加入专家库。") % {"name": expert.name})
            return redirect("review:expert_list")
    return _expert_form_page(request, form)


@review_view(READ_WRITE)
def expert_edit(request: HttpRequest, expert: Expert) -> HttpResponse:
    try:  # the pool is readable by all, but only its owners change an expert: to every method
        services.require_edit_expert(request.user, expert)
    except ContestError as exc:
        context = {"expert": expert, "message": exc.message, "contacts": _contacts(request.user, expert),
                   "section": "console", "tab": "experts"}  # fmt: skip
        return render(request, "review/organizer_expert_locked.html", context, status=exc.status_code)
    provinces = list(catalog_selectors.provinces())
    if request.method == "POST":
        form = ExpertForm(request.POST, provinces=provinces)
        if form.is_valid():
            try:
                services.update_expert(by=request.user, expert=expert, data=form.service_data(),
                                       site_url=site_url(request))  # fmt: skip
            except FieldErrors as exc:
                attach_errors(form, exc)
            except ContestError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("“%(name)s”的信息已保存。") % {"name": form.cleaned_data["name"]})
                return redirect("review:expert_list")
    else:
        form = ExpertForm(initial=ExpertForm.initial_for(expert), provinces=provinces)
    return _expert_form_page(request, form, expert)


@review_view(WRITE)
def expert_invite(request: HttpRequest, expert: Expert) -> HttpResponse:
    try:
        person = services.invite_expert(by=request.user, expert=expert, site_url=site_url(request))
    except ContestError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("已为“%(name)s”开通评审账号（%(login)s），设置密码的链接已发送到 %(email)s。")
                         % {"name": expert.name, "login": person.get_username(),
                            "email": _contacts(request.user, expert)["email"]})  # fmt: skip
    if request.POST.get("next") == "edit":
        return redirect("review:expert_edit", expert.pk)
    return redirect("review:expert_list")


@review_view(WRITE)
def expert_send_verification(request: HttpRequest, expert: Expert) -> HttpResponse:
    try:
        services.send_expert_verification(by=request.user, expert=expert, site_url=site_url(request))
    except ContestError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("验证邮件已发送给“%(name)s”；专家打开其中的链接后即可邀请开通评审账号。")
                         % {"name": expert.name})  # fmt: skip
    if request.POST.get("next") == "edit" and request.user.has_perm("review.edit_expert", expert):
        return redirect("review:expert_edit", expert.pk)
    return redirect("review:expert_list")


@review_view(READ_WRITE)
def expert_import(request: HttpRequest) -> HttpResponse:
    columns = services.EXPERT_IMPORT_COLUMNS
    context = {"section": "console", "tab": "experts", "columns": columns}
    if request.method != "POST":
        context["form"] = UploadForm()
        return render(request, "review/organizer_expert_import.html", context)
    if request.POST.get("step") == "confirm":
        return _confirm_import(request, context)
    form = UploadForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, "review/organizer_expert_import.html", context)
    upload = form.cleaned_data["file"]
    data = upload.read()
    try:
        table = read_expert_table(data, filename=upload.name)
        report = services.import_experts(by=request.user, rows=table.rows, dry_run=True)
    except ContestError as exc:
        context["file_errors"] = getattr(exc, "errors", [exc.message])
        return render(request, "review/organizer_expert_import.html", context)
    token = None if report.errors else _keep_upload(request, upload.name, data)
    context.update({"report": report, "token": token, "filename": upload.name, "ignored": table.ignored_columns,
                    "sha256": hashlib.sha256(data).hexdigest()})  # fmt: skip
    return render(request, "review/organizer_expert_import.html", context)


def _keep_upload(request: HttpRequest, filename: str, data: bytes) -> str:
    """Keep the previewed file until it is confirmed; the session remembers it (one per user)."""
    pending = request.session.get(IMPORT_SESSION_KEY, {})
    for item in pending.values():
        default_storage.delete(item["path"])
    token = uuid.uuid4().hex
    path = default_storage.save(f"imports/experts/{token}.upload", ContentFile(data))
    request.session[IMPORT_SESSION_KEY] = {
        token: {"path": path, "name": filename, "sha256": hashlib.sha256(data).hexdigest()}
    }
    return token


def _confirm_import(request: HttpRequest, context: dict) -> HttpResponse:
    pending = request.session.get(IMPORT_SESSION_KEY, {})
    token = request.POST.get("token", "")
    item = pending.get(token)
    if item is None or not default_storage.exists(item["path"]):
        messages.error(request, _("预览已失效，请重新上传文件。"))
        return redirect("review:expert_import")
    with default_storage.open(item["path"], "rb") as fh:
        data = fh.read()
    if hashlib.sha256(data).hexdigest() != item["sha256"]:
        messages.error(request, _("预览已失效，请重新上传文件。"))
        return redirect("review:expert_import")
    try:
        table = read_expert_table(data, filename=item["name"])
        report = services.import_experts(by=request.user, rows=table.rows, source_name=item["name"],
                                         source_sha256=item["sha256"])  # fmt: skip
    except services.ExpertImportRefused as exc:
        context.update({"form": UploadForm(), "report": exc.report, "filename": item["name"],
                        "sha256": item["sha256"]})  # fmt: skip
        return render(request, "review/organizer_expert_import.html", context)
    except ContestError as exc:
        show_refusal(request, exc)
        return redirect("review:expert_import")
    default_storage.delete(item["path"])
    request.session[IMPORT_SESSION_KEY] = {}
    messages.success(
        request,
        _("导入完成：新增 %(created)d 位，更新 %(updated)d 位，无变化 %(unchanged)d 位。")
        % {"created": len(report.with_action("created")), "updated": len(report.with_action("updated")),
           "unchanged": len(report.with_action("unchanged"))},
    )  # fmt: skip
    return redirect("review:expert_list")


@review_view(SAFE)
def expert_import_template(request: HttpRequest) -> HttpResponse:
    """An empty workbook with the import headers and one example row."""
    headers = [c.header for c in services.EXPERT_IMPORT_COLUMNS]
    data = exporters.write_xlsx(headers, [TEMPLATE_EXAMPLE], title="专家名单")
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename="专家导入模板.xlsx"
    )
    return response
