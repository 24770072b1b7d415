"""Entrant profiles: the enterprise and the maker team behind an entry."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from contest.catalog.models import Division
from contest.core import audit
from contest.core.errors import Conflict, FieldErrors, PermissionDenied
from contest.core.inputs import text_problem
from contest.registration import validators as v
from contest.registration.enums import Industry, SmeStatus
from contest.registration.models import Enterprise, MakerTeam, TeamMember
from contest.registration.services.common import (
    checked,
    parse_date,
    parse_int,
    plain_text,
    snapshot,
    text_value,
    truthy,
)

# -- entrant profiles --------------------------------------------------------------------


def division_for_code(code: str) -> Division | None:
    """The division of a credit code's characters 3–8 (county level → its prefecture)."""
    if code.startswith("66") or code.startswith("6590"):
        return Division.objects.filter(code="660000").first()
    for candidate in (code[:4] + "00", code[:2] + "0000"):
        division = Division.objects.filter(code=candidate).select_related("parent").first()
        if division is not None:
            return division
    return None


def clean_enterprise(data: dict[str, Any], *, instance: Enterprise | None = None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {"name": text_value(data, "name", "企业名称", errors)}
    code = checked(errors, "credit_code", v.normalize_credit_code, str(data.get("credit_code") or ""))
    if code:
        out["credit_code"] = code
        out["division_code"] = v.division_code_of(code)
        out["division"] = division_for_code(out["division_code"])
        if out["division"] is None:
            errors["credit_code"] = f"统一社会信用代码第 3–8 位“{out['division_code']}”不是已知的行政区划。"
        clash = Enterprise.objects.filter(credit_code=code).exclude(pk=getattr(instance, "pk", None)).exists()
        if clash:
            errors["credit_code"] = "该统一社会信用代码已由其他账号登记；如需找回账号请联系赛事组织方。"
    founded = checked(
        errors, "founded_on", parse_date, data.get("founded_on"), "founded_on", "成立日期", calendar=False
    )
    if founded and founded > timezone.localdate():
        errors["founded_on"] = "成立日期不能晚于今天。"
    out["founded_on"] = founded
    for key, label in (("registered_capital", "注册资本"), ("revenue_last_year", "上年营业收入")):
        out[key] = checked(errors, key, v.non_negative_decimal, data.get(key, ""), field=key, label=label)
    out["employees"] = checked(
        errors, "employees", parse_int, data.get("employees", ""), "employees", "从业人数"
    )
    out["is_listed"] = truthy(data.get("is_listed"))
    industry = str(data.get("industry") or "")
    if industry not in Industry.values:
        errors["industry"] = "请选择所属行业（国民经济行业分类门类）。"
    out["industry"] = industry
    sme = str(data.get("sme_status") or SmeStatus.NONE)
    if sme not in SmeStatus.values:
        errors["sme_status"] = "请选择专精特新情况。"
    out["sme_status"] = sme
    out["contact_name"] = text_value(data, "contact_name", "联系人", errors, max_length=50)
    out["contact_phone"] = checked(errors, "contact_phone", v.normalize_mobile, str(data.get("contact_phone") or ""),
                                  field="contact_phone")  # fmt: skip
    out["division_confirmed"] = truthy(data.get("division_confirmed"))
    if not out["division_confirmed"] and "credit_code" not in errors:
        errors["division_confirmed"] = "请确认由信用代码识别出的登记地是否正确。"
    if errors:
        raise FieldErrors(errors)
    return out


def save_enterprise(*, by, data: dict[str, Any]) -> Enterprise:
    """Create or update the signed-in user's enterprise profile."""
    if by is None or not by.is_authenticated:
        raise PermissionDenied("请先登录。")
    with transaction.atomic():
        instance = Enterprise.objects.select_for_update().filter(owner=by).first()
        if instance is None and MakerTeam.objects.filter(owner=by).exists():
            raise Conflict("此账号已登记为创客团队；企业请使用单独的账号。")
        cleaned = clean_enterprise(data, instance=instance)
        before = snapshot(instance, cleaned) if instance else {}
        enterprise = instance or Enterprise(owner=by)
        for key, value in cleaned.items():
            setattr(enterprise, key, value)
        try:
            with transaction.atomic():
                enterprise.save()
        except IntegrityError as exc:
            raise FieldErrors({"credit_code": "该统一社会信用代码已由其他账号登记。"}) from exc
        after = snapshot(enterprise, cleaned)
        audit.record(action=f"registration.enterprise.{'updated' if instance else 'created'}", obj=enterprise,
                     by=by, data={"changes": audit.diff(before, after)})  # fmt: skip
    return enterprise


def save_team(*, by, data: dict[str, Any], members: list[dict[str, Any]]) -> MakerTeam:
    if by is None or not by.is_authenticated:
        raise PermissionDenied("请先登录。")
    errors: dict[str, str] = {}
    cleaned = {
        "name": text_value(data, "name", "团队名称", errors),
        "leader_name": text_value(data, "leader_name", "负责人", errors, max_length=50),
        "leader_phone": checked(errors, "leader_phone", v.normalize_mobile, str(data.get("leader_phone") or ""),
                               field="leader_phone"),
        "declares_not_enterprise": truthy(data.get("declares_not_enterprise")),
    }  # fmt: skip
    division = Division.objects.filter(code=str(data.get("division") or "")).first()
    if division is None:
        errors["division"] = "请选择团队所在地（省、市）。"
    cleaned["division"] = division
    if not cleaned["declares_not_enterprise"]:
        errors["declares_not_enterprise"] = "创客组须声明：团队未注册企业，且不是企业的内部项目。"
    clean_members = []
    for i, member in enumerate(members, start=1):
        if not any(str(x or "").strip() for x in member.values()):
            continue
        name = str(member.get("name") or "").strip()
        if not name:
            errors[f"members-{i}-name"] = f"第 {i} 位成员：请填写姓名。"
        elif problem := text_problem(name):
            errors[f"members-{i}-name"] = problem
        phone = checked(errors, f"members-{i}-phone", v.normalize_mobile, str(member.get("phone") or ""),
                       field=f"members-{i}-phone")  # fmt: skip
        role = plain_text(errors, f"members-{i}-role", member.get("role"), max_length=50)
        affiliation = plain_text(
            errors, f"members-{i}-affiliation", member.get("affiliation"), max_length=200
        )
        clean_members.append({"name": name, "role": role, "phone": phone, "affiliation": affiliation})
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        team = MakerTeam.objects.select_for_update().filter(owner=by).first()
        if team is None and Enterprise.objects.filter(owner=by).exists():
            raise Conflict("此账号已登记为企业；创客团队请使用单独的账号。")
        created = team is None
        team = team or MakerTeam(owner=by)
        before = (
            {} if created else {"members": list(team.members.values("name", "role", "phone", "affiliation"))}
        )
        for key, value in cleaned.items():
            setattr(team, key, value)
        team.save()
        team.members.all().delete()
        TeamMember.objects.bulk_create(
            TeamMember(team=team, order=i, **m) for i, m in enumerate(clean_members)
        )
        audit.record(action=f"registration.team.{'created' if created else 'updated'}", obj=team, by=by,
                     data={"before": before, "members": clean_members, "name": team.name})  # fmt: skip
    return team
