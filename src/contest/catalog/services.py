"""Writes to the catalog. Every write: validate → lock → write → audit."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from contest.catalog.countries import is_country
from contest.catalog.enums import DEFAULT_GROUPS, OrgRole, RegistrationMode
from contest.catalog.importer import Plan, PlanError, PlanRow
from contest.catalog.models import (
    Division,
    Edition,
    EditionGroup,
    Event,
    EventOrganization,
    EventZone,
    Organization,
)
from contest.core import audit
from contest.core.errors import Conflict, FieldErrors, PermissionDenied
from contest.core.inputs import text_problem

CN_NUMERALS = "零一二三四五六七八九"
FIRST_EDITION_YEAR = 2016


def chinese_ordinal(number: int) -> str:
    """9 → 九, 10 → 十, 12 → 十二, 21 → 二十一."""
    if number < 10:
        return CN_NUMERALS[number]
    tens, ones = divmod(number, 10)
    return ("" if tens == 1 else CN_NUMERALS[tens]) + "十" + (CN_NUMERALS[ones] if ones else "")


def default_title(number: int) -> str:
    return f"第{chinese_ordinal(number)}届“创客中国”中小企业创新创业大赛"


def check_perm(user, perm: str, obj=None) -> None:
    """``user`` None is the server's own operator (a management command)."""
    if user is None:
        return
    if not user.has_perm(perm, obj):
        raise PermissionDenied("您没有执行此操作的权限。")


# -- import --------------------------------------------------------------------------


@dataclass
class EventChange:
    kind: str  # created | updated | unchanged
    row: PlanRow
    event: Event | None = None
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class ImportReport:
    edition_number: int
    edition_created: bool
    changes: list[EventChange]
    new_organizations: list[str]
    not_in_plan: list[str]
    warnings: list[str]
    dry_run: bool
    sha256: str

    @property
    def created(self) -> list[EventChange]:
        return [c for c in self.changes if c.kind == "created"]

    @property
    def updated(self) -> list[EventChange]:
        return [c for c in self.changes if c.kind == "updated"]

    @property
    def unchanged(self) -> list[EventChange]:
        return [c for c in self.changes if c.kind == "unchanged"]

    def lines(self) -> list[str]:
        prefix = "（演练，未写入）" if self.dry_run else ""
        out = [f"{prefix}第 {self.edition_number} 届：新增 {len(self.created)} 场，更新 {len(self.updated)} 场，"
               f"无变化 {len(self.unchanged)} 场；新增组织单位 {len(self.new_organizations)} 个。"]  # fmt: skip
        if self.edition_created:
            out.append(f"新建届次：第 {self.edition_number} 届")
        for change in self.created:
            out.append(f"+ 新增 {change.row.tier}#{change.row.seq} {change.row.name}")
        for change in self.updated:
            out.append(f"~ 更新 {change.row.tier}#{change.row.seq} {change.row.name}")
            for key, value in change.changes.items():
                out.append(f"    {key}: {value['before']!r} → {value['after']!r}")
        for name in self.new_organizations:
            out.append(f"+ 新增组织单位 {name}")
        for name in self.not_in_plan:
            out.append(f"! 计划中已没有此赛事（保留未删除）：{name}")
        out.extend(f"! {w}" for w in self.warnings)
        return out


def _desired(row: PlanRow, divisions: dict[str, Division], official_site: str) -> dict[str, Any]:
    official = official_site.lower().removeprefix("http://").removeprefix("https://").rstrip("/")
    urls = row.registration_urls
    on_platform = not urls or any(
        u.lower().removeprefix("http://").removeprefix("https://").rstrip("/") == official for u in urls
    )
    roles = [(name, role) for name, role in row.hosts] + [
        (name, OrgRole.UNDERTAKER.value) for name in row.undertakers
    ]
    return {
        "tier": row.tier,
        "seq": row.seq,
        "name": row.name,
        "location": row.location,
        "province": divisions[row.province_code].code if row.province_code else None,
        "city": divisions[row.city_code].code if row.city_code else None,
        "city_name": row.city_name,
        "theme": row.theme,
        "registration_urls": list(urls),
        "registration_mode": (RegistrationMode.PLATFORM if on_platform else RegistrationMode.EXTERNAL).value,
        "roles": roles,
        "served_divisions": sorted(row.served_codes),
    }


def _current(event: Event) -> dict[str, Any]:
    return {
        "tier": event.tier,
        "seq": event.seq,
        "name": event.name,
        "location": event.location,
        "province": event.province.code if event.province_id else None,
        "city": event.city.code if event.city_id else None,
        "city_name": event.city_name,
        "theme": event.theme,
        "registration_urls": list(event.registration_urls),
        "registration_mode": event.registration_mode,
        "roles": [(r.organization.name, r.role) for r in event.roles.all()],
        "served_divisions": sorted(d.code for d in event.served_divisions.all()),
    }


