"""Account security on every request: idle timeout, session bookkeeping, the second sign-in step.

Placed after ``AuthenticationMiddleware`` and ``MessageMiddleware``. For a signed-in user:

1. once a minute at most (``security.TOUCH_EVERY``): sign a staff account out after
   ``STAFF_IDLE_TIMEOUT`` seconds without a request, refresh what the session knows of the account
   (``session_state.refresh``) and the ``SignInSession`` row;
2. until the second step is done (a code is due, or the account must enrol first), every page but
   the two-factor pages, sign-out and static files redirects there; the API treats the request
   as anonymous (a bearer token still works). The Django admin is covered like any other page.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from contest.accounts import security, session_state


def _exempt_prefixes() -> tuple[str, ...]:
    return (
        reverse("accounts:two_factor_verify").rsplit("verify/", 1)[0],  # /accounts/two-factor/
        reverse("accounts:logout"),
        "/i18n/",
        settings.STATIC_URL,
        settings.MEDIA_URL,
        "/favicon.ico",
    )


class AccountSecurityMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self._exempt: tuple[str, ...] | None = None
        self._invitations = ""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        session = request.session
        now = int(time.time())
        seen = session.get(session_state.SEEN)
        if seen is None or now - seen >= security.TOUCH_EVERY.total_seconds():
            idle = getattr(settings, "STAFF_IDLE_TIMEOUT", 1800)
            if (
                seen is not None
                and idle
                and now - seen > idle
                and session.get(session_state.ACCOUNT, {}).get("staff")
            ):
                return self._signed_out_idle(request, idle)
            session_state.refresh(request, getattr(user, "_wrapped", user))
        status = session.get(session_state.TWO_FACTOR)
        if status == session_state.VERIFIED or self._is_exempt(request):
            return self.get_response(request)
        if status == session_state.PENDING:
            target = "accounts:two_factor_verify"
        elif session_state.needs_enrolment(request):
            target = "accounts:two_factor_setup"
        else:
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            request.user = AnonymousUser()  # the session does not count; a bearer token may
            return self.get_response(request)
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")

    def _is_exempt(self, request: HttpRequest) -> bool:
        if self._exempt is None:
            self._exempt = _exempt_prefixes()
            self._invitations = reverse("accounts:accept_invitation", args=["-"]).removesuffix("-/")
        path = request.path_info
        if request.method in ("GET", "HEAD") and path.startswith(self._invitations):
            return True  # reading an invitation's page (accepting it is a POST, and is held back)
        return path.startswith(self._exempt)

    def _signed_out_idle(self, request: HttpRequest, idle: int) -> HttpResponse:
        logout(request)
        if request.path_info.startswith("/api/"):
            return self.get_response(request)
        messages.info(
            request,
            _("您已超过 %(minutes)s 分钟没有操作，为了账号安全已自动退出，请重新登录。")
            % {"minutes": idle // 60},
        )
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return redirect(reverse("accounts:login") + (f"?{query}" if query else ""))
