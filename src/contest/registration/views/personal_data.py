"""An entrant's personal data (/me/privacy/): download a copy, ask for erasure; and the console page
where the secretariat or an organizer decides the requests that wait for confirmation
(/console/privacy/). The work is done by ``registration.services.personal_data``."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from contest.core.errors import ContestError
from contest.core.forms import HardenedForm
from contest.core.privacy_models import ErasureStatus
from contest.core.views import actor, show_refusal
from contest.registration import selectors
from contest.registration.services import personal_data as service

STATUS_LABELS = {
    ErasureStatus.PENDING: gettext_lazy("待组织方或秘书处确认"),
    ErasureStatus.DONE: gettext_lazy("已删除"),
    ErasureStatus.REJECTED: gettext_lazy("未予删除"),
}


class ErasureForm(HardenedForm, forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "我了解：删除后账号将停用，无法恢复；已提交的参赛材料、回执和评审结果按大赛规定保留。"
        ),
        error_messages={"required": gettext_lazy("请勾选确认后再申请删除。")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def privacy_page(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    form = ErasureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            erasure = service.request_erasure(by=user)
        except ContestError as exc:
            show_refusal(request, exc)
            return redirect("registration:privacy")
        if erasure.status == ErasureStatus.DONE:
            logout(request)
            messages.success(request, _("您的个人信息已删除，账号已停用。"))
            return redirect("catalog:home")
        messages.success(request, _("删除申请已提交：您有已提交的参赛材料，需由组织方或秘书处确认后处理。"))
        return redirect("registration:privacy")
    requests = [(r, STATUS_LABELS[r.status]) for r in user.erasure_requests.order_by("-requested_at", "-pk")]
    context = {
        "form": form,
        "requests": requests,
        "pending": any(r.status == ErasureStatus.PENDING for r, _ in requests),
    }
    return render(request, "registration/entrant_privacy.html", context)


@login_required
@require_safe
def privacy_download(request: HttpRequest) -> HttpResponse:
    data = service.personal_data_export(user=actor(request))
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"my-data-{timezone.localdate():%Y%m%d}.json"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response


# -- the console: requests waiting for confirmation ------------------------------------------------------


@login_required
@require_safe
def console_requests(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    if not selectors.can_use_console(user):
        raise Http404("nothing here")
    rows = [(r, STATUS_LABELS[r.status]) for r in service.erasure_requests_for(user)]
    return render(request, "registration/console_privacy.html", {"rows": rows, "section": "console"})


@login_required
@require_POST
def console_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = actor(request)
    erasure = service.erasure_requests_for(user).filter(pk=pk).first()
    if erasure is None:
        raise Http404("no such request in your scope")
    try:
        if request.POST.get("action") == "confirm":
            service.confirm_erasure(by=user, request=erasure)
            messages.success(request, _("已删除该用户的个人信息。"))
        else:
            service.reject_erasure(by=user, request=erasure, reason=request.POST.get("reason", ""))
            messages.success(request, _("已记录不予删除的决定。"))
    except ContestError as exc:
        show_refusal(request, exc)
    return redirect("privacy_console:requests")
