"""The expert pool: adding and editing experts, confirming their e-mail, judge accounts for them.

The pool is national: every organizer reads it and uses its experts in their rounds. Only the
organization that added an expert, the secretariat and the expert themself change the expert's
details; a changed contact is unverified until the expert confirms it by a mailed link, and an
invitation (the password-setting link of a judge account) goes only to a verified address."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from contest.accounts.enums import RoleKind
from contest.accounts.models import Role
from contest.accounts.rules import organizer_organization_ids, secretariat_edition_ids
from contest.core import audit
from contest.core.access import require
from contest.core.errors import Conflict, FieldErrors, ValidationFailed
from contest.registration import validators as v
from contest.registration.enums import Industry
from contest.review.enums import ExpertKind
from contest.review.models import Expert

# -- the expert pool ------------------------------------------------------------------------------


def clean_expert(data: dict[str, Any], *, instance: Expert | None = None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for key, label, limit in (("name", "姓名", 50), ("organization_name", "工作单位", 200)):
        value = str(data.get(key) or "").strip()
        if not value:
            errors[key] = f"请填写{label}。"
        elif len(value) > limit:
            errors[key] = f"{label}不能超过 {limit} 个字符。"
        out[key] = value
    out["title"] = str(data.get("title") or "").strip()[:100]
    code = str(data.get("organization_credit_code") or "").strip()
    if code:
        try:
            code = v.normalize_credit_code(code, field="organization_credit_code")
        except ValidationFailed as exc:
            errors["organization_credit_code"] = exc.message
    out["organization_credit_code"] = code
    expertise = data.get("expertise") or []
    if isinstance(expertise, str):
        expertise = [x for x in re.split(r"[,，、\s]+", expertise) if x]
    expertise = [x.strip().upper()[:1] for x in expertise]
    if not expertise or any(x not in Industry.values for x in expertise):
        errors["expertise"] = "请选择擅长行业（国民经济行业分类门类 A–T）。"
    out["expertise"] = sorted(set(expertise))
    regions = data.get("regions") or []
    if isinstance(regions, str):
        regions = [x for x in re.split(r"[,，、\s]+", regions) if x]
    out["regions"] = sorted({str(r) for r in regions})
    kind = str(data.get("kind") or "")
    if kind not in ExpertKind.values:
        errors["kind"] = "请选择专家类别（技术、产业或投资）。"
    out["kind"] = kind
    try:
        out["phone"] = v.normalize_mobile(str(data.get("phone") or ""))
        clash = Expert.objects.filter(phone=out["phone"]).exclude(pk=getattr(instance, "pk", None)).exists()
        if clash:
            errors["phone"] = "专家库中已有使用该手机号的专家。"
    except ValidationFailed as exc:
        errors["phone"] = exc.message
    out["email"] = str(data.get("email") or "").strip()[:254]
    if errors:
        raise FieldErrors(errors)
    return out


#: who may change an expert: said to a pool user who may read the expert but not change them (403)
NOT_THE_OWNER = "只有添加该专家的单位、大赛秘书处或专家本人可以修改专家信息。"
#: how long a link confirming an expert's e-mail stays valid
EMAIL_VERIFICATION_MAX_AGE = 7 * 24 * 3600
_VERIFICATION_SALT = "review.expert.email"
#: the fields whose change voids a verification, with the timestamp each one clears
CONTACT_FIELDS = {"email": "email_verified_at", "phone": "phone_verified_at"}


def owner_organization_for(by) -> int | None:
    """The organization an expert added by ``by`` belongs to: the lowest id among the organizations
    ``by`` is organizer staff of; None for the secretariat and the operator (only the secretariat
    may then change the expert)."""
    if by is None or secretariat_edition_ids(by):
        return None
    organizations = sorted(organizer_organization_ids(by))
    return organizations[0] if organizations else None


def require_edit_expert(by, expert: Expert) -> None:
    """Refuse a change to ``expert`` unless ``by`` is the secretariat, staff of the organization
    that added the expert, or the expert themself. Pool users see the expert, so they get a 403;
    anyone else a 404."""
    require(by, "review.edit_expert", expert, visible_with="review.manage_experts", message=NOT_THE_OWNER)


def add_expert(*, by, data: dict[str, Any], site_url: str = "") -> Expert:
    """Add an expert to the pool, owned by ``by``'s organization; a link confirming the e-mail
    goes to it after commit (invitations wait for that confirmation)."""
    require(by, "review.manage_experts")
    cleaned = clean_expert(data)
    with transaction.atomic():
        owner = owner_organization_for(by)
        expert = Expert.objects.create(added_by=by, owner_organization_id=owner, **cleaned)
        audit.record(
            action="review.expert.added", obj=expert, by=by, data={**cleaned, "owner_organization": owner}
        )
        if expert.email:
            _mail_verification_on_commit(expert, site_url)
    return expert


def update_expert(*, by, expert: Expert, data: dict[str, Any], site_url: str = "") -> Expert:
    """Change an expert's details (only the owner organization, the secretariat or the expert).

    A changed e-mail or mobile is unverified again: nothing is sent to it, and no invitation goes
    to it, until the expert confirms it by the link mailed to the new address. The audit record
    holds every changed field before and after, the cleared verifications included."""
    require_edit_expert(by, expert)
    cleaned = clean_expert(data, instance=expert)
    with transaction.atomic():
        expert = Expert.objects.select_for_update().get(pk=expert.pk)
        require_edit_expert(by, expert)
        before = {k: getattr(expert, k) for k in cleaned}
        after = dict(cleaned)
        for field, stamp in CONTACT_FIELDS.items():
            if _contact_key(field, before[field]) != _contact_key(field, cleaned[field]):
                before[stamp] = getattr(expert, stamp)
                after[stamp] = None
        for key, value in after.items():
            setattr(expert, key, value)
        expert.save()
        changes = audit.diff(before, after)
        if changes:
            audit.record(action="review.expert.updated", obj=expert, by=by, data={"changes": changes})
        if "email_verified_at" in after and expert.email:
            _mail_verification_on_commit(expert, site_url)
    return expert


def _contact_key(field: str, value) -> str:
    value = str(value or "").strip()
    return value.lower() if field == "email" else value


# -- confirming an expert's e-mail ---------------------------------------------------------------------


def expert_verification_token(expert: Expert) -> str:
    """A signed, expiring token naming the expert and the address it was sent to: it confirms
    only that address, so a link to an address since replaced confirms nothing."""
    return signing.dumps({"expert": expert.pk, "email": expert.email.lower()}, salt=_VERIFICATION_SALT)


def _mail_verification_on_commit(expert: Expert, site_url: str) -> None:
    link = site_url.rstrip("/") + reverse("experts:verify_email", args=[expert_verification_token(expert)])
    body = (
        f"{expert.name}专家您好：\n\n“创客中国”大赛专家库登记了本邮箱作为您的联系邮箱。"
        f"请打开下面的链接确认（{EMAIL_VERIFICATION_MAX_AGE // 86400} 天内有效）：\n\n{link}\n\n"
        "确认之前，平台不会向本邮箱发送评审账号邀请。如果您不是这位专家，请忽略本邮件。\n\n“创客中国”大赛平台"
    )
    address = expert.email
    transaction.on_commit(lambda: send_mail("【创客中国】请确认您的专家联系邮箱", body, settings.DEFAULT_FROM_EMAIL,
                                            [address]))  # fmt: skip


def send_expert_verification(*, by, expert: Expert, site_url: str = "") -> Expert:
    """Mail (again) the link confirming the expert's current e-mail. Any pool user may ask: the
    link goes only to the address the owner recorded."""
    require(by, "review.manage_experts")
    with transaction.atomic():
        expert = Expert.objects.select_for_update().get(pk=expert.pk)
        if not expert.email:
            raise ValidationFailed("请先填写专家的邮箱。", field="email")
        if expert.email_verified_at is not None:
            raise Conflict(f"{expert.name}的邮箱已验证。")
        audit.record(
            action="review.expert.verification_sent", obj=expert, by=by, data={"email": expert.email}
        )
        _mail_verification_on_commit(expert, site_url)
    return expert


def read_expert_verification_token(token: str) -> dict[str, Any]:
    """The payload of a confirmation link: {"expert": id, "email": address}, or a refusal."""
    try:
        payload = signing.loads(token, salt=_VERIFICATION_SALT, max_age=EMAIL_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationFailed("验证链接已过期，请联系组织方重新发送。", code="expired") from None
    except signing.BadSignature:
        raise ValidationFailed("验证链接无效。", code="invalid") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("email"), str):
        raise ValidationFailed("验证链接无效。", code="invalid")
    return payload


def verify_expert_email(*, token: str) -> Expert:
    """Mark the expert's e-mail verified by the link mailed to it. Refused when the link is
    forged or expired, or when the address has changed since it was sent."""
    payload = read_expert_verification_token(token)
    with transaction.atomic():
        expert = Expert.objects.select_for_update().filter(pk=payload.get("expert")).first()
        if expert is None or expert.email.lower() != payload.get("email"):
            raise ValidationFailed("该邮箱已不是专家的联系邮箱，此链接不再有效。", code="stale")
        if expert.email_verified_at is None:
            expert.email_verified_at = timezone.now()
            expert.save(update_fields=["email_verified_at"])
            audit.record(action="review.expert.email_verified", obj=expert,
                         data={"email": expert.email, "verified_at": expert.email_verified_at})  # fmt: skip
    return expert


# -- judge accounts for experts ------------------------------------------------------------------------


def _judge_username(expert: Expert) -> str:
    base = f"judge-{expert.pk}"
    users = get_user_model().objects
    name, n = base, 1
    while users.filter(username=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def invite_expert(*, by, expert: Expert, site_url: str = "", username: str | None = None):
    """Give an expert a judge account and e-mail a link to set its password.

    A new account has no usable password, so nobody can sign in to it until the expert sets one
    through the link (Django's password-reset token: single use, invalid once the password
    changes, valid for ``PASSWORD_RESET_TIMEOUT``). An existing account with the expert's e-mail
    or mobile is linked instead of creating a second one. Either way the account gets the judge
    role and the expert row points at it. Audited; the e-mail goes out after commit."""
    require(by, "review.manage_experts")
    user_model = get_user_model()
    with transaction.atomic():
        expert = Expert.objects.select_for_update().get(pk=expert.pk)
        if expert.user_id is not None:
            raise Conflict(f"{expert.name}已有评审账号。")
        if not expert.is_active:
            raise Conflict(f"{expert.name}已移出专家库，不能邀请。")
        if not expert.email:
            raise ValidationFailed("请先填写专家的邮箱：设置密码的链接会发送到该邮箱。", field="email")
        if expert.email_verified_at is None:
            raise ValidationFailed("专家的邮箱尚未验证：请专家先打开验证邮件中的链接，再邀请开通评审账号。",
                                   field="email", code="unverified")  # fmt: skip
        # Only the verified address links an existing account: never the (unverified) mobile.
        person = user_model.objects.filter(email__iexact=expert.email).first()
        created = person is None
        if person is not None and Expert.objects.filter(user=person).exists():
            raise Conflict("该邮箱的账号已关联另一位专家。")
        if created:
            phone_taken = user_model.objects.filter(phone=expert.phone).exists()
            person = user_model(username=username or _judge_username(expert), email=expert.email.lower(),
                                phone=None if phone_taken else expert.phone, display_name=expert.name)  # fmt: skip
            person.set_unusable_password()
            person.save()
        Role.objects.get_or_create(user=person, kind=RoleKind.JUDGE, organization=None, edition=None)
        expert.user = person
        expert.save(update_fields=["user"])
        audit.record(action="review.expert.invited", obj=expert, by=by,
                     data={"user": person.pk, "new_account": created, "email": expert.email})  # fmt: skip
        link = site_url.rstrip("/") + reverse(
            "accounts:password_reset_confirm",
            args=[urlsafe_base64_encode(force_bytes(person.pk)), default_token_generator.make_token(person)],
        )
        account = (f"您的登录账号：{person.get_username()}（也可用本邮箱或手机号登录）。\n" if created
                   else "您已有平台账号，评审专家权限已加入该账号；如不记得密码，可用下面的链接重新设置。\n")  # fmt: skip
        body = (
            f"{expert.name}专家您好：\n\n组织方邀请您担任“创客中国”大赛的评审专家。\n{account}"
            f"请打开下面的链接设置密码，然后登录查看分配给您的评审任务：\n\n{link}\n\n"
            "此链接只能使用一次，请勿转发。\n\n“创客中国”大赛平台"
        )
        address = expert.email
        transaction.on_commit(lambda: send_mail("【创客中国】评审专家邀请", body, settings.DEFAULT_FROM_EMAIL,
                                                [address]))  # fmt: skip
    return person
