"""API tokens: issue (the key is shown once), revoke, and resolve a presented key to its user.

Only the SHA-256 of a key is stored. A key looks like ``ck_<43 url-safe characters>``; its
first eight characters are kept in clear as ``prefix`` so the owner can tell tokens apart.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from contest.accounts.models import ApiToken, User
from contest.core import audit
from contest.core.errors import Conflict, FieldErrors, NotFound, PermissionDenied

KEY_PREFIX = "ck_"
MAX_ACTIVE_TOKENS = 20
#: last_used_at is refreshed at most this often, so a busy integration does not write on every call.
TOUCH_EVERY = timedelta(minutes=1)


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def issue_api_token(*, by: User, name: str, origin: dict | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``by``; returns it with the key, which is never shown again.

    ``origin`` (``core.client.origin``: IP and user agent) goes into the audit record."""
    if by is None or not by.is_authenticated:
        raise PermissionDenied("请先登录。")
    name = (name or "").strip()
    if not name:
        raise FieldErrors({"name": "请填写令牌用途，便于日后辨认。"})
    if len(name) > 100:
        raise FieldErrors({"name": f"令牌用途不能超过 100 个字符（当前 {len(name)} 个）。"})
    key = new_key()
    with transaction.atomic():
        owner = User.objects.select_for_update().get(pk=by.pk)  # serialises one user's issues
        active = ApiToken.objects.filter(user=owner, revoked_at__isnull=True).count()
        if active >= MAX_ACTIVE_TOKENS:
            raise Conflict(f"每个账号最多保留 {MAX_ACTIVE_TOKENS} 个有效令牌，请先撤销不再使用的令牌。")
        token = ApiToken.objects.create(
            user=owner, name=name, prefix=key[:8], key_hash=ApiToken.hash_key(key)
        )
        audit.record(
            action="accounts.api_token.issued",
            obj=token,
            by=by,
            data={"name": name, "prefix": token.prefix, **(origin or {})},
        )
    return token, key


def revoke_api_token(*, by: User, token: ApiToken, origin: dict | None = None) -> ApiToken:
    """The owner revokes one of their tokens. Revoking twice changes nothing."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token.pk).first()
        if token is None or by is None or token.user_id != by.pk:
            raise NotFound("没有这个令牌。", code="token_not_found")
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            action="accounts.api_token.revoked",
            obj=token,
            by=by,
            data={"name": token.name, "prefix": token.prefix, **(origin or {})},
        )
    return token


def user_for_key(key: str) -> User | None:
    """The active user a presented key belongs to, or None (unknown, revoked, or user inactive).

    Bookkeeping, not an audited write: ``last_used_at`` is refreshed when older than TOUCH_EVERY.
    """
    if not key or len(key) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def tokens_of(user: User):
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
