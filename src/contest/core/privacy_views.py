"""The privacy notice (/privacy/) and the page asking a signed-in user to accept a new version."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from contest.core import consent
from contest.core.forms import HardenedForm
from contest.core.privacy import notice_version
from contest.core.views import next_url


class AcceptForm(HardenedForm, forms.Form):
    accept = forms.BooleanField(label=gettext_lazy("我已阅读并同意《个人信息保护政策》"),
                                error_messages={"required": gettext_lazy("请勾选同意后继续。")})  # fmt: skip


def notice(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/notice.html", {"version": notice_version()})


@login_required
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest) -> HttpResponse:
    form = AcceptForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        consent.record_consent(user=request.user, ip=consent.client_ip(request), context="sign_in")
        request.session.pop(consent.CONSENT_DUE, None)
        messages.success(request, _("感谢您的确认。"))
        return redirect(next_url(request, "/"))
    context = {"form": form, "version": notice_version(), "next": next_url(request, "/"),
               "accepted": consent.has_consented(request.user)}  # fmt: skip
    return render(request, "privacy/accept.html", context)
