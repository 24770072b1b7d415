"""Entrant profiles: the enterprise and the maker team behind an entry."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contest.catalog.models import Division
from contest.core import audit
from contest.core.errors import Conflict, FieldErrors, PermissionDenied, ValidationFailed
from contest.core.inputs import text_problem
from contest.registration import validators as v
from contest.registration.enums import Industry, SmeStatus
from contest.registration.models import Enterprise, MakerTeam, TeamMember
from contest.registration.models.entrant import MAINLAND, IdType
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
    out.update(country=MAINLAND, name_translated="", registration_number="", address="")
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


# -- overseas entrants (境外企业、境外团队) ----------------------------------------------------------
# Their messages go through gettext: an overseas entrant reads them in English.


def is_overseas_data(data: dict[str, Any]) -> bool:
    """An overseas enterprise's data names a country other than CN."""
    return str(data.get("country") or MAINLAND).strip().upper() != MAINLAND


def _words(
    data: dict, key: str, label: str, errors: dict, *, required: bool = True, max_length: int = 200
) -> str:
    value = str(data.get(key) or "").strip()
    if required and not value:
        errors[key] = _("请填写%(label)s。") % {"label": label}
    elif len(value) > max_length:
        errors[key] = _("%(label)s不能超过 %(max)d 个字符（当前 %(count)d 个）。") % {
            "label": label,
            "max": max_length,
            "count": len(value),
        }
    elif problem := text_problem(value):
        errors[key] = problem
    return value


def _founding_date(errors: dict, value) -> Any:
    try:
        founded = parse_date(value, "founded_on", "founded_on", calendar=False)
    except ValidationFailed:
        errors["founded_on"] = _("成立日期应为 1900-01-01 以后的日期，格式 YYYY-MM-DD。")
        return None
    if founded > timezone.localdate():
        errors["founded_on"] = _("成立日期不能晚于今天。")
    return founded


def _overseas_amount(errors: dict, key: str, value, label: str) -> Decimal:
    if value in (None, ""):
        return Decimal("0.00")
    try:
        return v.non_negative_decimal(value, field=key, label=key)
    except ValidationFailed:
        errors[key] = _("%(label)s应为不小于 0 的数字（折合人民币万元）。") % {"label": label}
        return Decimal("0.00")


