"""Who is calling the API: a bearer token, or the browser's session (with CSRF on unsafe methods).

``api_auth`` tries the token first. A request that presents ``Authorization: Bearer …`` is
judged on that token alone: an unknown or revoked key is a 401 even if a session cookie came
along. A session is only asked for its CSRF token once it is known to belong to someone, so an
anonymous call is a 401, never a CSRF 403.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from contest.accounts.tokens import user_for_key
from contest.core.errors import PermissionDenied


class BearerToken(HttpBearer):
    """``Authorization: Bearer ck_…`` — an ApiToken issued to the user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_key(token.strip())
        if user is None:
            # Stop here: a bad key must not fall back to a session cookie.
            raise AuthenticationError(message="API 令牌无效或已撤销。")
        request.user = user
        return user


class SessionCsrf(APIKeyCookie):
    """Django's session, as the site's pages use it; unsafe methods must carry the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)  # checked below, once the user is known

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise PermissionDenied("CSRF 校验失败：请刷新页面后重试。", code="csrf_failed")
        # The user itself, not the middleware's lazy wrapper: services may use ``type(by)``.
        return getattr(user, "_wrapped", user)


bearer = BearerToken()
session = SessionCsrf()
#: Protected endpoints accept either; token-management endpoints that mint keys take the session only.
api_auth = [bearer, session]


def current_user(request: HttpRequest):
    """The authenticated user of a protected endpoint."""
    return request.auth
