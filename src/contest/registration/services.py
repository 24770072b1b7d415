"""Writes for registration: entrant profiles, entries and their lifecycle, batch import.

Every service: validate → lock → write → audit → on_commit for mail and tasks. The entry
status is written by ``_transition`` only, against ``enums.TRANSITIONS``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from contest.catalog.enums import RegistrationMode, Tier
from contest.catalog.models import Division, EditionGroup, Event
from contest.core import audit
from contest.core.errors import (
    Closed,
    Conflict,
    ContestError,
    FieldErrors,
    PermissionDenied,
    ValidationFailed,
)
from contest.registration import validators as v
from contest.registration.enums import (
    ACTIVE,
    AWAITING_REVIEW,
    EDITABLE,
    OVERRIDES,
    TRANSITIONS,
    EntryStatus,
    GroupKind,
    Industry,
    RuleKind,
    SmeStatus,
)
from contest.registration.models import (
    DuplicateFlag,
    EligibilityRule,
    Enterprise,
    Entry,
    EntryImage,
    EntryTransition,
    MakerTeam,
    RegistrationWindow,
    Submission,
    TeamMember,
)
from contest.registration.similarity import bigrams, jaccard, simhash, simhash_similarity

S = EntryStatus
TITLE_DUPLICATE = Decimal("0.800")
SUMMARY_DUPLICATE = Decimal("0.900")
ENTRY_TEXT_FIELDS = ("title", "summary", "innovation", "market", "business_model", "team_description")
REQUIRED_ON_SUBMIT = {
    "title": "项目名称", "industry": "行业领域", "summary": "项目简介", "innovation": "技术与创新",
    "market": "市场前景", "business_model": "商业模式", "team_description": "团队情况",
}  # fmt: skip
MAX_LENGTHS = {"title": 200, "summary": 2000, "innovation": 5000, "market": 5000, "business_model": 5000,
               "team_description": 5000}  # fmt: skip


def _require(user, perm: str, obj) -> None:
    """Permission check; anything the user may not even see is reported as not found."""
    if user is None or not user.has_perm(perm, obj):
        if (
            obj is not None and not user.has_perm("registration.view_entry", obj)
            if isinstance(obj, Entry)
            else False
        ):
            from contest.core.errors import NotFound

            raise NotFound("未找到该项目。")
        raise PermissionDenied("您没有执行此操作的权限。")


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


def _text(
    data: dict, key: str, label: str, errors: dict, *, required: bool = True, max_length: int = 200
) -> str:
    value = str(data.get(key) or "").strip()
    if required and not value:
        errors[key] = f"请填写{label}。"
    elif len(value) > max_length:
        errors[key] = f"{label}不能超过 {max_length} 个字符（当前 {len(value)} 个）。"
    return value


def _field(errors: dict, key: str, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ValidationFailed as exc:
        errors[exc.field or key] = exc.message
        return None


def _parse_date(value, key: str, label: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ValidationFailed(f"{label}应为日期，格式 YYYY-MM-DD。", field=key) from exc


def _parse_int(value, key: str, label: str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise ValidationFailed(f"{label}应为整数。", field=key) from exc
    if number < 0:
        raise ValidationFailed(f"{label}不能为负数。", field=key)
    if number > 2_000_000_000:
        raise ValidationFailed(f"{label}数值过大。", field=key)
    return number


def _bool(value) -> bool:
    return value in (True, "true", "True", "on", "1", 1, "yes", "是")


def clean_enterprise(data: dict[str, Any], *, instance: Enterprise | None = None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {"name": _text(data, "name", "企业名称", errors)}
    code = _field(errors, "credit_code", v.normalize_credit_code, str(data.get("credit_code") or ""))
    if code:
        out["credit_code"] = code
        out["division_code"] = v.division_code_of(code)
        out["division"] = division_for_code(out["division_code"])
        if out["division"] is None:
            errors["credit_code"] = f"统一社会信用代码第 3–8 位“{out['division_code']}”不是已知的行政区划。"
        clash = Enterprise.objects.filter(credit_code=code).exclude(pk=getattr(instance, "pk", None)).exists()
        if clash:
            errors["credit_code"] = "该统一社会信用代码已由其他账号登记；如需找回账号请联系赛事组织方。"
    founded = _field(errors, "founded_on", _parse_date, data.get("founded_on"), "founded_on", "成立日期")
    if founded and founded > timezone.localdate():
        errors["founded_on"] = "成立日期不能晚于今天。"
    out["founded_on"] = founded
    for key, label in (("registered_capital", "注册资本"), ("revenue_last_year", "上年营业收入")):
        out[key] = _field(errors, key, v.non_negative_decimal, data.get(key, ""), field=key, label=label)
    out["employees"] = _field(
        errors, "employees", _parse_int, data.get("employees", ""), "employees", "从业人数"
    )
    out["is_listed"] = _bool(data.get("is_listed"))
    industry = str(data.get("industry") or "")
    if industry not in Industry.values:
        errors["industry"] = "请选择所属行业（国民经济行业分类门类）。"
    out["industry"] = industry
    sme = str(data.get("sme_status") or SmeStatus.NONE)
    if sme not in SmeStatus.values:
        errors["sme_status"] = "请选择专精特新情况。"
    out["sme_status"] = sme
    out["contact_name"] = _text(data, "contact_name", "联系人", errors, max_length=50)
    out["contact_phone"] = _field(errors, "contact_phone", v.normalize_mobile, str(data.get("contact_phone") or ""),
                                  field="contact_phone")  # fmt: skip
    out["division_confirmed"] = _bool(data.get("division_confirmed"))
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
        before = _snapshot(instance, cleaned) if instance else {}
        enterprise = instance or Enterprise(owner=by)
        for key, value in cleaned.items():
            setattr(enterprise, key, value)
        try:
            with transaction.atomic():
                enterprise.save()
        except IntegrityError as exc:
            raise FieldErrors({"credit_code": "该统一社会信用代码已由其他账号登记。"}) from exc
        after = _snapshot(enterprise, cleaned)
        audit.record(action=f"registration.enterprise.{'updated' if instance else 'created'}", obj=enterprise,
                     by=by, data={"changes": audit.diff(before, after)})  # fmt: skip
    return enterprise


def _snapshot(obj, keys) -> dict[str, Any]:
    out = {}
    for key in keys:
        value = getattr(obj, key)
        out[key] = value.pk if hasattr(value, "pk") else value
    return out


def save_team(*, by, data: dict[str, Any], members: list[dict[str, Any]]) -> MakerTeam:
    if by is None or not by.is_authenticated:
        raise PermissionDenied("请先登录。")
    errors: dict[str, str] = {}
    cleaned = {
        "name": _text(data, "name", "团队名称", errors),
        "leader_name": _text(data, "leader_name", "负责人", errors, max_length=50),
        "leader_phone": _field(errors, "leader_phone", v.normalize_mobile, str(data.get("leader_phone") or ""),
                               field="leader_phone"),
        "declares_not_enterprise": _bool(data.get("declares_not_enterprise")),
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
        phone = _field(errors, f"members-{i}-phone", v.normalize_mobile, str(member.get("phone") or ""),
                       field=f"members-{i}-phone")  # fmt: skip
        clean_members.append({"name": name, "role": str(member.get("role") or "").strip()[:50], "phone": phone,
                              "affiliation": str(member.get("affiliation") or "").strip()[:200]})  # fmt: skip
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


# -- entries -------------------------------------------------------------------------------


def window_for(event: Event) -> RegistrationWindow | None:
    return RegistrationWindow.objects.filter(event=event).first()


def ensure_open(event: Event, *, now=None) -> None:
    now = now or timezone.now()
    window = window_for(event)
    if window is None:
        raise Closed(f"“{event.name}”尚未公布报名时间。")
    if now < window.opens_at:
        raise Closed(
            f"“{event.name}”报名尚未开始（{timezone.localtime(window.opens_at):%Y-%m-%d %H:%M} 开始）。"
        )
    if now >= window.closes_at:
        raise Closed(f"“{event.name}”报名已于 {window.closes_on:%Y-%m-%d} 24:00 截止，不能再提交或修改。")


def _entrant_for(by, group: EditionGroup) -> tuple[Enterprise | None, MakerTeam | None]:
    if group.code == GroupKind.ENTERPRISE:
        enterprise = Enterprise.objects.filter(owner=by).first()
        if enterprise is None:
            raise ValidationFailed("请先填写企业信息，再报名企业组项目。", field="group")
        return enterprise, None
    team = MakerTeam.objects.filter(owner=by).first()
    if team is None:
        raise ValidationFailed("请先填写创客团队信息，再报名创客组项目。", field="group")
    return None, team


def clean_entry(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for key in ENTRY_TEXT_FIELDS:
        if key in data or not partial:
            out[key] = _text(data, key, REQUIRED_ON_SUBMIT[key], errors, required=key == "title",
                             max_length=MAX_LENGTHS[key])  # fmt: skip
    if "industry" in data or not partial:
        industry = str(data.get("industry") or "")
        if industry and industry not in Industry.values:
            errors["industry"] = "请选择行业领域。"
        out["industry"] = industry
    if "finances" in data:
        rows = []
        for i, row in enumerate(data.get("finances") or [], start=1):
            year = _field(
                errors, f"finances-{i}-year", _parse_int, row.get("year", ""), f"finances-{i}-year", "年份"
            )
            revenue = _field(errors, f"finances-{i}-revenue", v.non_negative_decimal, row.get("revenue", ""),
                             field=f"finances-{i}-revenue", label=f"{year or ''}年营业收入")  # fmt: skip
            profit = _finite_decimal(
                errors, f"finances-{i}-profit", row.get("profit", ""), f"{year or ''}年净利润"
            )
            rows.append({"year": year, "revenue": str(revenue) if revenue is not None else None,
                         "profit": str(profit) if profit is not None else None})  # fmt: skip
        out["finances"] = rows
    if "funding_sought" in data:
        raw = str(data.get("funding_sought") or "").strip()
        out["funding_sought"] = (
            _field(errors, "funding_sought", v.non_negative_decimal, raw, field="funding_sought", label="融资需求")
            if raw else None
        )  # fmt: skip
    if "ip_list" in data:
        items = []
        for item in data.get("ip_list") or []:
            name = str(item.get("name") or "").strip()
            if not name:
                continue
            items.append({"kind": str(item.get("kind") or "").strip()[:20], "name": name[:200],
                          "number": str(item.get("number") or "").strip()[:50]})  # fmt: skip
        out["ip_list"] = items
    if "pitch_video_url" in data:
        out["pitch_video_url"] = _field(
            errors, "pitch_video_url", v.check_video_url, data.get("pitch_video_url")
        )
    if errors:
        raise FieldErrors(errors)
    return out


def _finite_decimal(errors, key, value, label):
    from decimal import InvalidOperation

    try:
        amount = Decimal(str(value).strip().replace(",", ""))
        if not amount.is_finite():
            raise InvalidOperation
        return amount.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors[key] = f"{label}应为数字。"
        return None


def create_entry(*, by, event: Event, group_code: str, data: dict[str, Any]) -> Entry:
    """Start a draft in an event. The registration window must be open."""
    if by is None or not by.is_authenticated:
        raise PermissionDenied("请先登录。")
    if event.tier == Tier.NATIONAL_FINAL:
        raise ValidationFailed("全国总决赛不接受直接报名；项目由各赛事推荐晋级。", field="event")
    if event.registration_mode == RegistrationMode.EXTERNAL:
        urls = "、".join(event.registration_urls)
        raise ValidationFailed(f"“{event.name}”在外部报名网站报名：{urls}", field="event")
    group = EditionGroup.objects.filter(edition_id=event.edition_id, code=group_code).first()
    if group is None:
        raise ValidationFailed("请选择组别。", field="group")
    cleaned = clean_entry(data, partial=True)
    enterprise, team = _entrant_for(by, group)
    with transaction.atomic():
        ensure_open(event)
        owner_lock = (
            get_user_model().objects.select_for_update().get(pk=by.pk)
        )  # serialises one user's creates
        credit_code = enterprise.credit_code if enterprise else None
        clash = Entry.objects.filter(edition_id=event.edition_id, status__in=ACTIVE).filter(
            **({"credit_code": credit_code} if enterprise else {"team": team})
        ).select_related("event").first()  # fmt: skip
        if clash is not None:
            raise Conflict(
                f"本届每个企业（团队）只能报名一个项目，已在“{clash.event.name}”报名“{clash.title}”。"
            )
        entry = Entry(
            edition_id=event.edition_id, event=event, group=group, owner=owner_lock, enterprise=enterprise,
            team=team, credit_code=credit_code,
            division=enterprise.division if enterprise else team.division, **cleaned,
        )  # fmt: skip
        entry.industry = cleaned.get("industry") or (enterprise.industry if enterprise else "")
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError as exc:
            raise Conflict("本届每个企业（团队）只能报名一个项目。") from exc
        audit.record(action="registration.entry.created", obj=entry, by=by, scope=f"event:{event.pk}",
                     data={"title": entry.title, "group": group.code, "event": event.pk})  # fmt: skip
    return entry


def _locked(entry: Entry) -> Entry:
    return Entry.objects.select_for_update().select_related("event", "edition", "group").get(pk=entry.pk)


def update_entry(
    *,
    by,
    entry: Entry,
    data: dict[str, Any],
    business_plan: tuple[str, bytes] | None = None,
    images: list[tuple[str, bytes]] | None = None,
    expected_version: int | None = None,
) -> Entry:
    """The entrant edits a draft (or a returned entry) until the deadline."""
    cleaned = clean_entry(data, partial=True)
    plan = v.check_pdf(*business_plan) if business_plan else None
    checked_images = [v.check_image(name, blob) for name, blob in images or []]
    with transaction.atomic():
        entry = _locked(entry)
        _require(by, "registration.view_entry", entry)
        if entry.owner_id != by.pk:
            raise PermissionDenied("只有报名人可以修改项目。")
        if entry.status not in EDITABLE:
            raise Conflict(f"项目当前状态为“{entry.get_status_display()}”，不能修改。")
        ensure_open(entry.event)
        if expected_version is not None and expected_version != entry.version:
            raise Conflict("项目已在其他窗口中被修改，请刷新后再保存。")
        before = {k: getattr(entry, k) for k in cleaned}
        before_plan = entry.business_plan_sha256
        for key, value in cleaned.items():
            setattr(entry, key, value)
        if plan is not None:
            entry.business_plan_sha256 = plan.sha256
            entry.business_plan_name = plan.name
            entry.business_plan_pages = plan.pages
            entry.business_plan_size = len(plan.data)
            entry.business_plan.save(plan.name, ContentFile(plan.data), save=False)
        for image in checked_images:
            ext = next(e for m, e in v.IMAGE_MAGIC.items() if image.data.startswith(m))
            img = EntryImage(entry=entry, name=image.name, sha256=image.sha256, extension=ext,
                             order=entry.images.count())  # fmt: skip
            img.file.save(image.name, ContentFile(image.data), save=True)
        if "summary" in cleaned:
            entry.summary_simhash = simhash(entry.summary)
        entry.version += 1
        entry.save()
        changes = audit.diff(before, {k: getattr(entry, k) for k in cleaned})
        if plan is not None and plan.sha256 != before_plan:
            changes["business_plan_sha256"] = {"before": before_plan, "after": plan.sha256}
        audit.record(action="registration.entry.updated", obj=entry, by=by, scope=f"event:{entry.event_id}",
                     data={"changes": changes, "images_added": [i.sha256 for i in checked_images]})  # fmt: skip
    return entry


def remove_image(*, by, image: EntryImage) -> None:
    with transaction.atomic():
        entry = _locked(image.entry)
        if entry.owner_id != by.pk or entry.status not in EDITABLE:
            raise PermissionDenied("不能删除此图片。")
        ensure_open(entry.event)
        sha = image.sha256
        image.delete()
        audit.record(action="registration.entry.image_removed", obj=entry, by=by, data={"sha256": sha})


# -- eligibility ------------------------------------------------------------------------------


def eligibility_failures(entry: Entry) -> list[str]:
    """Reasons the entrant does not meet the edition's rules for the entry's group."""
    failures = []
    rules = EligibilityRule.objects.filter(
        edition_id=entry.edition_id, group_code=entry.group.code, is_active=True
    )
    enterprise, team = entry.enterprise, entry.team
    for rule in rules:
        ok = True
        if rule.kind == RuleKind.NOT_LISTED and enterprise:
            ok = not enterprise.is_listed
        elif rule.kind == RuleKind.FOUNDED_ON_OR_AFTER and enterprise:
            ok = enterprise.founded_on >= date.fromisoformat(rule.value)
        elif rule.kind == RuleKind.REVENUE_AT_MOST and enterprise:
            ok = enterprise.revenue_last_year <= Decimal(rule.value)
        elif rule.kind == RuleKind.EMPLOYEES_AT_MOST and enterprise:
            ok = enterprise.employees <= int(rule.value)
        elif rule.kind == RuleKind.NOT_AN_ENTERPRISE and team:
            ok = team.declares_not_enterprise
        elif rule.kind == RuleKind.MIN_MEMBERS and team:
            ok = 1 + team.members.count() >= int(rule.value)  # the leader and the listed members
        if not ok:
            failures.append(rule.message or _default_rule_message(rule))
    return failures


def _default_rule_message(rule: EligibilityRule) -> str:
    return {
        RuleKind.NOT_LISTED: "上市企业不能报名。",
        RuleKind.FOUNDED_ON_OR_AFTER: f"企业须在 {rule.value} 及以后成立。",
        RuleKind.REVENUE_AT_MOST: f"上年营业收入须不超过 {rule.value} 万元。",
        RuleKind.EMPLOYEES_AT_MOST: f"从业人数须不超过 {rule.value} 人。",
        RuleKind.NOT_AN_ENTERPRISE: "创客组团队须未注册企业，且不是企业内部项目。",
        RuleKind.MIN_MEMBERS: f"团队核心成员（含负责人）须不少于 {rule.value} 人。",
    }[rule.kind]


# -- the lifecycle ----------------------------------------------------------------------------


def _transition(entry: Entry, to: str, *, by, reason: str = "", override: bool = False) -> None:
    """The one writer of Entry.status: checks the table, records history and audit."""
    table = OVERRIDES if override else TRANSITIONS
    if to not in table.get(entry.status, frozenset()):
        raise Conflict(f"项目当前状态为“{entry.get_status_display()}”，不能变为“{S(to).label}”。")
    before = entry.status
    entry.status = to
    entry.save(update_fields=["status", "organizer_comment", "updated_at", "number", "submitted_at",
                              "content_sha256", "version"])  # fmt: skip
    at = timezone.now()
    EntryTransition.objects.create(entry=entry, from_status=before, to_status=to, actor=by, reason=reason,
                                   is_override=override, at=at)  # fmt: skip
    audit.record(action=f"registration.entry.{to}", obj=entry, by=by, scope=f"event:{entry.event_id}",
                 data={"before": before, "after": to, "reason": reason, "override": override})  # fmt: skip


def manifest_for(entry: Entry) -> dict[str, Any]:
    """What a receipt certifies: the content fields and the SHA-256 of every file."""
    return {
        "entry": entry.pk,
        "event": entry.event_id,
        "group": entry.group.code,
        "entrant": entry.credit_code or f"team:{entry.team_id}",
        **{k: getattr(entry, k) for k in (*ENTRY_TEXT_FIELDS, "industry", "pitch_video_url")},
        "finances": entry.finances,
        "funding_sought": str(entry.funding_sought) if entry.funding_sought is not None else None,
        "ip_list": entry.ip_list,
        "files": [
            {
                "role": "business_plan",
                "name": entry.business_plan_name,
                "sha256": entry.business_plan_sha256,
                "pages": entry.business_plan_pages,
            }
        ]
        + [{"role": "image", "name": i.name, "sha256": i.sha256} for i in entry.images.all()],
    }


def submit_entry(*, by, entry: Entry) -> Submission:
    """Submit (or resubmit a returned entry): complete, eligible, before the deadline."""
    with transaction.atomic():
        entry = _locked(entry)
        _require(by, "registration.view_entry", entry)
        if entry.owner_id != by.pk:
            raise PermissionDenied("只有报名人可以提交项目。")
        if entry.status in AWAITING_REVIEW or entry.status == S.QUALIFIED:
            raise Conflict("项目已提交，无需重复提交。")
        # One instant decides and is recorded: a submission checked as open at 23:59:59.999 is
        # stamped 23:59:59.999, never later (taken after the row lock, so waiting counts).
        now = timezone.now()
        ensure_open(entry.event, now=now)
        missing = {
            k: f"提交前请填写{label}。" for k, label in REQUIRED_ON_SUBMIT.items() if not getattr(entry, k)
        }
        if not entry.business_plan_sha256 and entry.source == "online":
            missing["business_plan"] = "提交前请上传商业计划书（PDF）。"
        if len([r for r in entry.finances if r.get("year")]) < 3:
            missing["finances"] = "请填写近三年的营业收入与净利润（未满三年的年份填 0）。"
        if missing:
            raise FieldErrors(missing)
        failures = eligibility_failures(entry)
        if failures:
            raise ValidationFailed(
                "不符合参赛条件：" + "；".join(failures), errors=failures, field="eligibility"
            )
        to = S.SUBMITTED if entry.status == S.DRAFT else S.RESUBMITTED
        if not entry.number:
            entry.number = (
                f"CK{entry.edition.number}-{entry.event.tier[0].upper()}{entry.event.seq:02d}-{entry.pk:06d}"
            )
        entry.submitted_at = now
        manifest = manifest_for(entry)
        digest = hashlib.sha256(audit.canonical_json(audit.jsonable(manifest)).encode("utf-8")).hexdigest()
        entry.content_sha256 = digest
        _transition(entry, to, by=by)
        count = entry.submissions.count() + 1
        submission = Submission.objects.create(entry=entry, number=f"{entry.number}-{count}", submitted_at=now,
                                               sha256=digest, manifest=audit.jsonable(manifest))  # fmt: skip
        _notify(entry, "submitted", extra=f"回执编号：{submission.number}\n内容哈希（SHA-256）：{digest}")
        entry_id = entry.pk
        transaction.on_commit(lambda: _enqueue_duplicates(entry_id))
    return submission


def return_entry(*, by, entry: Entry, comment: str) -> Entry:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed("退回修改时请写明需要修改的内容。", field="comment")
    return _decide(by=by, entry=entry, to=S.RETURNED, reason=comment, comment=comment)


def qualify_entry(*, by, entry: Entry, reason: str = "") -> Entry:
    return _decide(by=by, entry=entry, to=S.QUALIFIED, reason=reason)


def disqualify_entry(*, by, entry: Entry, reason: str) -> Entry:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("资格审查不通过时请写明原因。", field="reason")
    return _decide(by=by, entry=entry, to=S.DISQUALIFIED, reason=reason, comment=reason)


def _decide(*, by, entry: Entry, to: str, reason: str, comment: str | None = None) -> Entry:
    with transaction.atomic():
        entry = _locked(entry)
        _require(by, "registration.review_entry", entry)
        if comment is not None:
            entry.organizer_comment = comment
        _transition(entry, to, by=by, reason=reason)
        _notify(entry, to, extra=reason)
    return entry


def withdraw_entry(*, by, entry: Entry, reason: str = "") -> Entry:
    """The entrant withdraws, before the qualification decision."""
    with transaction.atomic():
        entry = _locked(entry)
        _require(by, "registration.view_entry", entry)
        if entry.owner_id != by.pk:
            raise PermissionDenied("只有报名人可以撤回项目。")
        _transition(entry, S.WITHDRAWN, by=by, reason=reason)
    return entry


def reopen_entry(*, by, entry: Entry, reason: str) -> Entry:
    """Organizer override: send a decided entry back to review. Demands a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("撤销审查结论须写明理由。", field="reason")
    with transaction.atomic():
        entry = _locked(entry)
        _require(by, "registration.override_entry", entry)
        _transition(entry, S.SUBMITTED, by=by, reason=reason, override=True)
    return entry