def clean_overseas_enterprise(data: dict[str, Any], *, instance: Enterprise | None = None) -> dict[str, Any]:
    """An enterprise registered outside the mainland: its country, its name in the original script
    and in Chinese or English, the registration number its registry issued (unique per country),
    address, founding date and size. No credit code, no 区划."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {
        "credit_code": None, "division_code": "", "division": None, "division_confirmed": False,
        "sme_status": SmeStatus.NONE,
    }  # fmt: skip
    out["country"] = checked(errors, "country", v.normalize_country, str(data.get("country") or ""))
    out["name"] = _words(data, "name", _("企业名称（原文）"), errors)
    out["name_translated"] = _words(data, "name_translated", _("企业中文或英文名称"), errors)
    out["registration_number"] = (
        checked(
            errors, "registration_number", v.normalize_registration_number, data.get("registration_number")
        )
        or ""
    )
    if out["country"] and out["registration_number"]:
        clash = Enterprise.objects.filter(
            country=out["country"], registration_number__iexact=out["registration_number"]
        ).exclude(pk=getattr(instance, "pk", None))
        if clash.exists():
            errors["registration_number"] = _("该注册号已由其他账号登记；如需找回账号请联系赛事组织方。")
    out["address"] = _words(data, "address", _("注册地址"), errors, max_length=300)
    out["founded_on"] = _founding_date(errors, data.get("founded_on"))
    try:
        out["employees"] = parse_int(data.get("employees", ""), "employees", "employees")
    except ValidationFailed:
        errors["employees"] = _("从业人数应为不小于 0 的整数。")
        out["employees"] = None
    out["registered_capital"] = _overseas_amount(
        errors, "registered_capital", data.get("registered_capital"), _("注册资本")
    )
    out["revenue_last_year"] = _overseas_amount(
        errors, "revenue_last_year", data.get("revenue_last_year"), _("上年营业收入")
    )
    out["is_listed"] = truthy(data.get("is_listed"))
    industry = str(data.get("industry") or "")
    if industry not in Industry.values:
        errors["industry"] = _("请选择所属行业。")
    out["industry"] = industry
    out["contact_name"] = _words(data, "contact_name", _("联系人"), errors, max_length=50)
    out["contact_phone"] = checked(
        errors, "contact_phone", v.normalize_any_mobile, str(data.get("contact_phone") or ""),
        region=out["country"] or "", field="contact_phone",
    )  # fmt: skip
    if errors:
        raise FieldErrors(errors)
    return out


def clean_overseas_members(members: list[dict[str, Any]], errors: dict[str, str]) -> list[dict[str, Any]]:
    """Members of an overseas team: name, nationality, identity document and a mobile of any
    country (read in the nationality's numbering plan when typed without +)."""
    out = []
    for i, member in enumerate(members, start=1):
        if not any(str(x or "").strip() for x in member.values()):
            continue
        name = str(member.get("name") or "").strip()
        if not name:
            errors[f"members-{i}-name"] = _("第 %(n)d 位成员：请填写姓名。") % {"n": i}
        elif len(name) > 50:
            errors[f"members-{i}-name"] = _("姓名不能超过 50 个字符。")
        elif problem := text_problem(name):
            errors[f"members-{i}-name"] = problem
        nationality = checked(
            errors, f"members-{i}-nationality", v.normalize_country, str(member.get("nationality") or ""),
            field=f"members-{i}-nationality", overseas=False,
        ) or ""  # fmt: skip
        id_type = str(member.get("id_type") or "")
        id_number = ""
        if id_type not in IdType.values:
            errors[f"members-{i}-id_type"] = _("第 %(n)d 位成员：请选择证件类型。") % {"n": i}
        else:
            id_number = checked(
                errors, f"members-{i}-id_number", v.normalize_id_number, str(member.get("id_number") or ""),
                id_type=id_type, field=f"members-{i}-id_number",
            ) or ""  # fmt: skip
        phone = checked(
            errors, f"members-{i}-phone", v.normalize_any_mobile, str(member.get("phone") or ""),
            region=nationality, field=f"members-{i}-phone",
        )  # fmt: skip
        role = plain_text(errors, f"members-{i}-role", member.get("role"), max_length=50)
        affiliation = plain_text(
            errors, f"members-{i}-affiliation", member.get("affiliation"), max_length=200
        )
        out.append({
            "name": name, "role": role, "phone": phone, "affiliation": affiliation,
            "nationality": nationality, "id_type": id_type, "id_number": id_number,
        })  # fmt: skip
    return out


def save_enterprise(*, by, data: dict[str, Any]) -> Enterprise:
    """Create or update the signed-in user's enterprise profile."""
    if by is None or not by.is_authenticated:
        raise PermissionDenied("请先登录。")
    with transaction.atomic():
        instance = Enterprise.objects.select_for_update().filter(owner=by).first()
        if instance is None and MakerTeam.objects.filter(owner=by).exists():
            raise Conflict("此账号已登记为创客团队；企业请使用单独的账号。")
        overseas = is_overseas_data(data)
        if instance is not None and instance.is_overseas != overseas and instance.entries.exists():
            raise Conflict(_("已有报名的企业不能在境内和境外登记方式之间切换；请联系赛事组织方。"))
        clean = clean_overseas_enterprise if overseas else clean_enterprise
        cleaned = clean(data, instance=instance)
        before = snapshot(instance, cleaned) if instance else {}
        enterprise = instance or Enterprise(owner=by)
        for key, value in cleaned.items():
            setattr(enterprise, key, value)
        try:
            with transaction.atomic():
                enterprise.save()
        except IntegrityError as exc:
            if overseas:
                raise FieldErrors({"registration_number": _("该注册号已由其他账号登记。")}) from exc
            raise FieldErrors({"credit_code": "该统一社会信用代码已由其他账号登记。"}) from exc
        after = snapshot(enterprise, cleaned)
        audit.record(action=f"registration.enterprise.{'updated' if instance else 'created'}", obj=enterprise,
                     by=by, data={"changes": audit.diff(before, after)})  # fmt: skip
    return enterprise


def clean_team(
    data: dict[str, Any],
    members: list[dict[str, Any]],
    *,
    divisions: dict[str, Division | None] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A maker team's fields and members as ``save_team`` stores them, or ``FieldErrors`` naming
    each field (``members-<n>-<field>``, n from 1). ``divisions`` memoises the 区划 lookups of a
    batch (registration.services.intake cleans thousands of teams)."""
    errors: dict[str, str] = {}
    overseas = truthy(data.get("is_overseas"))
    if overseas:
        country = checked(errors, "country", v.normalize_country, str(data.get("country") or "")) or ""
        cleaned = {
            "name": _words(data, "name", _("团队名称"), errors),
            "leader_name": _words(data, "leader_name", _("负责人"), errors, max_length=50),
            "leader_phone": checked(errors, "leader_phone", v.normalize_any_mobile, str(data.get("leader_phone") or ""),
                                   region=country, field="leader_phone"),
            "declares_not_enterprise": truthy(data.get("declares_not_enterprise")),
            "is_overseas": True, "country": country, "division": None,
        }  # fmt: skip
        if not cleaned["declares_not_enterprise"]:
            errors["declares_not_enterprise"] = _("创客组须声明：团队未注册企业，且不是企业的内部项目。")
        clean_members = clean_overseas_members(members, errors)
    else:
        cleaned = {
            "name": text_value(data, "name", "团队名称", errors),
            "leader_name": text_value(data, "leader_name", "负责人", errors, max_length=50),
            "leader_phone": checked(errors, "leader_phone", v.normalize_mobile, str(data.get("leader_phone") or ""),
                                   field="leader_phone"),
            "declares_not_enterprise": truthy(data.get("declares_not_enterprise")),
            "is_overseas": False, "country": "",
        }  # fmt: skip
        code = str(data.get("division") or "")
        if divisions is None:
            division = Division.objects.filter(code=code).first()
        else:
            if code not in divisions:
                divisions[code] = Division.objects.filter(code=code).first()
            division = divisions[code]
        if division is None:
            errors["division"] = "请选择团队所在地（省、市）。"
        cleaned["division"] = division
        if not cleaned["declares_not_enterprise"]:
            errors["declares_not_enterprise"] = "创客组须声明：团队未注册企业，且不是企业的内部项目。"
        clean_members = _mainland_members(members, errors)
    if errors:
        raise FieldErrors(errors)
    return cleaned, clean_members


def save_team(*, by, data: dict[str, Any], members: list[dict[str, Any]]) -> MakerTeam:
    """Create or update the signed-in user's maker team. ``data["is_overseas"]`` makes it an
    overseas team: a country instead of a 区划, members with nationality and identity document,
    phones of any country."""
    if by is None or not by.is_authenticated:
        raise PermissionDenied("请先登录。")
    cleaned, clean_members = clean_team(data, members)
    overseas = cleaned["is_overseas"]
    with transaction.atomic():
        team = MakerTeam.objects.select_for_update().filter(owner=by).first()
        if team is None and Enterprise.objects.filter(owner=by).exists():
            raise Conflict("此账号已登记为企业；创客团队请使用单独的账号。")
        created = team is None
        if not created and team.is_overseas != overseas and team.entries.exists():
            raise Conflict(_("已有报名的团队不能在境内和境外登记方式之间切换；请联系赛事组织方。"))
        team = team or MakerTeam(owner=by)
        fields = MEMBER_FIELDS if team.is_overseas else MEMBER_FIELDS[:4]
        before = {} if created else {"members": list(team.members.values(*fields))}
        for key, value in cleaned.items():
            setattr(team, key, value)
        team.save()
        team.members.all().delete()
        TeamMember.objects.bulk_create(
            TeamMember(team=team, order=i, **m) for i, m in enumerate(clean_members)
        )
        audit.record(action=f"registration.team.{'created' if created else 'updated'}", obj=team, by=by,
                     data={"before": before, "members": clean_members, "name": team.name,
                           "overseas": overseas, "country": team.country})  # fmt: skip
    return team


MEMBER_FIELDS = ("name", "role", "phone", "affiliation", "nationality", "id_type", "id_number")


def _mainland_members(members: list[dict[str, Any]], errors: dict[str, str]) -> list[dict[str, Any]]:
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
    return clean_members
