"""Sign-in with an e-mail address or a mainland mobile number (or a plain username).

``AUTHENTICATION_BACKENDS`` keeps ``axes.backends.AxesStandaloneBackend`` first, so every
attempt is counted before this backend looks the user up; ``axes_username`` makes the
counter key the account, not the spelling (``138 1234 5678`` and ``+8613812345678`` are
one account and share one counter).
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from contest.accounts.models import User
from contest.accounts.services import find_user, parse_identifier
from contest.core.errors import ValidationFailed


class EmailOrPhoneBackend(ModelBackend):
    """Resolves the identifier to one account, then checks the password like ModelBackend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        user = find_user(username)
        if user is None:
            # Run the hasher anyway so a missing account takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request, credentials: dict | None) -> str:
    """The key django-axes counts failures under: the normalised identifier."""
    source = credentials if credentials else getattr(request, "POST", {})
    raw = str(source.get("username") or "").strip()
    try:
        return parse_identifier(raw)[1]
    except ValidationFailed:
        return raw