def _validate(plan: Plan, divisions: dict[str, Division]) -> None:
    errors = []
    seen_names: dict[str, PlanRow] = {}
    seen_keys: dict[tuple[str, int], PlanRow] = {}
    for row in plan.rows:
        if row.name in seen_names:
            errors.append(f"{row.where}：赛事名称与第 {seen_names[row.name].line} 行重复：{row.name}")
        seen_names.setdefault(row.name, row)
        if (row.tier, row.seq) in seen_keys:
            errors.append(
                f"{row.where}：{row.tier} 序号 {row.seq} 与第 {seen_keys[row.tier, row.seq].line} 行重复"
            )
        seen_keys.setdefault((row.tier, row.seq), row)
        for code in [row.province_code, row.city_code, *row.served_codes]:
            if code and code not in divisions:
                errors.append(f"{row.where}：区划代码 {code} 不在区划表中（请先运行数据库迁移）")
        if row.tier == "regional" and not row.served_codes:
            errors.append(f"{row.where}：无法确定区域赛“{row.name}”服务的区划")
    if not plan.rows:
        errors.append("赛事计划中没有任何赛事。")
    if errors:
        raise PlanError(errors)


def import_plan(
    *,
    plan: Plan,
    edition_number: int,
    by=None,
    dry_run: bool = False,
    source: bytes = b"",
    source_name: str = "",
) -> ImportReport:
    """Create or update the edition's events from a parsed plan, all or nothing.

    Events are matched by name, then by (tier, seq) when the name changed; events no
    longer in the plan are reported and kept (entries may hang off them).
    """
    check_perm(by, "catalog.import_plan")
    if plan.edition_number is not None and plan.edition_number != edition_number:
        raise PlanError([f"计划是第 {plan.edition_number} 届，与 --edition {edition_number} 不符。"])
    divisions = {d.code: d for d in Division.objects.all()}
    _validate(plan, divisions)
    sha256 = hashlib.sha256(source).hexdigest()

    with transaction.atomic():
        edition = Edition.objects.select_for_update().filter(number=edition_number).first()
        edition_created = edition is None
        official_site = edition.official_site if edition else Edition._meta.get_field("official_site").default
        existing = []
        if edition is not None:
            existing = list(
                Event.objects.filter(edition=edition)
                .select_related("province", "city")
                .prefetch_related("roles__organization", "served_divisions")
            )
        by_name = {e.name: e for e in existing}
        plan_names = {row.name for row in plan.rows}
        by_key = {(e.tier, e.seq): e for e in existing if e.name not in plan_names}
        known_orgs = set(Organization.objects.filter(
            name__in={name for row in plan.rows for name, _ in row.hosts} | {n for row in plan.rows for n in row.undertakers}
        ).values_list("name", flat=True))  # fmt: skip

        changes: list[EventChange] = []
        new_orgs: list[str] = []
        for row in plan.rows:
            for name in [n for n, _ in row.hosts] + row.undertakers:
                if name not in known_orgs and name not in new_orgs:
                    new_orgs.append(name)
            desired = _desired(row, divisions, official_site)
            event = by_name.get(row.name) or by_key.get((row.tier, row.seq))
            if event is None:
                changes.append(EventChange("created", row, None, {}))
                continue
            delta = audit.diff(_current(event), desired)
            changes.append(EventChange("updated" if delta else "unchanged", row, event, delta))
        matched = {c.event.pk for c in changes if c.event is not None}
        not_in_plan = [e.name for e in existing if e.pk not in matched]

        report = ImportReport(
            edition_number=edition_number, edition_created=edition_created, changes=changes,
            new_organizations=new_orgs, not_in_plan=not_in_plan, warnings=list(plan.warnings),
            dry_run=dry_run, sha256=sha256,
        )  # fmt: skip
        if dry_run or not (edition_created or report.created or report.updated):
            return report

        entries: list[audit.Entry] = []
        if edition is None:
            edition = Edition.objects.create(
                number=edition_number, year=FIRST_EDITION_YEAR + edition_number - 1,
                title=plan.title or default_title(edition_number),
                is_current=not Edition.objects.filter(is_current=True).exists(),
            )  # fmt: skip
            EditionGroup.objects.bulk_create(
                EditionGroup(edition=edition, code=code, name=name, order=order)
                for order, (code, name) in enumerate(DEFAULT_GROUPS)
            )
            entries.append(
                audit.Entry(
                    "catalog.edition.created",
                    edition,
                    f"edition:{edition.number}",
                    {"number": edition.number, "year": edition.year, "title": edition.title},
                )
            )
        orgs = {o.name: o for o in Organization.objects.filter(name__in=known_orgs)}
        created_orgs = Organization.objects.bulk_create(Organization(name=name) for name in new_orgs)
        for org in created_orgs:
            orgs[org.name] = org
            entries.append(audit.Entry("catalog.organization.created", org, "", {"name": org.name}))

        # Moving events to new (tier, seq) positions: park them first so the unique
        # constraint never sees two events in one place mid-update.
        moving = [c for c in changes if c.kind == "updated" and ("seq" in c.changes or "tier" in c.changes)]
        for i, change in enumerate(moving, start=1):
            Event.objects.filter(pk=change.event.pk).update(seq=30000 + i)
        desired = {id(c): _desired(c.row, divisions, official_site) for c in changes if c.kind != "unchanged"}
        fresh = [c for c in changes if c.kind == "created"]
        new_events = Event.objects.bulk_create(
            _set_fields(Event(edition=edition), desired[id(c)], divisions) for c in fresh
        )
        for change, event in zip(fresh, new_events, strict=True):
            change.event = event
        updated = [c for c in changes if c.kind == "updated"]
        for change in updated:
            _set_fields(change.event, desired[id(change)], divisions).save()
        rewire = fresh + [c for c in updated if "roles" in c.changes]
        EventOrganization.objects.filter(event__in=[c.event for c in rewire if c.kind == "updated"]).delete()
        EventOrganization.objects.bulk_create(
            EventOrganization(event=c.event, organization=orgs[name], role=role, order=i)
            for c in rewire
            for i, (name, role) in enumerate(desired[id(c)]["roles"])
        )
        for change in updated:
            if "served_divisions" in change.changes:
                change.event.served_divisions.set(
                    [divisions[x] for x in desired[id(change)]["served_divisions"]]
                )
        through = Event.served_divisions.through
        through.objects.bulk_create(
            through(event_id=c.event.pk, division_id=divisions[code].pk)
            for c in fresh
            for code in desired[id(c)]["served_divisions"]
        )
        for change in fresh + updated:
            if change.kind == "created":
                entries.append(
                    audit.Entry(
                        "catalog.event.created", change.event, f"event:{change.event.pk}", desired[id(change)]
                    )
                )
            else:
                entries.append(
                    audit.Entry(
                        "catalog.event.updated",
                        change.event,
                        f"event:{change.event.pk}",
                        {"changes": change.changes},
                    )
                )
        entries.append(audit.Entry(
            "catalog.plan.imported", edition, f"edition:{edition.number}",
            {"source": source_name, "sha256": sha256, "created": len(report.created),
             "updated": len(report.updated), "unchanged": len(report.unchanged), "warnings": report.warnings},
        ))  # fmt: skip
        audit.record_many(entries, by=by)
    return report


