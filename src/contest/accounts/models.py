import base64
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy, gettext_noop

from contest.accounts.enums import INVITATION_TRANSITIONS, InvitationStatus, RoleKind
from contest.accounts.rules import organizer_organization_ids, secretariat_edition_ids
from contest.catalog.models import EventOrganization
from contest.core.access import Reach
from contest.core.lifecycle import Lifecycle


class User(AbstractUser):
    """A person who signs in, by e-mail or mainland mobile number (stored E.164)."""

    email = models.EmailField("电子邮箱", blank=True, null=True)
    phone = models.CharField("手机号", max_length=20, blank=True, null=True, unique=True)
    display_name = models.CharField("姓名", max_length=100, blank=True)
    email_verified_at = models.DateTimeField("邮箱验证时间", null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("用户")
        verbose_name_plural = gettext_lazy("用户")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_username()

    def reach(self) -> Reach:
        """What this user's roles open (``core.access``): cached on the object for the request."""
        cached = getattr(self, "_reach", None)
        if cached is None:
            editions = secretariat_edition_ids(self)
            organizations = frozenset(organizer_organization_ids(self))
            cached = Reach(
                all_editions=None in editions,
                editions=frozenset(e for e in editions if e is not None),
                organizations=organizations,
                hosted_events=EventOrganization.objects.filter(
                    organization_id__in=sorted(organizations)
                ).values("event_id")
                if organizations
                else None,
            )
            self._reach = cached
        return cached


class Role(models.Model):
    """What a user may do, and where.

    * organizer: staff of ``organization``; acts only on the events that organization
      hosts, leads or undertakes;
    * secretariat: every event of ``edition`` (all editions when empty);
    * judge: used by the review rounds (scoped there);
    * entrant: everyone who registers; implied, stored for completeness.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField("角色", max_length=20, choices=RoleKind.choices)
    organization = models.ForeignKey(
        "catalog.Organization",
        verbose_name="组织单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff_roles",
    )
    edition = models.ForeignKey(
        "catalog.Edition",
        verbose_name="届次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_at = models.DateTimeField("授予时间", auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("角色")
        verbose_name_plural = gettext_lazy("角色")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "organization"],
                condition=models.Q(organization__isnull=False),
                name="accounts_role_unique_org",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "edition"],
                condition=models.Q(organization__isnull=True, edition__isnull=False),
                name="accounts_role_unique_edition",
            ),
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=models.Q(organization__isnull=True, edition__isnull=True),
                name="accounts_role_unique_global",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="organizer") | models.Q(organization__isnull=False),
                name="accounts_role_organizer_has_organization",
            ),
        ]

    def __str__(self) -> str:
        where = self.organization or self.edition or "全部"
        return f"{self.user} · {self.get_kind_display()} · {where}"


class Invitation(models.Model):
    """An organizer invited by the secretariat: a one-time link to join an organization."""

    email = models.EmailField("邀请邮箱")
    kind = models.CharField("角色", max_length=20, choices=RoleKind.choices, default=RoleKind.ORGANIZER)
    organization = models.ForeignKey("catalog.Organization", on_delete=models.PROTECT, null=True, blank=True)
    edition = models.ForeignKey("catalog.Edition", on_delete=models.PROTECT, null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    lifecycle = Lifecycle(
        transitions=INVITATION_TRANSITIONS, audit="accounts.invitation", noun=gettext_noop("邀请")
    )

    class Meta:
        verbose_name = gettext_lazy("邀请")
        verbose_name_plural = gettext_lazy("邀请")

    def __str__(self) -> str:
        return f"{self.email} → {self.organization or self.edition or ''}"

    @staticmethod
    def new_token() -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return token, hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for integrations; only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("API 令牌")
        verbose_name_plural = gettext_lazy("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


# -- TOTP secrets at rest --------------------------------------------------------------------------
#
# Sealed with authenticated encryption built from HMAC-SHA256 alone (the ``cryptography`` package is not
# among the project's dependencies): a key stream HMAC(enc_key, nonce ‖ counter) XORed with the secret
# (HMAC as a PRF in counter mode), then encrypt-then-MAC, HMAC(mac_key, version ‖ user id ‖ nonce ‖
# ciphertext), checked in constant time before anything is decrypted. Both keys are derived from
# ``TOTP_ENCRYPTION_KEY`` (or ``SECRET_KEY`` when that is empty); the user id in the tag binds a sealed
# secret to its row, so one account's secret copied onto another's does not open. Keys in
# ``TOTP_ENCRYPTION_KEY_FALLBACKS`` (and ``SECRET_KEY`` and its fallbacks) still open older seals;
# a secret opened with one of them is sealed again with the current key at its next use.

SEAL_VERSION = "v1"
_NONCE = 16
_TAG = 32


class UnreadableSecret(Exception):
    """No configured key opens this sealed secret (the key was changed without keeping the old one as a
    fallback, or the row was altered)."""


def _sealing_keys() -> list[bytes]:
    """The current key first, then every key that may have sealed an older secret."""
    current = getattr(settings, "TOTP_ENCRYPTION_KEY", "") or settings.SECRET_KEY
    candidates = [
        current,
        *getattr(settings, "TOTP_ENCRYPTION_KEY_FALLBACKS", []),
        settings.SECRET_KEY,
        *getattr(settings, "SECRET_KEY_FALLBACKS", []),
    ]
    keys: list[bytes] = []
    for key in candidates:
        raw = key.encode() if isinstance(key, str) else bytes(key)
        if raw and raw not in keys:
            keys.append(raw)
    return keys


def _derive(master: bytes, purpose: bytes) -> bytes:
    return hmac.new(master, b"contest.accounts.totp-secret/" + purpose, hashlib.sha256).digest()


def _stream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (
        hmac.new(key, nonce + i.to_bytes(4, "big"), hashlib.sha256).digest() for i in range(length // 32 + 1)
    )
    return b"".join(blocks)[:length]


def _tag(key: bytes, user_id: int, nonce: bytes, ciphertext: bytes) -> bytes:
    header = f"{SEAL_VERSION}:{user_id}:".encode()
    return hmac.new(key, header + nonce + ciphertext, hashlib.sha256).digest()


def seal_secret(secret: str, *, user_id: int, key: bytes | None = None) -> str:
    """``secret`` sealed for the row of ``user_id``: ``v1$`` + URL-safe base64 of nonce ‖ ciphertext ‖ tag."""
    if user_id is None:
        raise ValueError("a TOTP secret is sealed for a user: set the user first")
    master = key or _sealing_keys()[0]
    nonce = secrets.token_bytes(_NONCE)
    plain = secret.encode()
    cipher = bytes(
        a ^ b for a, b in zip(plain, _stream(_derive(master, b"enc"), nonce, len(plain)), strict=True)
    )
    packed = nonce + cipher + _tag(_derive(master, b"mac"), user_id, nonce, cipher)
    return f"{SEAL_VERSION}${base64.urlsafe_b64encode(packed).decode().rstrip('=')}"


def open_secret(sealed: str, *, user_id: int) -> tuple[str, bool]:
    """The secret sealed in ``sealed`` and whether it was sealed with an older key (to seal again).

    Raises :class:`UnreadableSecret` when no configured key opens it."""
    version, _, body = (sealed or "").partition("$")
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, TypeError):
        packed = b""
    if version != SEAL_VERSION or len(packed) <= _NONCE + _TAG:
        raise UnreadableSecret
    nonce, cipher, tag = packed[:_NONCE], packed[_NONCE:-_TAG], packed[-_TAG:]
    for position, master in enumerate(_sealing_keys()):
        if hmac.compare_digest(tag, _tag(_derive(master, b"mac"), user_id, nonce, cipher)):
            stream = _stream(_derive(master, b"enc"), nonce, len(cipher))
            plain = bytes(a ^ b for a, b in zip(cipher, stream, strict=True))
            try:
                return plain.decode(), position > 0
            except UnicodeDecodeError:
                break
    raise UnreadableSecret


class TwoFactorDevice(models.Model):
    """A confirmed authenticator app (TOTP, RFC 6238: 6 digits, 30 s steps) of one user.

    ``last_used_step`` is the time step of the last code accepted: a code for that step or an
    earlier one is refused, so an observed code cannot be replayed. The secret is stored sealed
    (``sealed_secret``, see :func:`seal_secret`); ``secret`` reads and writes it in the clear.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="two_factor")
    sealed_secret = models.CharField(max_length=255)  # the base32 secret, encrypted and authenticated
    confirmed_at = models.DateTimeField("启用时间")
    last_used_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = gettext_lazy("两步验证设备")
        verbose_name_plural = gettext_lazy("两步验证设备")

    def __str__(self) -> str:
        return f"{self.user} · TOTP"

    @property
    def secret(self) -> str:
        """The base32 secret; raises :class:`UnreadableSecret` when no configured key opens it."""
        return open_secret(self.sealed_secret, user_id=self.user_id)[0]

    @secret.setter
    def secret(self, value: str) -> None:
        self.sealed_secret = seal_secret(value, user_id=self.user_id)


class RecoveryCode(models.Model):
    """One single-use recovery code; only its SHA-256 (salted with the user's id) is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("恢复码")
        verbose_name_plural = gettext_lazy("恢复码")
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="accounts_recovery_code_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.pk}"

    @staticmethod
    def hash_code(user_id: int, code: str) -> str:
        normalized = "".join(ch for ch in (code or "").upper() if ch.isalnum())
        return hashlib.sha256(f"{user_id}:{normalized}".encode()).hexdigest()


class SignInSession(models.Model):
    """What the account page lists about one signed-in browser; keyed by the session key.

    Written at sign-in and refreshed at most once a minute per session (``security.TOUCH_EVERY``).
    """

    session_key = models.CharField(max_length=40, primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_sessions"
    )
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    user_agent = models.CharField("浏览器", max_length=300, blank=True)
    signed_in_at = models.DateTimeField("登录时间")
    last_seen_at = models.DateTimeField("最近活动", db_index=True)

    class Meta:
        verbose_name = gettext_lazy("登录会话")
        verbose_name_plural = gettext_lazy("登录会话")
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="accounts_signin_user_seen")]

    def __str__(self) -> str:
        return f"{self.user} · {self.ip or '-'}"
