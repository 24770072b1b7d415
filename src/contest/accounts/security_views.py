"""Pages of the security baseline: two-factor enrolment, the second sign-in step (code or
recovery code), disabling it, and the account-security page with the signed-in sessions.

Every page is ``never_cache``: secrets, QR codes and recovery codes must not stay in a cache.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from contest.accounts import security, session_state
from contest.accounts.security_forms import DisableTwoFactorForm, RecoveryCodeForm, TotpCodeForm
from contest.core import views as core_views
from contest.core.client import origin
from contest.core.errors import ContestError
from contest.core.views import actor

SETUP_SECRET = "_two_factor_setup_secret"  # noqa: S105 -- a session key name, not a secret
FAILURES = "_two_factor_failures"
#: Wrong codes in a row before the half-signed-in session is ended (a fresh password is needed).
MAX_CODE_FAILURES = 5


def _home(request: HttpRequest) -> str:
    return core_views.next_url(request, reverse("accounts:security"))


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _count_failure(request: HttpRequest) -> HttpResponse | None:
    """One more wrong code; after ``MAX_CODE_FAILURES`` the session ends and the answer says so."""
    failures = request.session.get(FAILURES, 0) + 1
    request.session[FAILURES] = failures
    if failures < MAX_CODE_FAILURES:
        return None
    logout(request)
    messages.error(
        request,
        _("验证码连续输错 %(count)s 次，已退出登录。请重新输入密码登录。") % {"count": MAX_CODE_FAILURES},
    )
    return redirect("accounts:login")


def _passed(request: HttpRequest) -> None:
    request.session.pop(FAILURES, None)
    session_state.mark_verified(request)


# -- enrolment ---------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    next_url = _home(request)
    if security.has_two_factor(user):
        if session_state.state(request) == session_state.PENDING:
            return redirect(_with_next("accounts:two_factor_verify", next_url))
        messages.info(request, _("两步验证已启用。如需更换手机，请先停用，再重新绑定。"))
        return redirect("accounts:security")
    secret = request.session.get(SETUP_SECRET)
    if not secret:
        secret = security.new_secret()
        request.session[SETUP_SECRET] = secret
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = security.enable_two_factor(
                user=user, secret=secret, code=form.cleaned_data["code"], origin=origin(request)
            )
        except ContestError as exc:
            form.apply_errors(exc)
        else:
            request.session.pop(SETUP_SECRET, None)
            _passed(request)
            return render(
                request,
                "accounts/two_factor_codes.html",
                {"codes": codes, "next": next_url, "section": "security"},
            )
    uri = security.provisioning_uri(user, secret)
    context = {
        "form": form,
        "qr_svg": mark_safe(security.qr_svg(uri)),  # noqa: S308 -- segno's own markup of our URI
        "secret": security.grouped(secret),
        "required": request.session.get(session_state.ACCOUNT, {}).get("required", False),
        "next": next_url,
        "section": "security",
    }
    return render(request, "accounts/two_factor_setup.html", context)


# -- the second sign-in step -------------------------------------------------------------------


def _second_step(request: HttpRequest, form_class, check, template: str) -> HttpResponse:
    """The second sign-in step with one kind of code: ``check(user, code, origin)`` accepts it (and
    may return a message for the person) or raises; wrong codes count towards ending the session."""
    next_url = _home(request)
    if session_state.state(request) != session_state.PENDING:
        return redirect(next_url)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            note = check(actor(request), form.cleaned_data["code"], origin(request))
        except ContestError as exc:
            form.apply_errors(exc)
            if (signed_out := _count_failure(request)) is not None:
                return signed_out
        else:
            _passed(request)
            if note:
                messages.warning(request, note)
            return redirect(next_url)
    return render(request, template, {"form": form, "next": next_url, "section": "login"})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    def check(user, code, where):
        security.verify_code(user=user, code=code, origin=where)

    return _second_step(request, TotpCodeForm, check, "accounts/two_factor_verify.html")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_recovery(request: HttpRequest) -> HttpResponse:
    def check(user, code, where):
        left = security.use_recovery_code(user=user, code=code, origin=where)
        return _("已使用一个恢复码登录，还剩 %(left)s 个。恢复码用完前，请在“账号安全”中重新绑定手机。") % {
            "left": left
        }

    return _second_step(request, RecoveryCodeForm, check, "accounts/two_factor_recovery.html")


@never_cache
@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    if session_state.state(request) == session_state.PENDING:
        return redirect(_with_next("accounts:two_factor_verify", reverse("accounts:security")))
    form = DisableTwoFactorForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请输入验证码或恢复码。"))
        return redirect("accounts:security")
    try:
        security.disable_two_factor(
            user=actor(request), code=form.cleaned_data["code"], origin=origin(request)
        )
    except ContestError as exc:
        messages.error(request, exc.message)
        if (signed_out := _count_failure(request)) is not None:
            return signed_out
        return redirect("accounts:security")
    request.session.pop(FAILURES, None)
    request.session[session_state.TWO_FACTOR] = session_state.NONE
    if session_state.needs_enrolment(request):
        messages.success(request, _("已停用两步验证。您的账号必须使用两步验证，请现在绑定新的手机。"))
        return redirect("accounts:two_factor_setup")
    messages.success(request, _("已停用两步验证，恢复码同时作废。"))
    return redirect("accounts:security")


# -- the account-security page -----------------------------------------------------------------


def session_handle(session_key: str) -> str:
    """What the page shows instead of a session key (a key is a credential)."""
    return salted_hmac("contest.accounts.session", session_key).hexdigest()[:24]


@never_cache
@login_required
@require_http_methods(["GET"])
def account_security(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    current = request.session.session_key
    rows = [
        {"session": row, "handle": session_handle(row.session_key), "current": row.session_key == current}
        for row in security.active_sessions(user)
    ]
    enrolled = security.has_two_factor(user)
    context = {
        "sessions": rows,
        "enrolled": enrolled,
        "codes_left": security.recovery_codes_left(user) if enrolled else 0,
        "required": request.session.get(session_state.ACCOUNT, {}).get("required", False),
        "disable_form": DisableTwoFactorForm(),
        "section": "security",
    }
    return render(request, "accounts/security.html", context)


@never_cache
@login_required
@require_POST
def end_session(request: HttpRequest, handle: str) -> HttpResponse:
    user = actor(request)
    match = next(
        (row for row in security.active_sessions(user) if session_handle(row.session_key) == handle), None
    )
    if match is None:
        messages.error(request, _("没有找到这个登录会话，它可能已经退出。"))
        return redirect("accounts:security")
    if match.session_key == request.session.session_key:
        logout(request)
        return redirect("accounts:login")
    try:
        security.end_session(user=user, session_key=match.session_key, origin=origin(request))
    except ContestError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已让该设备退出登录。"))
    return redirect("accounts:security")


@never_cache
@login_required
@require_POST
def end_all_sessions(request: HttpRequest) -> HttpResponse:
    count = security.end_all_sessions(user=actor(request), origin=origin(request))
    logout(request)
    messages.success(
        request, _("已在所有设备上退出登录（共 %(count)s 个会话）。请重新登录。") % {"count": count}
    )
    return redirect("accounts:login")