def _set_fields(event: Event, desired: dict[str, Any], divisions: dict[str, Division]) -> Event:
    for key in (
        "tier",
        "seq",
        "name",
        "location",
        "city_name",
        "theme",
        "registration_urls",
        "registration_mode",
    ):
        setattr(event, key, desired[key])
    event.province = divisions[desired["province"]] if desired["province"] else None
    event.city = divisions[desired["city"]] if desired["city"] else None
    return event


# -- edits by the secretariat (admin) --------------------------------------------------


def save_catalog_object(*, obj, by, changed: dict[str, dict[str, Any]] | None = None, created: bool) -> None:
    """The secretariat edits an edition, group, event or organization (Django admin)."""
    check_perm(by, "catalog.manage_catalog", obj)
    with transaction.atomic():
        obj.save()
        label = obj._meta.model_name
        audit.record(
            action=f"catalog.{label}.{'created' if created else 'updated'}",
            obj=obj,
            by=by,
            data={"changes": changed or {}},
        )


def delete_catalog_object(*, obj, by) -> None:
    check_perm(by, "catalog.manage_catalog", obj)
    with transaction.atomic():
        label = obj._meta.model_name
        pk, text = obj.pk, str(obj)
        obj.delete()
        audit.record(
            action=f"catalog.{label}.deleted",
            object_type=obj._meta.label_lower,
            object_id=str(pk),
            by=by,
            data={"str": text},
        )


# -- stations of an event (赛区站点: the overseas final's 香港, 新加坡, 德国 …) ----------------------

ZONE_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,29}$")


@cache
def iana_zones() -> frozenset[str]:
    """The IANA zone names zoneinfo knows (tzdata's list; read once, it walks the package)."""
    return frozenset(available_timezones())


ZONE_FIELDS = ("code", "name", "name_en", "country", "time_zone", "order")