@dataclass
class BulkResult:
    done: list[int]
    failed: dict[int, str]


def bulk_review(*, by, entries: list[Entry], action: str, reason: str = "") -> BulkResult:
    """Qualify, return or disqualify several entries; each independently, failures reported."""
    services = {"qualify": qualify_entry, "return": return_entry, "disqualify": disqualify_entry}
    if action not in services:
        raise ValidationFailed("未知的批量操作。", field="action")
    result = BulkResult(done=[], failed={})
    for entry in entries:
        try:
            if action == "return":
                return_entry(by=by, entry=entry, comment=reason)
            elif action == "disqualify":
                disqualify_entry(by=by, entry=entry, reason=reason)
            else:
                qualify_entry(by=by, entry=entry, reason=reason)
            result.done.append(entry.pk)
        except ContestError as exc:
            result.failed[entry.pk] = exc.message
    return result


# -- notifications and duplicates -----------------------------------------------------------

SUBJECTS = {
    "submitted": "【创客中国】报名已提交：{title}",
    S.RETURNED: "【创客中国】报名被退回修改：{title}",
    S.QUALIFIED: "【创客中国】资格审查通过：{title}",
    S.DISQUALIFIED: "【创客中国】资格审查未通过：{title}",
}


def _notify(entry: Entry, what: str, *, extra: str = "") -> None:
    email = entry.owner.email
    if not email or what not in SUBJECTS:
        return
    subject = SUBJECTS[what].format(title=entry.title)
    body = (f"您好，\n\n您在“{entry.event.name}”报名的项目“{entry.title}”（{entry.number or '未编号'}）"
            f"状态为：{entry.get_status_display()}。\n{extra}\n\n“创客中国”大赛平台")  # fmt: skip
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=True)
    )


