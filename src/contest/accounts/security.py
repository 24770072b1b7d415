"""The security baseline: two-factor sign-in (TOTP + recovery codes), signed-in sessions, and
security events in the audit trail.

**Two-factor.** A TOTP device (pyotp; RFC 6238, 6 digits, 30-second steps) is confirmed with a
code before it counts. A code is accepted one step either side of the server's clock
(``VALID_WINDOW``) and only for a step later than the last one accepted, so a code seen over a
shoulder cannot be used again. Ten single-use recovery codes are made at enrolment, shown once,
and stored as salted SHA-256. Disabling (or re-enrolling) needs a current code or a recovery code.
The secret is stored encrypted (``models.seal_secret``; key rotation in docs/deployment.md); one no
configured key opens is refused with a message, and a recovery code then removes the device so that
the user enrols again.

**Who must use it** (:func:`two_factor_required`): the secretariat, organizers, Django staff and
superusers always; a judge while a roadshow session they sit on is live. ``TWO_FACTOR_REQUIRED``
(default on) switches the requirement off for development; a user who enrolled is asked for a
code anyway.

**Sessions.** Each signed-in browser has a :class:`SignInSession` row (IP, user agent, sign-in
time, last seen) keyed by its session key and refreshed at most once a minute (``TOUCH_EVERY``).
Ending a session deletes it from the session store, so its cookie stops working at once. Rows of
sessions long expired or gone from the store are deleted by :func:`clear_sign_in_sessions` (the
worker's periodic checks, ``manage.py clear_sign_in_sessions``).

**Audit.** Every event here goes into ``core.audit`` with the acting user and ``origin`` (IP and
user agent, :mod:`contest.core.client`). No e-mail address, phone number or typed identifier is
put into the chain, which can never be edited: only user ids.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext, gettext_noop

from contest.accounts.enums import RoleKind
from contest.accounts.models import (
    RecoveryCode,
    SignInSession,
    TwoFactorDevice,
    UnreadableSecret,
    User,
    open_secret,
)
from contest.core import audit
from contest.core.client import origin as origin_of
from contest.core.errors import Conflict, PermissionDenied, ValidationFailed

ISSUER = "创客中国大赛平台"
VALID_WINDOW = 1  # steps either side: a phone clock 30 s off still works
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
RECOVERY_CODE_LENGTH = 12  # ~60 bits
TOUCH_EVERY = timedelta(minutes=1)
#: Roles that always need the second step.
STAFF_ROLES = frozenset({RoleKind.SECRETARIAT, RoleKind.ORGANIZER})

WRONG_CODE = gettext_noop("验证码不正确，请输入验证器应用上当前显示的 6 位数字。")
REPLAYED_CODE = gettext_noop("这个验证码已经用过，请等验证器显示下一个验证码后再输入。")
WRONG_RECOVERY_CODE = gettext_noop("恢复码不正确或已使用过。每个恢复码只能用一次。")
UNREADABLE_SECRET = gettext_noop(
    "无法读取此账号的两步验证密钥（服务器的加密密钥已更换）。请用恢复码登录，之后重新绑定验证器；"
    "没有恢复码时请联系管理员重置两步验证。"
)
MESSAGES = {
    "wrong_code": WRONG_CODE,
    "replayed": REPLAYED_CODE,
    "wrong_recovery_code": WRONG_RECOVERY_CODE,
    "unreadable_secret": UNREADABLE_SECRET,
}


Origin = dict[str, Any]


# -- who must use it ---------------------------------------------------------------------------


def _judge_is_seated_live(user: User) -> bool:
    """Is the user on the panel of a roadshow session that is live now?

    Finals sits above accounts, so its selector is named in settings
    (``TWO_FACTOR_JUDGE_SESSIONS``: a callable ``user -> QuerySet of RoadshowSession``).
    """
    path = getattr(settings, "TWO_FACTOR_JUDGE_SESSIONS", "")
    if not path:
        return False
    return import_string(path)(user).filter(status="live").exists()


def account_kinds(user: User) -> frozenset[str]:
    return frozenset(user.roles.values_list("kind", flat=True))


def is_staff_account(user: User, kinds: frozenset[str] | None = None) -> bool:
    """Secretariat, organizers, judges and Django staff: the accounts the idle timeout applies to."""
    kinds = account_kinds(user) if kinds is None else kinds
    return bool(user.is_staff or user.is_superuser or kinds & (STAFF_ROLES | {RoleKind.JUDGE}))


def two_factor_required(user: User, kinds: frozenset[str] | None = None) -> bool:
    if not getattr(settings, "TWO_FACTOR_REQUIRED", True):
        return False
    kinds = account_kinds(user) if kinds is None else kinds
    if user.is_staff or user.is_superuser or kinds & STAFF_ROLES:
        return True
    return RoleKind.JUDGE in kinds and _judge_is_seated_live(user)


def has_two_factor(user: User) -> bool:
    return TwoFactorDevice.objects.filter(user=user).exists()


# -- enrolment ---------------------------------------------------------------------------------


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters = 160 bits, RFC 4226's recommendation


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.get_username(), issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG markup (no external service, no inline style)."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=True)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _valid_secret(secret: str) -> bool:
    try:
        return len(base64.b32decode(secret, casefold=False)) >= 10
    except (ValueError, TypeError):
        return False


def _clean_code(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-")


def _step_for(totp: pyotp.TOTP, code: str, at: float) -> int | None:
    code = _clean_code(code)
    if len(code) != 6 or not code.isdigit():
        return None
    try:
        return totp.verify_and_get_timecode(code, for_time=at, valid_window=VALID_WINDOW)
    except pyotp.OTPVerificationError:
        return None


def _new_recovery_codes(user: User) -> list[str]:
    codes = [
        "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=RecoveryCode.hash_code(user.pk, code)) for code in codes
    )
    return [f"{c[:4]}-{c[4:8]}-{c[8:]}" for c in codes]


def enable_two_factor(*, user: User, secret: str, code: str, origin: Origin) -> list[str]:
    """Confirm the authenticator app the user scanned; returns the ten recovery codes (shown once)."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied(gettext("请先登录。"))
    if not _valid_secret(secret):
        raise ValidationFailed(gettext("绑定信息已失效，请重新扫描二维码。"), field="code")
    now = timezone.now()
    step = _step_for(pyotp.TOTP(secret), code, now.timestamp())
    if step is None:
        raise ValidationFailed(gettext(WRONG_CODE), field="code", code="wrong_code")
    with transaction.atomic():
        owner = User.objects.select_for_update().get(pk=user.pk)
        if TwoFactorDevice.objects.filter(user=owner).exists():
            raise Conflict(gettext("两步验证已启用；如需更换手机，请先停用再重新绑定。"))
        device = TwoFactorDevice.objects.create(
            user=owner, secret=secret, confirmed_at=now, last_used_step=step
        )
        codes = _new_recovery_codes(owner)
        audit.record(
            action="accounts.two_factor.enabled",
            obj=device,
            by=owner,
            data={"user": owner.pk, "recovery_codes": len(codes), **origin},
        )
    return codes


