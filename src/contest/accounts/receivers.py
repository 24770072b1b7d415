"""Hooks into Django's and django-axes' sign-in signals; each hands over to a service at once."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from contest.accounts import security, session_state
from contest.accounts.services import find_user
from contest.core.client import origin


@receiver(user_logged_in, dispatch_uid="accounts.session_started")
def session_started(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        session_state.start(request, user)


@receiver(user_logged_out, dispatch_uid="accounts.session_ended")
def session_ended(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        security.forget_session(request.session.session_key)


@receiver(user_login_failed, dispatch_uid="accounts.sign_in_failed")
def sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    identifier = str((credentials or {}).get("username") or "")
    security.record_sign_in_failure(user=find_user(identifier), origin=origin(request))


@receiver(user_locked_out, dispatch_uid="accounts.locked_out")
def locked_out(sender, request, username, ip_address, **kwargs) -> None:
    security.record_lock_out(user=find_user(str(username or "")), origin=origin(request))
