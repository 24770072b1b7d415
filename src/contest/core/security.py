"""Security headers on every response: a Content-Security-Policy without inline script, and a
Permissions-Policy that turns off the device features the platform never uses.

Django's own ``SecurityMiddleware`` already sends ``X-Content-Type-Options: nosniff``,
``Referrer-Policy`` and ``Cross-Origin-Opener-Policy`` (settings ``SECURE_*``, set in
``settings.base``); :class:`SecurityHeadersMiddleware` adds the two it has no setting for (Django
5.2 has no CSP support). It sits right after ``SecurityMiddleware`` so that every response gets the
headers, including WhiteNoise's static files and the answers of middleware that stop a request
early (CSRF refusals, axes lock-outs, redirects).

**The policy** (:data:`CONTENT_SECURITY_POLICY`): everything from our own origin, nothing inline.

* ``script-src 'self' 'nonce-…'``: scripts only from ``/static/``; the nonce, fresh for every
  request, is ``request.csp_nonce`` in templates (``<script nonce="{{ request.csp_nonce }}" …>``)
  for the rare page that needs an inline script. Inline event handlers (``onsubmit=…``) never run:
  a form asks for confirmation with ``data-confirm="…"`` (``static/js/confirm.js``).
  ``<script type="application/json">`` blocks are data, not script, and need nothing.
* ``style-src 'self'``: no ``<style>`` blocks and no ``style="…"`` attributes in templates (styles
  set from JavaScript through ``element.style`` are not affected). The Django admin and the API
  docs (Swagger UI) work under it.
* ``img-src 'self' data:``: QR codes may be ``data:`` URLs.
* ``connect-src 'self'``: ``fetch`` and the finals screens' ``EventSource`` go to our own origin.
* ``object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'``.

A response that already carries a ``Content-Security-Policy`` keeps it: uploaded files are served
with ``sandbox`` by their view.

Django's technical 404/500 pages (only with ``DEBUG``) are built from inline styles and scripts;
they are left without a policy so they stay readable while developing.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin

CSP_HEADER = "Content-Security-Policy"
PERMISSIONS_POLICY_HEADER = "Permissions-Policy"
NONCE_PLACEHOLDER = "{nonce}"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        f"script-src 'self' 'nonce-{NONCE_PLACEHOLDER}'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)

# Features no page uses, each denied to every origin. Only names Chromium recognizes: an unknown
# one is reported as an error in the console. ``fullscreen`` too: the big screen is put full
# screen with the browser's own key (F11), which this does not affect; no script asks for it.
DENIED_FEATURES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)


def new_nonce() -> str:
    """128 random bits, URL-safe base64 (a valid CSP nonce: letters, digits, ``-`` and ``_``)."""
    return secrets.token_urlsafe(16)


def content_security_policy(nonce: str) -> str:
    return CONTENT_SECURITY_POLICY.replace(NONCE_PLACEHOLDER, nonce)


class SecurityHeadersMiddleware(MiddlewareMixin):
    """Gives every request a fresh ``csp_nonce`` and every response the headers above."""

    def process_request(self, request: HttpRequest) -> None:
        request.csp_nonce = new_nonce()

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response.headers.setdefault(PERMISSIONS_POLICY_HEADER, PERMISSIONS_POLICY)
        if CSP_HEADER in response.headers or _is_debug_page(response):
            return response
        nonce = getattr(request, "csp_nonce", None) or new_nonce()
        response.headers[CSP_HEADER] = content_security_policy(nonce)
        return response


def _is_debug_page(response: HttpResponse) -> bool:
    """Django's technical error pages, shown only with ``DEBUG``, use inline styles and scripts."""
    return settings.DEBUG and response.status_code in {404, 500}