# -- the second step ---------------------------------------------------------------------------


def _consume_code(user: User, code: str) -> str | None:
    """Spend a current authenticator code (inside the caller's transaction); None, or why not."""
    device = TwoFactorDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        raise Conflict(gettext("此账号尚未启用两步验证。"))
    try:
        secret, stale_key = open_secret(device.sealed_secret, user_id=device.user_id)
    except UnreadableSecret:
        return "unreadable_secret"
    step = _step_for(pyotp.TOTP(secret), code, timezone.now().timestamp())
    if step is None:
        return "wrong_code"
    if step <= device.last_used_step:
        return "replayed"
    device.last_used_step = step
    if stale_key:  # opened with a fallback key: sealed again with the current one
        device.secret = secret
    device.save(update_fields=["last_used_step", "sealed_secret"] if stale_key else ["last_used_step"])
    return None


def _drop_unreadable_device(user: User, origin: Origin) -> bool:
    """After a recovery code: a device whose secret no configured key opens is removed, so that the user
    enrols again (``two_factor_required`` then asks for it). Whether one was removed."""
    device = TwoFactorDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        return False
    try:
        open_secret(device.sealed_secret, user_id=device.user_id)
    except UnreadableSecret:
        device_pk = device.pk
        device.delete()
        audit.record(
            action="accounts.two_factor.unreadable_removed",
            by=user,
            object_type="accounts.twofactordevice",
            object_id=str(device_pk),
            data={"user": user.pk, **origin},
        )
        return True
    return False


def _consume_recovery_code(user: User, code: str) -> str | None:
    """Spend an unused recovery code (inside the caller's transaction); None, or why not."""
    updated = RecoveryCode.objects.filter(
        user=user, code_hash=RecoveryCode.hash_code(user.pk, code), used_at__isnull=True
    ).update(used_at=timezone.now())
    return None if updated else "wrong_recovery_code"


def _refuse(user: User, reason: str, origin: Origin) -> None:
    """Record the failed attempt (its own transaction: the refusal must not roll it back) and raise."""
    with transaction.atomic():
        audit.record(
            action="accounts.sign_in.second_factor_failed",
            obj=user,
            by=user,
            data={"reason": reason, **origin},
        )
    raise ValidationFailed(gettext(MESSAGES[reason]), field="code", code=reason)