def _enqueue_duplicates(entry_id: int) -> None:
    from contest.registration.tasks import flag_duplicates

    flag_duplicates.enqueue(entry_id)


def find_duplicates(entry: Entry) -> list[tuple[int, str, Decimal]]:
    """Other active entries of the edition, in other events, whose title or summary is close."""
    mine_title = bigrams(entry.title)
    mine_hash = entry.summary_simhash if entry.summary_simhash is not None else simhash(entry.summary)
    found = []
    others = (
        Entry.objects.filter(edition_id=entry.edition_id, status__in=ACTIVE - {S.DRAFT})
        .exclude(pk=entry.pk)
        .exclude(event_id=entry.event_id, owner_id=entry.owner_id)
        .values_list("pk", "title", "summary_simhash")
        .iterator(chunk_size=5000)
    )
    for pk, title, other_hash in others:
        score = jaccard(mine_title, bigrams(title))
        if score >= TITLE_DUPLICATE:
            found.append((pk, "title", score))
        if mine_hash is not None and other_hash is not None:
            s = simhash_similarity(mine_hash, other_hash)
            if s >= SUMMARY_DUPLICATE:
                found.append((pk, "summary", s))
    return found


def record_duplicates(entry_id: int) -> int:
    entry = Entry.objects.select_related("event").get(pk=entry_id)
    found = find_duplicates(entry)
    with transaction.atomic():
        flags = []
        for other, field, score in found:
            flags.append(DuplicateFlag(entry_id=entry.pk, other_id=other, field=field, score=score))
            flags.append(DuplicateFlag(entry_id=other, other_id=entry.pk, field=field, score=score))
        DuplicateFlag.objects.bulk_create(flags, ignore_conflicts=True)
        if found:
            audit.record(action="registration.entry.duplicates_flagged", obj=entry,
                         data={"matches": [[o, f, str(s)] for o, f, s in found]})  # fmt: skip
    return len(found)


