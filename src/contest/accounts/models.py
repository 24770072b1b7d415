import hashlib
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


class TwoFactorDevice(models.Model):
    """A confirmed authenticator app (TOTP, RFC 6238: 6 digits, 30 s steps) of one user.

    ``last_used_step`` is the time step of the last code accepted: a code for that step or an
    earlier one is refused, so an observed code cannot be replayed.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="two_factor")
    secret = models.CharField(max_length=64)  # base32, as shown to the user for manual entry
    confirmed_at = models.DateTimeField("启用时间")
    last_used_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = gettext_lazy("两步验证设备")
        verbose_name_plural = gettext_lazy("两步验证设备")

    def __str__(self) -> str:
        return f"{self.user} · TOTP"


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
