"""Writes to the catalog. Every write: validate → lock → write → audit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from contest.catalog.enums import DEFAULT_GROUPS, OrgRole, RegistrationMode
from contest.catalog.importer import Plan, PlanError, PlanRow
from contest.catalog.models import Division, Edition, EditionGroup, Event, EventOrganization, Organization
from contest.core import audit
from contest.core.errors import PermissionDenied

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