# -- registration windows and rules (secretariat / organizer) -----------------------------------


def set_registration_window(*, by, event: Event, opens_at, closes_on: date) -> RegistrationWindow:
    if by is None or not by.has_perm("registration.manage_event_entries", event):
        raise PermissionDenied("您没有管理该赛事的权限。")
    if timezone.localtime(opens_at).date() > closes_on:
        raise ValidationFailed("报名截止日不能早于开始日期。", field="closes_on")
    with transaction.atomic():
        window, created = RegistrationWindow.objects.select_for_update().get_or_create(
            event=event, defaults={"opens_at": opens_at, "closes_on": closes_on}
        )
        before = {"opens_at": window.opens_at, "closes_on": window.closes_on}
        window.opens_at, window.closes_on = opens_at, closes_on
        window.save()
        audit.record(
            action="registration.window.set",
            obj=window,
            by=by,
            scope=f"event:{event.pk}",
            data={
                "before": {} if created else before,
                "after": {"opens_at": opens_at, "closes_on": closes_on},
            },
        )
    return window


def dump(obj) -> str:
    return json.dumps(audit.jsonable(obj), ensure_ascii=False)


# -- batch import of offline registrations (企业组) ------------------------------------------------
#
# Rows come from ``registration.importer`` (an .xlsx or .csv file) or any other caller, as dicts
# keyed by the field names below plus ``row`` (the row number in the file). Every row is checked
# first (errors name row and column); nothing is written unless all rows pass, then everything
# is written in one transaction. Idempotent on credit code + project title.


