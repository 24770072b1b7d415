"""Who is calling the portal API: a portal client of one event, by its credential.

``Authorization: Bearer <client_id>.<secret>`` or ``Authorization: Basic base64(<client_id>:<secret>)``.
A request that presents either is judged on it alone: unknown, wrong or revoked is a 401 JSON
answer. Personal API tokens (``accounts.api_auth``) and the browser session do not open these
endpoints, and a portal credential opens nothing else.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBasicAuth, HttpBearer
from ninja.security.http import DecodeError

from contest.portal.credentials import client_for, split_credential
from contest.portal.models import PortalClient

REFUSED = "接口凭据无效或已撤销。"
MISSING = "请在请求头中提供接口凭据：Authorization: Bearer <client_id>.<secret>。"


class PortalBearer(HttpBearer):
    """``Authorization: Bearer <client_id>.<secret>``"""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        parts = split_credential(token)
        client = client_for(*parts) if parts else None
        if client is None:
            raise AuthenticationError(message=REFUSED)
        return client


class PortalBasic(HttpBasicAuth):
    """``Authorization: Basic base64(<client_id>:<secret>)``"""

    def authenticate(self, request: HttpRequest, username: str, password: str) -> Any:
        client = client_for(username, password)
        if client is None:
            raise AuthenticationError(message=REFUSED)
        return client

    def __call__(self, request: HttpRequest) -> Any:
        value = request.headers.get(self.header) or ""
        if value.lower().startswith("bearer "):
            return None  # ``PortalBearer``'s to judge
        if not value.lower().startswith("basic "):
            # the last scheme tried: nothing usable was presented
            raise AuthenticationError(message=MISSING)
        try:
            username, password = self.decode_authorization(value)
        except DecodeError:
            raise AuthenticationError(message=REFUSED) from None
        return self.authenticate(request, username, password)


#: Bearer first, then Basic; the Basic check answers for a request that presents neither
portal_auth = [PortalBearer(), PortalBasic()]


def current_client(request: HttpRequest) -> PortalClient:
    return request.auth