def verify_code(*, user: User, code: str, origin: Origin) -> None:
    """The second sign-in step with an authenticator code: each time step is accepted once."""
    with transaction.atomic():
        reason = _consume_code(user, code)
        if reason is None:
            audit.record(
                action="accounts.sign_in.second_factor", obj=user, by=user, data={"method": "totp", **origin}
            )
            return
    _refuse(user, reason, origin)


def use_recovery_code(*, user: User, code: str, origin: Origin) -> int:
    """The second sign-in step with a recovery code (spent); returns how many are left."""
    with transaction.atomic():
        reason = _consume_recovery_code(user, code)
        if reason is None:
            _drop_unreadable_device(user, origin)
            left = recovery_codes_left(user)
            audit.record(
                action="accounts.two_factor.recovery_code_used",
                obj=user,
                by=user,
                data={"left": left, **origin},
            )
            return left
    _refuse(user, reason, origin)
    return 0  # not reached: _refuse raises


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def disable_two_factor(*, user: User, code: str, origin: Origin) -> None:
    """Remove the device and the recovery codes; needs a current code or an unused recovery code."""
    cleaned = _clean_code(code)
    method = "totp" if cleaned.isdigit() and len(cleaned) == 6 else "recovery_code"
    with transaction.atomic():
        reason = _consume_code(user, cleaned) if method == "totp" else _consume_recovery_code(user, cleaned)
        if reason is None:
            device = TwoFactorDevice.objects.get(user=user)
            device_pk = device.pk
            device.delete()
            RecoveryCode.objects.filter(user=user).delete()
            audit.record(
                action="accounts.two_factor.disabled",
                by=user,
                object_type="accounts.twofactordevice",
                object_id=str(device_pk),
                data={"user": user.pk, "confirmed_with": method, **origin},
            )
            return
    _refuse(user, reason, origin)


# -- sign-in events ----------------------------------------------------------------------------


def record_sign_in(*, user: User, origin: Origin, second_factor: str) -> None:
    """The password was right. ``second_factor``: "pending", "enrolment" or "none"."""
    with transaction.atomic():
        audit.record(
            action="accounts.sign_in.succeeded",
            obj=user,
            by=user,
            data={"second_factor": second_factor, **origin},
        )


def _record_refused_sign_in(action: str, *, user: User | None, origin: Origin) -> None:
    """A refused sign-in names the account by id only, and none when the account is unknown."""
    with transaction.atomic():
        audit.record(
            action=action,
            by=None,
            object_type="accounts.user",
            object_id=str(user.pk) if user is not None else "",
            data={"known_account": user is not None, **origin},
        )


def record_sign_in_failure(*, user: User | None, origin: Origin) -> None:
    """A wrong password (or an unknown account: then no user id is recorded)."""
    _record_refused_sign_in("accounts.sign_in.failed", user=user, origin=origin)


def record_lock_out(*, user: User | None, origin: Origin) -> None:
    _record_refused_sign_in("accounts.sign_in.locked_out", user=user, origin=origin)


def record_data_export(
    *, by: User, origin: Origin, what: str, scope: str = "", detail: dict[str, Any] | None = None
) -> None:
    """One line per export of personal data: who (``by``), when (the record's time), what, from where."""
    with transaction.atomic():
        audit.record(
            action="accounts.personal_data.exported",
            by=by,
            object_type="export",
            object_id=what,
            scope=scope,
            data={**(detail or {}), **origin},
        )


def audit_export(request, *, what: str, scope: str = "", detail: dict[str, Any] | None = None) -> None:
    """``record_data_export`` for a console view: the signed-in user and the request's origin."""
    user = getattr(request.user, "_wrapped", request.user)
    record_data_export(by=user, origin=origin_of(request), what=what, scope=scope, detail=detail)


def record_privilege_change(*, by: User, user: User, changes: dict[str, Any], origin: Origin) -> None:
    """A change of a user's staff/superuser flags, groups or permissions (the Django admin)."""
    with transaction.atomic():
        audit.record(
            action="accounts.user.privileges_changed",
            obj=user,
            by=by,
            data={"changes": changes, **origin},
        )


# -- sessions ----------------------------------------------------------------------------------


def _session_store(session_key: str):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def start_session(*, user: User, session_key: str, origin: Origin, now: datetime | None = None) -> None:
    now = now or timezone.now()
    SignInSession.objects.update_or_create(
        session_key=session_key,
        defaults={
            "user": user,
            "ip": origin.get("ip"),
            "user_agent": origin.get("user_agent") or "",
            "signed_in_at": now,
            "last_seen_at": now,
        },
    )


def touch_session(*, user: User, session_key: str, origin: Origin, now: datetime | None = None) -> None:
    """Bookkeeping, not an audited write; callers do this at most once per ``TOUCH_EVERY``."""
    now = now or timezone.now()
    updated = SignInSession.objects.filter(session_key=session_key, user=user).update(
        last_seen_at=now, ip=origin.get("ip"), user_agent=origin.get("user_agent") or ""
    )
    if not updated:
        start_session(user=user, session_key=session_key, origin=origin, now=now)