@dataclass(frozen=True)
class ImportColumn:
    field: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()


ENTRY_IMPORT_COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("name", "企业名称", True),
    ImportColumn("credit_code", "统一社会信用代码", True),
    ImportColumn("founded_on", "成立日期", True),
    ImportColumn("registered_capital", "注册资本（万元）", True, ("注册资本",)),
    ImportColumn("employees", "从业人数", True),
    ImportColumn("revenue_last_year", "上年营业收入（万元）", True, ("上年营业收入",)),
    ImportColumn("is_listed", "是否上市"),
    ImportColumn("industry", "所属行业", True),
    ImportColumn("sme_status", "专精特新情况"),
    ImportColumn("contact_name", "联系人", True),
    ImportColumn("contact_phone", "联系人手机", True),
    ImportColumn("title", "项目名称", True),
    ImportColumn("summary", "项目简介", True),
    ImportColumn("entry_industry", "行业领域"),
    ImportColumn("innovation", "技术与创新"),
    ImportColumn("market", "市场前景"),
    ImportColumn("business_model", "商业模式"),
    ImportColumn("team_description", "团队情况"),
    ImportColumn("funding_sought", "融资需求（万元）", aliases=("融资需求",)),
    ImportColumn("ip_list", "知识产权"),
    ImportColumn("pitch_video_url", "路演视频链接"),
)
IMPORT_HEADERS = {c.field: c.header for c in ENTRY_IMPORT_COLUMNS}
IMPORT_ROW_LIMIT = 5000
PLACEHOLDER_PREFIX = "import-"
ELIGIBILITY_COLUMN = "参赛条件"
_ENTERPRISE_FIELDS = (
    "name",
    "credit_code",
    "founded_on",
    "registered_capital",
    "employees",
    "revenue_last_year",
    "is_listed",
    "industry",
    "sme_status",
    "contact_name",
    "contact_phone",
)
_ENTRY_FIELDS = (
    "title",
    "summary",
    "innovation",
    "market",
    "business_model",
    "team_description",
    "funding_sought",
    "ip_list",
    "pitch_video_url",
)
_DECIDED = frozenset({S.QUALIFIED, S.DISQUALIFIED})


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行“{self.column}”：{self.message}"


@dataclass
class ImportedRow:
    row: int
    credit_code: str
    name: str
    title: str
    action: str = ""  # created | updated | unchanged; empty when the row has errors
    errors: list[RowError] | None = None
    changes: dict[str, Any] | None = None
    entry: Entry | None = None
    enterprise: Enterprise | None = None
    enterprise_data: dict[str, Any] | None = None
    entry_data: dict[str, Any] | None = None


