"""Entries: the registration window, creating and editing drafts."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contest.catalog.enums import RegistrationMode, Tier
from contest.catalog.models import EditionGroup, Event, EventZone
from contest.core import audit
from contest.core.errors import Closed, Conflict, FieldErrors, PermissionDenied, ValidationFailed
from contest.core.inputs import as_decimal, local, parse_decimal
from contest.registration import validators as v
from contest.registration.enums import ACTIVE, GroupKind, Industry
from contest.registration.models import Enterprise, Entry, EntryImage, MakerTeam, RegistrationWindow
from contest.registration.rules import is_entry_owner
from contest.registration.services.common import (
    checked,
    locked_entry,
    parse_int,
    plain_text,
    require_entry_action,
    text_value,
)
from contest.registration.services.files import delete_after_commit, discard_on_failure
from contest.registration.similarity import simhash

ENTRY_TEXT_FIELDS = ("title", "summary", "innovation", "market", "business_model", "team_description")
REQUIRED_ON_SUBMIT = {
    "title": "项目名称", "industry": "行业领域", "summary": "项目简介", "innovation": "技术与创新",
    "market": "市场前景", "business_model": "商业模式", "team_description": "团队情况",
}  # fmt: skip
MAX_LENGTHS = {"title": 200, "summary": 2000, "innovation": 5000, "market": 5000, "business_model": 5000,
               "team_description": 5000}  # fmt: skip


# -- entries -------------------------------------------------------------------------------


def window_for(event: Event) -> RegistrationWindow | None:
    return RegistrationWindow.objects.filter(event=event).first()


def ensure_open(event: Event, *, now=None) -> None:
    now = now or timezone.now()
    window = window_for(event)
    if window is None:
        raise Closed(f"“{event.name}”尚未公布报名时间。")
    if now < window.opens_at:
        raise Closed(f"“{event.name}”报名尚未开始（{local(window.opens_at):%Y-%m-%d %H:%M} 开始）。")
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
            out[key] = text_value(data, key, REQUIRED_ON_SUBMIT[key], errors, required=key == "title",
                             max_length=MAX_LENGTHS[key])  # fmt: skip
    if "industry" in data or not partial:
        industry = str(data.get("industry") or "")
        if industry and industry not in Industry.values:
            errors["industry"] = "请选择行业领域。"
        out["industry"] = industry
    if "finances" in data:
        rows = []
        for i, row in enumerate(data.get("finances") or [], start=1):
            year = checked(
                errors, f"finances-{i}-year", parse_int, row.get("year", ""), f"finances-{i}-year", "年份"
            )
            revenue = checked(errors, f"finances-{i}-revenue", v.non_negative_decimal, row.get("revenue", ""),
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
            checked(errors, "funding_sought", v.non_negative_decimal, raw, field="funding_sought", label="融资需求")
            if raw else None
        )  # fmt: skip
    if "ip_list" in data:
        items = []
        for row, item in enumerate(data.get("ip_list") or [], start=1):
            name = str(item.get("name") or "").strip()
            if not name:
                continue
            items.append({"kind": plain_text(errors, f"ip-{row}-kind", item.get("kind"), max_length=20),
                          "name": plain_text(errors, f"ip-{row}-name", name, max_length=200),
                          "number": plain_text(errors, f"ip-{row}-number", item.get("number"), max_length=50)})  # fmt: skip
        out["ip_list"] = items
    if "pitch_video_url" in data:
        out["pitch_video_url"] = checked(
            errors, "pitch_video_url", v.check_video_url, data.get("pitch_video_url")
        )
    if errors:
        raise FieldErrors(errors)
    return out


def _finite_decimal(errors, key, value, label):
    try:
        # typed text: ASCII digits only, not “１０”, “1_0”; numbers from a program or a workbook as they are
        amount = parse_decimal(value.replace(",", "")) if isinstance(value, str) else as_decimal(value)
        if abs(amount) >= v.MAX_AMOUNT:
            raise InvalidOperation
        return amount.quantize(Decimal("0.01"))
    except (ValidationFailed, InvalidOperation):
        errors[key] = f"{label}应为数字。"
        return None


def is_overseas_entrant(enterprise: Enterprise | None, team: MakerTeam | None) -> bool:
    if enterprise is not None:
        return enterprise.is_overseas
    return bool(team is not None and team.is_overseas)


OVERSEAS_EVENT_ONLY = "境外区域赛决赛只接受境外企业和境外团队报名；中国大陆的企业和团队请报名区域赛或专题赛。"
OVERSEAS_ENTRANT_ONLY = "境外企业和境外团队只能报名境外区域赛决赛。"


def overseas_refusal(event: Event, *, overseas: bool) -> str | None:
    """Why an entrant (overseas or not) may not enter ``event``, in the active language, or None.
    The overseas event takes overseas entrants only, and overseas entrants enter only it."""
    if event.tier == Tier.OVERSEAS_FINAL and not overseas:
        return _(OVERSEAS_EVENT_ONLY)
    if overseas and event.tier != Tier.OVERSEAS_FINAL:
        return _(OVERSEAS_ENTRANT_ONLY)
    return None


def zone_for(event: Event, value: EventZone | str | int | None) -> EventZone | None:
    """The station an entry of ``event`` belongs to: required when the event has stations."""
    zones = EventZone.objects.filter(event=event)
    if isinstance(value, EventZone):
        value = value.pk if value.event_id == event.pk else None
        found = zones.filter(pk=value).first() if value else None
    elif value in (None, ""):
        found = None
    else:
        text = str(value).strip()
        found = zones.filter(code=text).first() or (
            zones.filter(pk=int(text)).first() if text.isdigit() else None
        )
    if found is None and zones.exists():
        raise ValidationFailed(_("请选择参加的赛区站点。"), field="zone")
    return found


def create_entry(
    *, by, event: Event, group_code: str, data: dict[str, Any], zone: EventZone | str | None = None
) -> Entry:
    """Start a draft in an event. The registration window must be open.

    The overseas event (tier ``overseas_final``) takes overseas enterprises and teams only, and they
    enter it only; when it has stations, ``zone`` (or ``data["zone"]``, a station's code) names one."""
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
    refusal = overseas_refusal(event, overseas=is_overseas_entrant(enterprise, team))
    if refusal:
        raise ValidationFailed(refusal, field="event")
    station = zone_for(event, zone if zone is not None else data.get("zone"))
    with transaction.atomic():
        ensure_open(event)
        owner_lock = (
            get_user_model().objects.select_for_update().get(pk=by.pk)
        )  # serialises one user's creates
        credit_code = enterprise.credit_code if enterprise else None
        mine = (
            {"credit_code": credit_code}
            if credit_code
            else {"enterprise": enterprise}
            if enterprise
            else {"team": team}
        )
        clash = Entry.objects.filter(edition_id=event.edition_id, status__in=ACTIVE).filter(
            **mine
        ).select_related("event").first()  # fmt: skip
        if clash is not None:
            raise Conflict(
                f"本届每个企业（团队）只能报名一个项目，已在“{clash.event.name}”报名“{clash.title}”。"
            )
        entry = Entry(
            edition_id=event.edition_id, event=event, group=group, owner=owner_lock, enterprise=enterprise,
            team=team, credit_code=credit_code, zone=station,
            division=enterprise.division if enterprise else team.division, **cleaned,
        )  # fmt: skip
        entry.industry = cleaned.get("industry") or (enterprise.industry if enterprise else "")
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError as exc:
            raise Conflict("本届每个企业（团队）只能报名一个项目。") from exc
        audit.record(action="registration.entry.created", obj=entry, by=by, scope=f"event:{event.pk}",
                     data={"title": entry.title, "group": group.code, "event": event.pk,
                           **({"zone": station.code} if station else {})})  # fmt: skip
    return entry


def update_entry(
    *,
    by,
    entry: Entry,
    data: dict[str, Any],
    business_plan: tuple[str, bytes] | None = None,
    images: list[tuple[str, bytes]] | None = None,
    expected_version: int | None = None,
) -> Entry:
    """The entrant edits a draft (or a returned entry) until the deadline.

    A new business plan replaces the stored one, whose file is deleted after the commit unless a
    receipt certifies it (``services.files``); at most ``MAX_IMAGES_PER_ENTRY`` images are kept."""
    cleaned = clean_entry(data, partial=True)
    plan = v.check_pdf(*business_plan) if business_plan else None
    checked_images = [v.check_image(name, blob) for name, blob in images or []]
    if len(checked_images) > v.MAX_IMAGES_PER_ENTRY:
        raise ValidationFailed(_too_many_images(len(checked_images), 0), field="images")
    written: list[str] = []
    with discard_on_failure(written), transaction.atomic():
        entry = locked_entry(entry)
        require_entry_action(
            by, "registration.change_entry", entry, person=is_entry_owner, message="只有报名人可以修改项目。",
            refusal=Conflict(f"项目当前状态为“{entry.get_status_display()}”，不能修改。"),
        )  # fmt: skip
        ensure_open(entry.event)
        if expected_version is not None and expected_version != entry.version:
            raise Conflict("项目已在其他窗口中被修改，请刷新后再保存。")
        stored_images = entry.images.count()
        if checked_images and stored_images + len(checked_images) > v.MAX_IMAGES_PER_ENTRY:
            raise ValidationFailed(_too_many_images(len(checked_images), stored_images), field="images")
        before = {k: getattr(entry, k) for k in cleaned}
        before_plan = entry.business_plan_sha256
        replaced = (
            [(entry.business_plan.name, before_plan)] if plan is not None and entry.business_plan else []
        )
        for key, value in cleaned.items():
            setattr(entry, key, value)
        if plan is not None:
            entry.business_plan_sha256 = plan.sha256
            entry.business_plan_name = plan.name
            entry.business_plan_pages = plan.pages
            entry.business_plan_size = len(plan.data)
            entry.business_plan.save(plan.name, ContentFile(plan.data), save=False)
            written.append(entry.business_plan.name)
        for order, image in enumerate(checked_images, start=stored_images):
            img = EntryImage(entry=entry, name=image.name, sha256=image.sha256, extension=image.extension,
                             order=order)  # fmt: skip
            img.file.save(image.name, ContentFile(image.data), save=False)
            written.append(img.file.name)
            img.save()
        if "summary" in cleaned:
            entry.summary_simhash = simhash(entry.summary)
        entry.version += 1
        entry.save()
        changes = audit.diff(before, {k: getattr(entry, k) for k in cleaned})
        if plan is not None and plan.sha256 != before_plan:
            changes["business_plan_sha256"] = {"before": before_plan, "after": plan.sha256}
        audit.record(action="registration.entry.updated", obj=entry, by=by, scope=f"event:{entry.event_id}",
                     data={"changes": changes, "images_added": [i.sha256 for i in checked_images]})  # fmt: skip
        delete_after_commit(
            entry, [(name, sha) for name, sha in replaced if name != entry.business_plan.name]
        )
    return entry


def _too_many_images(adding: int, stored: int) -> str:
    return (
        f"每个项目最多 {v.MAX_IMAGES_PER_ENTRY} 张图片：已有 {stored} 张，本次上传 {adding} 张。"
        "请先删除不需要的图片。"
    )


def remove_image(*, by, image: EntryImage) -> None:
    with transaction.atomic():
        entry = locked_entry(image.entry)
        if not by.has_perm("registration.change_entry", entry):
            raise PermissionDenied("不能删除此图片。")
        ensure_open(entry.event)
        sha, name = image.sha256, image.file.name
        image.delete()
        audit.record(action="registration.entry.image_removed", obj=entry, by=by, data={"sha256": sha})
        delete_after_commit(entry, [(name, sha)])