def clean_zone(data: dict[str, Any]) -> dict[str, Any]:
    """A station's fields, checked: code (lower-case letters, digits, -), name, English name,
    country (ISO 3166-1 alpha-2), IANA time zone (known to zoneinfo), display order."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    code = str(data.get("code") or "").strip().lower()
    if not ZONE_CODE.match(code):
        errors["code"] = _("代码为 1–30 位小写字母、数字或连字符，以字母或数字开头。")
    out["code"] = code
    for key, label, limit, required in (
        ("name", _("名称"), 50, True),
        ("name_en", _("英文名称"), 100, False),
    ):
        value = str(data.get(key) or "").strip()
        if required and not value:
            errors[key] = _("请填写%(label)s。") % {"label": label}
        elif len(value) > limit:
            errors[key] = _("%(label)s不能超过 %(max)d 个字符。") % {"label": label, "max": limit}
        elif problem := text_problem(value):
            errors[key] = problem
        out[key] = value
    country = str(data.get("country") or "").strip().upper()
    if not is_country(country):
        errors["country"] = _("请选择国家或地区（ISO 3166-1 代码）。")
    out["country"] = country
    zone = str(data.get("time_zone") or "").strip()
    if not zone or len(zone) > 50 or zone not in iana_zones():
        errors["time_zone"] = _("“%(zone)s”不是 IANA 时区名称，例如 Europe/Berlin、Asia/Singapore。") % {
            "zone": zone[:50]
        }
    out["time_zone"] = zone
    order = str(data.get("order") if data.get("order") is not None else "0").strip() or "0"
    if not order.isascii() or not order.isdigit() or int(order) > 1000:
        errors["order"] = _("排序应为 0–1000 的整数。")
        order = "0"
    out["order"] = int(order)
    if errors:
        raise FieldErrors(errors)
    return out


def _save_zone(zone: EventZone, cleaned: dict[str, Any]) -> None:
    clash = EventZone.objects.filter(event_id=zone.event_id).exclude(pk=zone.pk)
    if clash.filter(code=cleaned["code"]).exists():
        raise FieldErrors({"code": _("本赛事已有代码为“%(code)s”的站点。") % {"code": cleaned["code"]}})
    if clash.filter(name=cleaned["name"]).exists():
        raise FieldErrors({"name": _("本赛事已有名为“%(name)s”的站点。") % {"name": cleaned["name"]}})
    for key, value in cleaned.items():
        setattr(zone, key, value)
    try:
        with transaction.atomic():
            zone.save()
    except IntegrityError as exc:
        raise Conflict(_("站点代码或名称与本赛事的其他站点重复。")) from exc


def create_zone(*, by, event: Event, data: dict[str, Any]) -> EventZone:
    """The event's organizer (or the secretariat) adds a station."""
    check_perm(by, "catalog.manage_event_zones", event)
    cleaned = clean_zone(data)
    with transaction.atomic():
        Event.objects.select_for_update().filter(pk=event.pk).first()  # serialises the event's zone writes
        zone = EventZone(event=event)
        _save_zone(zone, cleaned)
        audit.record(action="catalog.zone.created", obj=zone, by=by, scope=f"event:{event.pk}",
                     data={"event": event.pk, **cleaned})  # fmt: skip
    return zone


def update_zone(*, by, zone: EventZone, data: dict[str, Any]) -> EventZone:
    check_perm(by, "catalog.manage_event_zones", zone.event)
    cleaned = clean_zone(data)
    with transaction.atomic():
        Event.objects.select_for_update().filter(pk=zone.event_id).first()
        zone = EventZone.objects.select_for_update().get(pk=zone.pk)
        before = {key: getattr(zone, key) for key in ZONE_FIELDS}
        if before["code"] != cleaned["code"] and zone.entries.exists():
            raise Conflict(_("已有报名属于此站点，不能修改代码。"))
        _save_zone(zone, cleaned)
        audit.record(action="catalog.zone.updated", obj=zone, by=by, scope=f"event:{zone.event_id}",
                     data={"changes": audit.diff(before, cleaned)})  # fmt: skip
    return zone


def delete_zone(*, by, zone: EventZone) -> None:
    """Only a station no entry belongs to."""
    check_perm(by, "catalog.manage_event_zones", zone.event)
    with transaction.atomic():
        Event.objects.select_for_update().filter(pk=zone.event_id).first()
        zone = EventZone.objects.select_for_update().get(pk=zone.pk)
        used = zone.entries.count()
        if used:
            raise Conflict(
                _("站点“%(name)s”已有 %(count)d 个报名，不能删除。") % {"name": zone.name, "count": used}
            )
        pk, event_id, snapshot = zone.pk, zone.event_id, {key: getattr(zone, key) for key in ZONE_FIELDS}
        try:
            zone.delete()
        except ProtectedError as exc:
            raise Conflict(_("站点“%(name)s”已有报名，不能删除。") % {"name": snapshot["name"]}) from exc
        audit.record(action="catalog.zone.deleted", object_type="catalog.eventzone", object_id=str(pk), by=by,
                     scope=f"event:{event_id}", data=snapshot)  # fmt: skip
