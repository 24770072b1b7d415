"""Writes for accounts: sign-up, e-mail verification, organizer invitations.

Every service: validate → lock → write → audit → ``transaction.on_commit`` for mail.
Personal data (e-mail addresses, phone numbers) stays on the rows; the audit chain, which
can never be edited, records only ids and kinds.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import (
    UserAttributeSimilarityValidator,
    get_default_password_validators,
)
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from contest.accounts.enums import InvitationStatus, RoleKind
from contest.accounts.models import Invitation, Role, User
from contest.accounts.validators import normalize_mobile
from contest.catalog.models import Organization
from contest.core import audit
from contest.core.consent import record_consent
from contest.core.errors import Closed, Conflict, FieldErrors, NotFound, PermissionDenied, ValidationFailed
from contest.core.lifecycle import transition

VERIFY_SALT = "contest.accounts.verify_email"
VERIFY_MAX_AGE = timedelta(days=3)
INVITATION_VALID_FOR = timedelta(days=14)


# -- identifiers ------------------------------------------------------------------------------


def parse_identifier(value: str, *, field: str = "identifier") -> tuple[str, str]:
    """("email", lower-cased address) or ("phone", E.164 number); raises with a field message."""
    raw = (value or "").strip()
    if not raw:
        raise ValidationFailed("请填写电子邮箱或手机号。", field=field)
    if "@" in raw:
        email = raw.lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationFailed("电子邮箱格式不正确。", field=field) from exc
        return "email", email
    return "phone", normalize_mobile(raw, field=field)


def find_user(identifier: str) -> User | None:
    """The account an e-mail (any case), a mobile number (any spelling) or a username names."""
    raw = (identifier or "").strip()
    if not raw:
        return None
    try:
        kind, value = parse_identifier(raw)
    except ValidationFailed:
        return User.objects.filter(username=raw).first()
    if kind == "email":
        return User.objects.filter(Q(email__iexact=value) | Q(username__iexact=value)).first()
    return User.objects.filter(Q(phone=value) | Q(username=value)).first()


# -- sign-up and verification ----------------------------------------------------------------


def sign_up(*, identifier: str, password: str, display_name: str = "", site_url: str,
            accepted_privacy: bool = False, ip: str | None = None) -> User:  # fmt: skip
    """A new entrant account; username is the lower-cased e-mail or the E.164 mobile number.

    ``site_url`` (``https://host``) is where the verification link points. ``accepted_privacy``
    records consent to the current privacy notice (with ``ip``) in the same transaction; without
    it the user is asked at their first sign-in.
    """
    errors: dict[str, str] = {}
    kind = value = None
    try:
        kind, value = parse_identifier(identifier)
    except ValidationFailed as exc:
        errors["identifier"] = exc.message
    display_name = (display_name or "").strip()
    if len(display_name) > 100:
        errors["display_name"] = "姓名不能超过 100 个字符。"
    candidate = User(
        username=value or "",
        email=value if kind == "email" else None,
        phone=value if kind == "phone" else None,
        display_name=display_name,
    )
    problems = password_problems(
        password or "", typed={kind or "identifier": identifier, "name": display_name}
    )
    if problems:
        errors["password"] = " ".join(problems)
    if kind is not None and _identifier_taken(kind, value):
        errors["identifier"] = _taken_message(kind)
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        candidate.set_password(password)
        try:
            with transaction.atomic():
                candidate.save()
        except IntegrityError as exc:
            raise FieldErrors({"identifier": _taken_message(kind)}) from exc
        audit.record(action="accounts.user.signed_up", obj=candidate, by=candidate, data={"identifier": kind})
        if accepted_privacy:
            record_consent(user=candidate, ip=ip, context="signup")
        if kind == "email":
            _send_verification(candidate, site_url)
    return candidate


def _similarity_message(field: str) -> str:
    if field == "email":
        return gettext("密码与您填写的电子邮箱太相似，请换一个。")
    if field == "phone":
        return gettext("密码与您填写的手机号太相似，请换一个。")
    if field == "name":
        return gettext("密码与您填写的姓名太相似，请换一个。")
    return gettext("密码与您填写的电子邮箱或手机号太相似，请换一个。")


def password_problems(password: str, *, typed: dict[str, str]) -> list[str]:
    """Messages for a new password, the similarity check made against what the user typed.

    Django's own similarity check compares with the username, which sign-up generates from the
    e-mail or phone, and then says "too similar to the 用户名" about a field nobody filled in.
    ``typed`` maps a field ("email", "phone", "name", or "identifier" when unparsable) to its text.
    """
    problems: list[str] = []
    for validator in get_default_password_validators():
        if isinstance(validator, UserAttributeSimilarityValidator):
            for field, text in typed.items():
                if not text:
                    continue
                probe = User(display_name=text.strip())
                try:
                    UserAttributeSimilarityValidator(
                        user_attributes=("display_name",), max_similarity=validator.max_similarity
                    ).validate(password, probe)
                except ValidationError:
                    problems.append(_similarity_message(field))
            continue
        try:
            validator.validate(password)
        except ValidationError as exc:
            problems.extend(exc.messages)
    return problems


def _identifier_taken(kind: str, value: str) -> bool:
    if kind == "email":
        return User.objects.filter(Q(email__iexact=value) | Q(username__iexact=value)).exists()
    return User.objects.filter(Q(phone=value) | Q(username=value)).exists()


def _taken_message(kind: str) -> str:
    if kind == "email":
        return "该电子邮箱已注册，请直接登录；忘记密码可通过邮箱重设。"
    return "该手机号已注册，请直接登录。"


def verification_token(user: User) -> str:
    """A signed, timestamped token bound to the user and the address it was sent to."""
    return signing.TimestampSigner(salt=VERIFY_SALT).sign_object(
        {"u": user.pk, "e": (user.email or "").lower()}
    )


def send_verification(*, user: User, site_url: str) -> None:
    """(Re)send the verification link to the user's e-mail address."""
    if not user.email:
        raise ValidationFailed("此账号没有登记电子邮箱。", field="email")
    if user.email_verified_at is not None:
        raise Conflict("电子邮箱已验证，无需再次验证。")
    with transaction.atomic():
        _send_verification(user, site_url)


def _send_verification(user: User, site_url: str) -> None:
    link = site_url.rstrip("/") + reverse("accounts:verify_email", args=[verification_token(user)])
    days = VERIFY_MAX_AGE.days
    body = (
        f"您好，\n\n请在 {days} 天内打开下面的链接，验证您在“创客中国”大赛平台注册的电子邮箱：\n\n{link}\n\n"
        "如果不是您本人注册，请忽略本邮件。\n\n“创客中国”大赛平台"
    )
    email = user.email
    transaction.on_commit(
        lambda: send_mail("【创客中国】请验证您的电子邮箱", body, settings.DEFAULT_FROM_EMAIL, [email])
    )


def verify_email(*, token: str) -> User:
    """Mark the address verified. Tampered, expired or stale (address changed) links are refused."""
    try:
        payload = signing.TimestampSigner(salt=VERIFY_SALT).unsign_object(token, max_age=VERIFY_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise Closed("验证链接已过期，请登录后重新发送验证邮件。", code="expired") from exc
    except signing.BadSignature as exc:
        raise ValidationFailed("验证链接无效，请检查链接是否完整。", code="invalid_link") from exc
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=payload.get("u")).first()
        if user is None or (user.email or "").lower() != payload.get("e"):
            raise ValidationFailed("验证链接已失效：账号的电子邮箱已更改。", code="invalid_link")
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
            audit.record(action="accounts.user.email_verified", obj=user, by=user)
    return user


# -- organizer invitations ---------------------------------------------------------------------


def invite_organizer(*, by: User, email: str, organization: Organization, site_url: str) -> Invitation:
    """The secretariat invites a person to act as an organizer of an organization.

    Only the token's SHA-256 is stored; the link itself goes out by e-mail once.
    """
    if by is None or not by.has_perm("accounts.invite_organizer"):
        raise PermissionDenied("只有大赛秘书处可以邀请组织方。")
    address = (email or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError as exc:
        raise FieldErrors({"email": "电子邮箱格式不正确。"}) from exc
    if organization is None:
        raise FieldErrors({"organization": "请选择组织单位。"})
    if Role.objects.filter(
        kind=RoleKind.ORGANIZER, organization=organization, user__email__iexact=address
    ).exists():
        raise FieldErrors({"email": f"{address} 已是“{organization.name}”的组织方。"})
    token, token_hash = Invitation.new_token()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=address,
            kind=RoleKind.ORGANIZER,
            organization=organization,
            token_hash=token_hash,
            invited_by=by,
            expires_at=timezone.now() + INVITATION_VALID_FOR,
        )
        audit.record(
            action="accounts.invitation.created",
            obj=invitation,
            by=by,
            data={
                "organization": organization.pk,
                "kind": invitation.kind,
                "expires_at": invitation.expires_at,
            },
        )
        link = site_url.rstrip("/") + reverse("accounts:accept_invitation", args=[token])
        body = (
            f"您好，\n\n大赛秘书处邀请您作为“{organization.name}”的赛事组织方使用“创客中国”大赛平台。\n"
            f"请在 {INVITATION_VALID_FOR.days} 天内打开下面的链接，注册或登录后接受邀请：\n\n{link}\n\n"
            "此链接只能使用一次，请勿转发。\n\n“创客中国”大赛平台"
        )
        transaction.on_commit(
            lambda: send_mail("【创客中国】组织方邀请", body, settings.DEFAULT_FROM_EMAIL, [address])
        )
    return invitation


def invitation_for_token(token: str) -> Invitation:
    """The invitation a link names, whatever its state; NotFound when none does."""
    invitation = (
        Invitation.objects.select_related("organization", "edition")
        .filter(token_hash=Invitation.hash_token(token or ""))
        .first()
    )
    if invitation is None:
        raise NotFound("邀请链接无效。")
    return invitation


def check_invitation_usable(invitation: Invitation, *, now=None) -> None:
    now = now or timezone.now()
    if invitation.status == InvitationStatus.ACCEPTED:
        raise Conflict("此邀请已被接受，不能再次使用。")
    if invitation.status == InvitationStatus.REVOKED:
        raise Conflict("此邀请已被秘书处撤销。")
    if now >= invitation.expires_at:
        raise Closed("此邀请已过期，请联系大赛秘书处重新邀请。", code="expired")


def accept_invitation(*, token: str, by: User, origin: dict[str, Any] | None = None) -> Role:
    """The signed-in invitee takes the role the invitation grants. The link is the secret.

    ``origin`` (``core.client.origin``: IP and user agent) goes into the role-granted record."""
    if by is None or not by.is_authenticated:
        raise PermissionDenied("请先登录或注册，再接受邀请。")
    with transaction.atomic():
        found = invitation_for_token(token)
        invitation = (
            Invitation.objects.select_for_update(of=("self",)).select_related("organization").get(pk=found.pk)
        )
        check_invitation_usable(invitation)
        role, created = Role.objects.get_or_create(
            user=by, kind=invitation.kind, organization=invitation.organization, edition=invitation.edition
        )
        data: dict[str, Any] = {
            "role": role.pk,
            "kind": role.kind,
            "organization": invitation.organization_id,
        }
        if (by.email or "").lower() == invitation.email and by.email_verified_at is None:
            # The link reached this mailbox: that proves the address as well as a verification link would.
            by.email_verified_at = timezone.now()
            by.save(update_fields=["email_verified_at"])
            data["email_verified"] = True
        transition(invitation, InvitationStatus.ACCEPTED, by=by, values={"accepted_by": by}, data=data)
        if created:
            audit.record(
                action="accounts.role.granted",
                obj=role,
                by=by,
                data={
                    "kind": role.kind,
                    "organization": role.organization_id,
                    "invitation": invitation.pk,
                    **(origin or {}),
                },
            )
    return role


def revoke_invitation(*, by: User, invitation: Invitation) -> Invitation:
    if by is None or not by.has_perm("accounts.invite_organizer"):
        raise PermissionDenied("只有大赛秘书处可以撤销邀请。")
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not Invitation.lifecycle.can(invitation.status, InvitationStatus.REVOKED):
            raise Conflict(f"此邀请状态为“{invitation.get_status_display()}”，不能撤销。")
        transition(invitation, InvitationStatus.REVOKED, by=by)
    return invitation
