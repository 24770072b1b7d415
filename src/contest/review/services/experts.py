"""The expert pool: adding and editing experts, judge accounts for them."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from contest.accounts.enums import RoleKind
from contest.accounts.models import Role
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


def add_expert(*, by, data: dict[str, Any]) -> Expert:
    require(by, "review.manage_experts")
    cleaned = clean_expert(data)
    with transaction.atomic():
        expert = Expert.objects.create(added_by=by, **cleaned)
        audit.record(action="review.expert.added", obj=expert, by=by, data=cleaned)
    return expert


def update_expert(*, by, expert: Expert, data: dict[str, Any]) -> Expert:
    require(by, "review.manage_experts")
    cleaned = clean_expert(data, instance=expert)
    with transaction.atomic():
        expert = Expert.objects.select_for_update().get(pk=expert.pk)
        before = {k: getattr(expert, k) for k in cleaned}
        for key, value in cleaned.items():
            setattr(expert, key, value)
        expert.save()
        audit.record(
            action="review.expert.updated", obj=expert, by=by, data={"changes": audit.diff(before, cleaned)}
        )
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
        person = user_model.objects.filter(Q(email__iexact=expert.email) | Q(phone=expert.phone)).first()
        created = person is None
        if person is not None and Expert.objects.filter(user=person).exists():
            raise Conflict("该邮箱或手机号的账号已关联另一位专家。")
        if created:
            person = user_model(username=username or _judge_username(expert), email=expert.email.lower(),
                                phone=expert.phone, display_name=expert.name)  # fmt: skip
            person.set_unusable_password()
            person.save()
        Role.objects.get_or_create(user=person, kind=RoleKind.JUDGE, organization=None, edition=None)
        expert.user = person
        expert.save(update_fields=["user"])
        audit.record(action="review.expert.invited", obj=expert, by=by,
                     data={"user": person.pk, "new_account": created})  # fmt: skip
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