@dataclass
class EntryImportReport:
    event: Event
    rows: list[ImportedRow]
    dry_run: bool

    @property
    def errors(self) -> list[RowError]:
        return [e for r in self.rows for e in (r.errors or [])]

    def with_action(self, action: str) -> list[ImportedRow]:
        return [r for r in self.rows if r.action == action]

    def lines(self) -> list[str]:
        if self.errors:
            return [f"{len(self.errors)} 处错误，未导入任何数据：", *(str(e) for e in self.errors)]
        verb = "将" if self.dry_run else "已"
        lines = [
            f"“{self.event.name}”：{verb}新增 {len(self.with_action('created'))} 个项目，"
            f"更新 {len(self.with_action('updated'))} 个，无变化 {len(self.with_action('unchanged'))} 个。"
        ]
        marks = {"created": "+ 新增", "updated": "~ 更新", "unchanged": "= 无变化"}
        lines += [f"{marks[r.action]} 第 {r.row} 行 {r.credit_code} {r.name}：{r.title}" for r in self.rows]
        return lines


class ImportRefused(ValidationFailed):
    """At least one row is wrong; ``report`` lists every error. Nothing was written."""

    def __init__(self, report: EntryImportReport):
        self.report = report
        errors = [str(e) for e in report.errors]
        super().__init__(f"{len(errors)} 处错误，未导入任何数据。", errors=errors, field="file")


def _cell(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def industry_from_cell(value: str) -> str | None:
    """A GB/T 4754 section from its letter (“C”), full label (“C 制造业”) or name (“制造业”)."""
    text = (value or "").strip()
    if text.upper() in Industry.values:
        return text.upper()
    for choice in Industry:
        label = str(choice.label)
        if text in (label, label[2:]):
            return choice.value
    return None


def _sme_from_cell(value: str) -> str | None:
    text = (value or "").strip()
    if not text or text in ("无", "否"):
        return SmeStatus.NONE
    for choice in SmeStatus:
        if text in (choice.value, str(choice.label)):
            return choice.value
    return None


def _bool_from_cell(value) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in ("", "否", "n", "no", "false", "0", "非上市"):
        return False
    if text in ("是", "y", "yes", "true", "1", "已上市", "上市"):
        return True
    return None


def _ip_from_cell(value: str) -> list[dict[str, str]]:
    parts = [p.strip() for p in str(value or "").replace(";", "；").replace("\n", "；").split("；")]
    return [{"kind": "", "name": p, "number": ""} for p in parts if p]


def _is_placeholder(user) -> bool:
    return user.username.startswith(PLACEHOLDER_PREFIX) and not user.is_active


def _clean_import_row(
    row: dict[str, Any], *, existing: Enterprise | None, group: EditionGroup, event: Event
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, list[tuple[str, str]]]:
    """(enterprise data, entry data, [(field, message)]) for one row, reusing the profile and
    entry cleaners; messages are the same ones entrants see online."""
    problems: dict[str, str] = {}
    listed = _bool_from_cell(row.get("is_listed"))
    if listed is None:
        problems["is_listed"] = "应填“是”或“否”。"
    industry = industry_from_cell(_cell(row, "industry"))
    sme = _sme_from_cell(_cell(row, "sme_status"))
    if sme is None:
        problems["sme_status"] = "应为“无”“创新型中小企业”“专精特新中小企业”或“专精特新“小巨人”企业”。"
    data = {key: row.get(key) for key in _ENTERPRISE_FIELDS}
    data.update(
        {
            "is_listed": bool(listed),
            "industry": industry or "",
            "sme_status": sme or SmeStatus.NONE,
            "division_confirmed": True,
        }
    )
    enterprise_data = None
    try:
        enterprise_data = clean_enterprise(data, instance=existing)
    except FieldErrors as exc:
        for key, message in exc.fields.items():
            problems.setdefault(key, message)
    if industry is None:
        problems["industry"] = "应为国民经济行业分类门类的字母（A–T）或名称，如“C”或“制造业”。"

    entry_industry = _cell(row, "entry_industry")
    entry_industry_code = industry_from_cell(entry_industry) if entry_industry else industry
    if entry_industry and entry_industry_code is None:
        problems["entry_industry"] = (
            "应为国民经济行业分类门类的字母（A–T）或名称，如“I”或“软件和信息技术服务业”。"
        )
    entry_input: dict[str, Any] = {key: _cell(row, key) for key in _ENTRY_FIELDS}
    entry_input["ip_list"] = _ip_from_cell(row.get("ip_list"))
    entry_data = None
    try:
        entry_data = clean_entry(entry_input, partial=True)
    except FieldErrors as exc:
        for key, message in exc.fields.items():
            problems.setdefault(key, message)
    if not entry_input["summary"]:
        problems.setdefault("summary", "请填写项目简介。")
    if entry_data is not None:
        entry_data["industry"] = entry_industry_code or ""

    if enterprise_data is not None and entry_data is not None and "industry" not in problems:
        profile = existing if existing is not None and not _is_placeholder(existing.owner) else None
        candidate = Entry(
            edition_id=event.edition_id,
            event=event,
            group=group,
            enterprise=profile or Enterprise(**enterprise_data),
        )
        failures = eligibility_failures(candidate)
        if failures:
            problems[ELIGIBILITY_COLUMN] = "不符合参赛条件：" + "；".join(failures)
    ordered = sorted(problems.items(), key=lambda kv: _column_order(kv[0]))
    return enterprise_data, entry_data, ordered


def _column_order(field_name: str) -> int:
    fields = [c.field for c in ENTRY_IMPORT_COLUMNS]
    return fields.index(field_name) if field_name in fields else len(fields)


def _column_label(field_name: str) -> str:
    return IMPORT_HEADERS.get(field_name, field_name)


def _entry_snapshot(entry: Entry, keys) -> dict[str, Any]:
    return {key: getattr(entry, key) for key in keys}


def _plan_import(*, event: Event, group: EditionGroup, rows: list[dict[str, Any]]) -> list[ImportedRow]:
    codes = set()
    for row in rows:
        try:
            codes.add(v.normalize_credit_code(_cell(row, "credit_code")))
        except ValidationFailed:
            continue
    enterprises = {
        e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes).select_related("owner")
    }
    active = {
        e.credit_code: e
        for e in Entry.objects.filter(edition_id=event.edition_id, credit_code__in=codes, status__in=ACTIVE)
        .select_related("event")
        .order_by("pk")
    }
    seen: dict[str, int] = {}
    planned: list[ImportedRow] = []
    for row in rows:
        number = int(row.get("row") or len(planned) + 2)
        raw_code = _cell(row, "credit_code").replace(" ", "").upper()
        existing = enterprises.get(raw_code)
        enterprise_data, entry_data, problems = _clean_import_row(
            row, existing=existing, group=group, event=event
        )
        item = ImportedRow(
            row=number,
            credit_code=raw_code,
            name=_cell(row, "name"),
            title=_cell(row, "title"),
            enterprise=existing,
            enterprise_data=enterprise_data,
            entry_data=entry_data,
        )
        errors = [RowError(number, _column_label(key), message) for key, message in problems]
        code = enterprise_data["credit_code"] if enterprise_data else None
        if code:
            item.credit_code = code
            if code in seen:
                errors.append(
                    RowError(
                        number,
                        IMPORT_HEADERS["credit_code"],
                        f"与第 {seen[code]} 行的统一社会信用代码重复；每个企业本届只能报名一个项目。",
                    )
                )
            seen.setdefault(code, number)
            if existing is not None and not _is_placeholder(existing.owner) and existing.name != item.name:
                errors.append(
                    RowError(
                        number,
                        IMPORT_HEADERS["name"],
                        f"该统一社会信用代码已登记为“{existing.name}”，与本行企业名称不符。",
                    )
                )
        current = active.get(code) if code else None
        if current is not None and entry_data is not None and not errors:
            errors += _check_existing(number, current, item, event)
        if not errors:
            item.action = _action_for(item, current, existing)
            if item.action == "unchanged" or item.action == "updated":
                item.entry = current
            if current is not None and current.status in _DECIDED and item.action == "updated":
                errors.append(
                    RowError(
                        number,
                        IMPORT_HEADERS["title"],
                        f"该项目资格审查已有结论（{current.get_status_display()}），不能通过导入修改。",
                    )
                )
                item.action = ""
        item.errors = errors
        planned.append(item)
    return planned


