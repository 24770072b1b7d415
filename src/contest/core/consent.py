"""Consent to the privacy notice: recording it, and asking for it again when the notice changes.

Sign-up records consent to the current version (``record_consent``, called by the sign-up
service). A user who signs in through a form while lacking consent to the current version is
shown the notice once more (:class:`PrivacyConsentMiddleware` sends their page views to
/privacy/accept/ until they accept). The interstitial is gentle: it only redirects GET page views;
form posts, the API (/api/), the notice itself, sign-out and static files always pass, so
nobody is locked out and no integration breaks.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from contest.core import audit
from contest.core.access import is_signed_in
from contest.core.client import client_ip
from contest.core.errors import PermissionDenied
from contest.core.privacy import notice_version
from contest.core.privacy_models import PrivacyConsent

#: session key set at sign-in when the user still has to accept the current notice
CONSENT_DUE = "privacy_consent_due"
__all__ = ["CONSENT_DUE", "PrivacyConsentMiddleware", "client_ip", "has_consented", "record_consent"]

#: paths never sent to the interstitial
PASSING_PREFIXES = (
    "/api/",
    "/privacy/",
    "/accounts/logout/",
    "/static/",
    "/media/",
    "/i18n/",
    "/favicon.ico",
)


def has_consented(user, version: str | None = None) -> bool:
    return PrivacyConsent.objects.filter(user=user, version=version or notice_version()).exists()


def record_consent(*, user, ip: str | None = None, context: str = "sign_in") -> PrivacyConsent:
    """Record that ``user`` accepted the current notice (once per version; again is a no-op).
    Must run inside a transaction with the action it belongs to (sign-up), or opens its own."""
    if not is_signed_in(user) and context != "signup":
        raise PermissionDenied("请先登录。")
    version = notice_version()
    with transaction.atomic():
        existing = PrivacyConsent.objects.filter(user=user, version=version).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                consent = PrivacyConsent.objects.create(
                    user=user, version=version, accepted_at=timezone.now(), ip_address=ip, context=context
                )
        except IntegrityError:  # accepted twice at once: the first one stands
            return PrivacyConsent.objects.get(user=user, version=version)
        audit.record(action="privacy.consent.given", obj=consent, by=user,
                     data={"version": version, "ip": ip, "context": context})  # fmt: skip
    return consent


@receiver(user_logged_in, dispatch_uid="contest.core.consent.mark_due")
def mark_consent_due(sender, request, user, **kwargs) -> None:
    """At a sign-in through a form (a POST), note whether the notice must be shown again."""
    if not getattr(settings, "PRIVACY_CONSENT_AT_SIGN_IN", True):
        return
    if request is None or request.method != "POST" or not hasattr(request, "session"):
        return
    if has_consented(user):
        request.session.pop(CONSENT_DUE, None)
    else:
        request.session[CONSENT_DUE] = True


class PrivacyConsentMiddleware:
    """Send a signed-in user who owes consent to the current notice to /privacy/accept/."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.get(CONSENT_DUE)
            and getattr(settings, "PRIVACY_CONSENT_AT_SIGN_IN", True)
            and request.method in ("GET", "HEAD")
            and not request.path.startswith(PASSING_PREFIXES)
            and is_signed_in(getattr(request, "user", None))
        ):
            target = reverse("privacy:accept")
            return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