def forget_session(session_key: str | None) -> None:
    if session_key:
        SignInSession.objects.filter(session_key=session_key).delete()


def active_sessions(user: User) -> list[SignInSession]:
    since = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    return list(SignInSession.objects.filter(user=user, last_seen_at__gte=since).order_by("-last_seen_at"))


def end_session(*, user: User, session_key: str, origin: Origin) -> None:
    """Sign one of the user's own sessions out; another user's key is "not found"."""
    with transaction.atomic():
        row = SignInSession.objects.select_for_update().filter(user=user, session_key=session_key).first()
        if row is None:
            raise ValidationFailed(
                gettext("没有找到这个登录会话，它可能已经退出。"), code="session_not_found"
            )
        _session_store(row.session_key).delete()
        row.delete()
        audit.record(
            action="accounts.session.ended",
            obj=user,
            by=user,
            data={"session_ip": row.ip, "signed_in_at": row.signed_in_at, **origin},
        )


def end_all_sessions(*, user: User, origin: Origin, keep: str | None = None) -> int:
    """ "Sign out everywhere": every session of the user except ``keep``; returns how many ended."""
    with transaction.atomic():
        rows = list(
            SignInSession.objects.select_for_update().filter(user=user).exclude(session_key=keep or "")
        )
        for row in rows:
            _session_store(row.session_key).delete()
        SignInSession.objects.filter(pk__in=[row.pk for row in rows]).delete()
        audit.record(
            action="accounts.session.ended_all",
            obj=user,
            by=user,
            data={"ended": len(rows), "kept_current": keep is not None, **origin},
        )
    return len(rows)


# -- clearing old sessions ---------------------------------------------------------------------

#: a session row is kept this many days after its sign-in expired (``SIGN_IN_SESSION_RETENTION_DAYS``)
RETENTION_DAYS = 30
#: a row whose browser session is gone is kept this long (a sign-in being written is not yet in the store)
ORPHAN_GRACE = timedelta(hours=1)
DB_SESSION_ENGINES = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")


def _orphaned(rows, now: datetime) -> list[str]:
    """Keys of ``rows`` whose session is no longer in the session store (signed out, flushed, expired
    there). One query with the database store; one look-up per row with a cache store; none with signed
    cookies, which keep no record to look in."""
    engine = settings.SESSION_ENGINE
    if engine in DB_SESSION_ENGINES:
        from django.contrib.sessions.models import Session  # noqa: PLC0415 -- only with the database store

        alive = Session.objects.filter(expire_date__gt=now).values("session_key")
        return list(rows.exclude(session_key__in=alive).values_list("session_key", flat=True))
    if engine.endswith("signed_cookies"):
        return []
    store = import_module(engine).SessionStore()
    return [key for key in rows.values_list("session_key", flat=True).iterator() if not store.exists(key)]


def clear_sign_in_sessions(*, days: int | None = None, now: datetime | None = None) -> dict[str, int]:
    """Delete the rows of sessions whose sign-in expired more than ``days`` ago (last seen before
    now − ``SESSION_COOKIE_AGE`` − ``days``), and of unexpired ones the session store no longer holds
    (signed out elsewhere, flushed; last seen more than ``ORPHAN_GRACE`` ago). One audit record with
    the counts when anything was deleted."""
    now = now or timezone.now()
    days = RETENTION_DAYS if days is None else days
    if days < 0:
        raise ValidationFailed(gettext("保留天数不能为负数。"), field="days")
    expired_before = now - timedelta(seconds=settings.SESSION_COOKIE_AGE) - timedelta(days=days)
    with transaction.atomic():
        expired = SignInSession.objects.filter(last_seen_at__lt=expired_before)
        expired_count = expired.count()
        if expired_count:
            expired.delete()
        live = SignInSession.objects.filter(
            last_seen_at__gte=now - timedelta(seconds=settings.SESSION_COOKIE_AGE),
            last_seen_at__lt=now - ORPHAN_GRACE,
        )
        orphans = _orphaned(live, now)
        if orphans:
            SignInSession.objects.filter(session_key__in=orphans).delete()
        counts = {"expired": expired_count, "signed_out": len(orphans)}
        if expired_count or orphans:
            audit.record(
                action="accounts.session.cleared",
                by=None,
                object_type="accounts.signinsession",
                object_id="",
                data={**counts, "deleted": expired_count + len(orphans), "retention_days": days},
            )
    return counts


def clear_old_sign_in_sessions() -> int:
    """The worker's periodic check (``WORKER_PERIODIC_CHECKS``): how many rows were deleted."""
    days = getattr(settings, "SIGN_IN_SESSION_RETENTION_DAYS", RETENTION_DAYS)
    return sum(clear_sign_in_sessions(days=days).values())