def _check_existing(number: int, current: Entry, item: ImportedRow, event: Event) -> list[RowError]:
    header = IMPORT_HEADERS["title"]
    if current.title != item.entry_data["title"]:
        return [
            RowError(
                number,
                header,
                f"该企业本届已在“{current.event.name}”报名项目“{current.title}”，每个企业只能报名一个项目。",
            )
        ]
    if current.event_id != event.pk:
        return [RowError(number, header, f"该企业已在“{current.event.name}”报名此项目。")]
    if current.source != "import":
        return [RowError(number, header, "该企业已在本平台在线报名此项目，导入不能覆盖在线报名。")]
    return []


def _action_for(item: ImportedRow, current: Entry | None, existing: Enterprise | None) -> str:
    if current is None:
        return "created"
    changes = audit.diff(_entry_snapshot(current, item.entry_data), item.entry_data)
    if existing is not None and _is_placeholder(existing.owner):
        profile = {k: v for k, v in item.enterprise_data.items() if k != "division_confirmed"}
        changes.update(
            {f"enterprise.{k}": d for k, d in audit.diff(_snapshot(existing, profile), profile).items()}
        )
    item.changes = changes
    return "updated" if changes else "unchanged"


def import_entries(
    *,
    by,
    event: Event,
    rows: list[dict[str, Any]],
    dry_run: bool = False,
    source_name: str = "",
    source_sha256: str = "",
) -> EntryImportReport:
    """Import offline registrations of the enterprise group into ``event``.

    ``by`` None is the server's operator (the management command). The registration window
    must be open. Each new entry is submitted with a receipt (source “import”); an enterprise
    without an account gets an inactive placeholder user ``import-<credit code>`` that its
    owner can claim later. Re-importing the same credit code + title updates that entry (a
    returned one is resubmitted); a different project for the same credit code is an error.
    Raises ``ImportRefused`` (nothing written) when any row is wrong and ``dry_run`` is False.
    """
    if by is not None and not by.has_perm("registration.manage_event_entries", event):
        raise PermissionDenied("您没有管理该赛事的权限。")
    if event.tier == Tier.NATIONAL_FINAL:
        raise ValidationFailed("全国总决赛不接受报名，不能导入。", field="event")
    group = EditionGroup.objects.filter(edition_id=event.edition_id, code=GroupKind.ENTERPRISE).first()
    if group is None:
        raise ValidationFailed("本届没有企业组，不能导入企业报名。", field="event")
    if not rows:
        raise ValidationFailed("文件中没有数据行。", field="file")
    if len(rows) > IMPORT_ROW_LIMIT:
        raise ValidationFailed(
            f"一次最多导入 {IMPORT_ROW_LIMIT} 行，当前 {len(rows)} 行；请分批导入。", field="file"
        )
    ensure_open(event)
    if dry_run:
        planned = _plan_import(event=event, group=group, rows=rows)
        return EntryImportReport(event=event, rows=planned, dry_run=True)
    with transaction.atomic():
        Event.objects.select_for_update().filter(pk=event.pk).first()  # one import per event at a time
        ensure_open(event)
        report = EntryImportReport(
            event=event, rows=_plan_import(event=event, group=group, rows=rows), dry_run=False
        )
        if report.errors:
            raise ImportRefused(report)
        for item in report.rows:
            if item.action == "created":
                item.entry = _create_imported(item, by=by, event=event, group=group)
            elif item.action == "updated":
                item.entry = _update_imported(item, by=by)
        audit.record(
            action="registration.import.completed",
            obj=event,
            by=by,
            scope=f"event:{event.pk}",
            data={
                "source": source_name,
                "sha256": source_sha256,
                "rows": len(report.rows),
                "created": [r.entry.pk for r in report.with_action("created")],
                "updated": [r.entry.pk for r in report.with_action("updated")],
                "unchanged": [r.entry.pk for r in report.with_action("unchanged")],
            },
        )
        changed = [r.entry.pk for r in report.rows if r.action in ("created", "updated")]
        transaction.on_commit(lambda: [_enqueue_duplicates(pk) for pk in changed])
    return report


def _placeholder_owner(credit_code: str, name: str):
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    owner = user_model.objects.filter(username=f"{PLACEHOLDER_PREFIX}{credit_code}").first()
    if owner is None:
        owner = user_model(
            username=f"{PLACEHOLDER_PREFIX}{credit_code}", display_name=name[:100], is_active=False
        )
        owner.set_unusable_password()
        owner.save()
    return owner


def _save_imported_enterprise(item: ImportedRow, *, by) -> Enterprise:
    profile = dict(item.enterprise_data)
    enterprise = item.enterprise
    if enterprise is not None and not _is_placeholder(enterprise.owner):
        return enterprise  # the entrant's own profile is theirs to edit
    created = enterprise is None
    before = {} if created else _snapshot(enterprise, profile)
    if created:
        enterprise = Enterprise(owner=_placeholder_owner(profile["credit_code"], profile["name"]))
    for key, value in profile.items():
        setattr(enterprise, key, value)
    enterprise.save()
    changes = audit.diff(before, _snapshot(enterprise, profile))
    if created or changes:
        audit.record(
            action=f"registration.enterprise.{'created' if created else 'updated'}",
            obj=enterprise,
            by=by,
            data={"changes": changes, "source": "import"},
        )
    return enterprise


