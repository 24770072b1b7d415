"""Portal credentials: how they look, how they are stored, and how a presented one is checked.

A credential is ``<client_id>.<secret>``: ``client_id`` (``pc_`` and 16 URL-safe characters) is
public and names the client; ``secret`` is 32 random bytes from :mod:`secrets` (43 URL-safe
characters), shown once when the client is created. Only ``sha256(secret)`` is stored.

Why SHA-256 and not argon2: a slow, salted hash protects secrets people choose, which are few
enough to guess. A 256-bit random secret cannot be guessed, with or without its hash: the hash
only has to be one-way, and SHA-256 is. A memory-hard hash would instead cost every API call
tens of milliseconds and tens of megabytes of the server's time for no gain (the same choice as
``accounts.tokens`` for personal API tokens). The stored hash is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.utils import timezone

from contest.portal.models import PortalClient

CLIENT_ID_PREFIX = "pc_"
#: ``pc_`` + 16 URL-safe characters; the secret: 43 URL-safe characters (32 bytes)
CLIENT_ID_PATTERN = re.compile(r"pc_[A-Za-z0-9_-]{16}")
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
#: a presented credential longer than this is not looked at
MAX_CREDENTIAL_LENGTH = 200
#: last_used_at is refreshed at most this often, so a busy portal does not write on every call
TOUCH_EVERY = timedelta(minutes=1)


def new_client_id() -> str:
    return CLIENT_ID_PREFIX + secrets.token_urlsafe(12)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def credential(client_id: str, secret: str) -> str:
    """The string a portal sends: ``Authorization: Bearer <client_id>.<secret>``."""
    return f"{client_id}.{secret}"


def split_credential(value: str) -> tuple[str, str] | None:
    """``(client_id, secret)`` of a presented credential, or None when it cannot be one."""
    if not value or len(value) > MAX_CREDENTIAL_LENGTH:
        return None
    client_id, dot, secret = value.strip().partition(".")
    if not dot or not CLIENT_ID_PATTERN.fullmatch(client_id) or not SECRET_PATTERN.fullmatch(secret):
        return None
    return client_id, secret


def client_for(client_id: str, secret: str) -> PortalClient | None:
    """The active client these credentials belong to, or None (unknown, wrong secret, revoked).

    Bookkeeping, not an audited write: ``last_used_at`` is refreshed when older than TOUCH_EVERY."""
    if not CLIENT_ID_PATTERN.fullmatch(client_id or "") or not SECRET_PATTERN.fullmatch(secret or ""):
        return None
    client = (
        PortalClient.objects.select_related("event", "event__edition", "created_by")
        .filter(client_id=client_id, revoked_at__isnull=True)
        .first()
    )
    if client is None or not hmac.compare_digest(client.secret_sha256, hash_secret(secret)):
        return None
    now = timezone.now()
    if client.last_used_at is None or now - client.last_used_at >= TOUCH_EVERY:
        PortalClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client