def _receipt(entry: Entry, *, by, to: str, reason: str) -> Submission:
    """Number, hash and receipt for an imported entry; the status moves through ``_transition``."""
    now = timezone.now()
    if not entry.number:
        event = entry.event
        entry.number = f"CK{entry.edition.number}-{event.tier[0].upper()}{event.seq:02d}-{entry.pk:06d}"
    entry.submitted_at = now
    manifest = {**manifest_for(entry), "source": "import"}
    digest = hashlib.sha256(audit.canonical_json(audit.jsonable(manifest)).encode("utf-8")).hexdigest()
    entry.content_sha256 = digest
    if to != entry.status:
        _transition(entry, to, by=by, reason=reason)
    else:
        entry.save(update_fields=["number", "submitted_at", "content_sha256", "updated_at"])
    count = entry.submissions.count() + 1
    return Submission.objects.create(
        entry=entry,
        number=f"{entry.number}-{count}",
        submitted_at=now,
        sha256=digest,
        manifest=audit.jsonable(manifest),
    )


def _create_imported(item: ImportedRow, *, by, event: Event, group: EditionGroup) -> Entry:
    enterprise = _save_imported_enterprise(item, by=by)
    entry = Entry(
        edition_id=event.edition_id,
        event=event,
        group=group,
        owner=enterprise.owner,
        enterprise=enterprise,
        credit_code=enterprise.credit_code,
        division=enterprise.division,
        source="import",
        **item.entry_data,
    )
    entry.summary_simhash = simhash(entry.summary)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:
        raise Conflict(
            f"第 {item.row} 行：该企业本届已报名一个项目（可能刚刚在线报名），请重新预览。"
        ) from exc
    entry = _locked(entry)
    audit.record(
        action="registration.entry.created",
        obj=entry,
        by=by,
        scope=f"event:{event.pk}",
        data={
            "title": entry.title,
            "group": group.code,
            "event": event.pk,
            "source": "import",
            "row": item.row,
        },
    )
    submission = _receipt(entry, by=by, to=S.SUBMITTED, reason="批量导入线下报名")
    extra = f"回执编号：{submission.number}\n内容哈希（SHA-256）：{submission.sha256}"
    _notify(entry, "submitted", extra=extra)
    return entry


def _update_imported(item: ImportedRow, *, by) -> Entry:
    _save_imported_enterprise(item, by=by)
    entry = _locked(item.entry)
    before = _entry_snapshot(entry, item.entry_data)
    for key, value in item.entry_data.items():
        setattr(entry, key, value)
    entry.summary_simhash = simhash(entry.summary)
    entry.version += 1
    entry.save()
    audit.record(
        action="registration.entry.updated",
        obj=entry,
        by=by,
        scope=f"event:{entry.event_id}",
        data={"changes": audit.diff(before, item.entry_data), "source": "import", "row": item.row},
    )
    to = S.RESUBMITTED if entry.status == S.RETURNED else entry.status
    _receipt(entry, by=by, to=to, reason="批量导入更新")
    return entry


# -- eligibility rules (the secretariat, through the admin) ------------------------------------------


def clean_eligibility_rule(*, edition_id: int, group_code: str, kind: str, value: str) -> str:
    """The rule's parameter in canonical form, or FieldErrors naming what is wrong."""
    errors: dict[str, str] = {}
    codes = set(EditionGroup.objects.filter(edition_id=edition_id).values_list("code", flat=True))
    if group_code not in codes:
        errors["group_code"] = f"本届没有组别代码“{group_code}”；可选：{'、'.join(sorted(codes)) or '无'}。"
    text = (value or "").strip()
    if kind in (RuleKind.NOT_LISTED, RuleKind.NOT_AN_ENTERPRISE):
        text = ""
    elif kind == RuleKind.FOUNDED_ON_OR_AFTER:
        try:
            text = _parse_date(text, "value", "参数").isoformat()
        except ValidationFailed as exc:
            errors["value"] = exc.message
    elif kind == RuleKind.REVENUE_AT_MOST:
        amount = _field(errors, "value", v.non_negative_decimal, text, field="value", label="参数（万元）")
        text = str(amount) if amount is not None else text
    elif kind in (RuleKind.EMPLOYEES_AT_MOST, RuleKind.MIN_MEMBERS):
        number = _field(errors, "value", _parse_int, text, "value", "参数（人数）")
        text = str(number) if number is not None else text
    else:
        errors["kind"] = "未知的规则。"
    if errors:
        raise FieldErrors(errors)
    return text


def save_eligibility_rule(
    *, by, rule: EligibilityRule, changed: dict[str, Any] | None = None
) -> EligibilityRule:
    """The secretariat of the rule's edition adds or edits an eligibility rule; audited."""
    from contest.accounts.rules import is_secretariat_for_edition

    if by is None or not is_secretariat_for_edition(by, rule.edition_id):
        raise PermissionDenied("只有本届大赛秘书处可以修改参赛条件。")
    rule.value = clean_eligibility_rule(
        edition_id=rule.edition_id, group_code=rule.group_code, kind=rule.kind, value=rule.value
    )
    created = rule.pk is None
    with transaction.atomic():
        try:
            with transaction.atomic():
                rule.save()
        except IntegrityError as exc:
            raise Conflict("本届该组别已有同类规则，请修改原规则。") from exc
        audit.record(
            action=f"registration.eligibility_rule.{'created' if created else 'updated'}",
            obj=rule,
            by=by,
            scope=f"edition:{rule.edition_id}",
            data={"group": rule.group_code, "kind": rule.kind, "value": rule.value, "active": rule.is_active,
                  "changes": changed or {}},
        )  # fmt: skip
    return rule


def delete_eligibility_rule(*, by, rule: EligibilityRule) -> None:
    from contest.accounts.rules import is_secretariat_for_edition

    if by is None or not is_secretariat_for_edition(by, rule.edition_id):
        raise PermissionDenied("只有本届大赛秘书处可以修改参赛条件。")
    with transaction.atomic():
        data = {"group": rule.group_code, "kind": rule.kind, "value": rule.value}
        audit.record(action="registration.eligibility_rule.deleted", obj=rule, by=by,
                     scope=f"edition:{rule.edition_id}", data=data)  # fmt: skip
        rule.delete()
