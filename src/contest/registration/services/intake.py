"""Entries that arrive in bulk from outside: event packages (a ZIP of a workbook and files) and the
portal API, for both groups — the one writer of them.

Three steps, as every import here:

1. **clean** every item with the same cleaners and file checks as the online forms
   (``clean_enterprise``/``clean_entry`` through the import's row cleaner, the team rules of
   ``save_team``, ``check_pdf``/``check_image`` with the size refused before the bytes are read).
   Every problem names the item's ``key`` and a ``column`` (a field name such as ``credit_code``,
   ``members[2].phone``, ``business_plan``, ``images[0]``). Files are read once here and their
   bytes dropped (only name, SHA-256, pages are kept): memory stays bounded for 4,000 PDFs.
2. **resolve** against what the platform holds, in a few queries for the whole batch: the
   natural key (an enterprise by its credit code; a team by its leader's phone + the project
   title), clashes (one project per entrant per edition, an online registration is never
   overwritten, a decided entry is not changed) and the action by content hash — ``unchanged``
   when :func:`entry_content_sha256` of the stored entry equals the item's, else ``updated``.
3. **write** (``write_items`` only), all or nothing in one transaction under the event's row
   lock; step 2 runs again inside the lock (it is cheap), step 1 does not. Rows are written
   with ``bulk_create`` and ``lifecycle.write_fields`` (one UPDATE statement run for many rows); receipts and statuses through
   ``lifecycle.record_submissions`` (the same receipts as ``record_submission``; statuses by
   ``core.lifecycle.transition_many``); one audit record for the batch listing every id.

Entrants without an account get an inactive placeholder owner, as the Excel import does:
``import-<credit code>`` for an enterprise, ``import-team-<leader's phone digits>`` for a team.
A placeholder's profile follows the latest import; a real account's profile is never touched.

**The content hash** (``ItemOutcome.content_sha256``, the reconciliation hash): SHA-256 of the
canonical JSON (sorted keys, no spaces, UTF-8) of ``{"group", "entrant", "members", "entry",
"files"}`` — the entrant's profile as the platform holds it after the write, the members in order,
the entry's content fields, and the SHA-256 of the business plan and of each image in order.
"""

from __future__ import annotations

import hashlib
import math
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from contest.catalog.enums import Tier
from contest.catalog.models import Division, EditionGroup, Event
from contest.core import audit
from contest.core.errors import Conflict, FieldErrors, PermissionDenied, ValidationFailed
from contest.core.inputs import text_problem
from contest.registration import validators as v
from contest.registration.enums import ACTIVE, GroupKind
from contest.registration.models import Enterprise, Entry, EntryImage, MakerTeam, TeamMember
from contest.registration.services import profiles
from contest.registration.services.common import S
from contest.registration.services.duplicates import enqueue_duplicate_checks
from contest.registration.services.entries import clean_entry, ensure_open
from contest.registration.services.files import delete_many_after_commit, discard_on_failure
from contest.registration.services.import_rows import (
    ELIGIBILITY_COLUMN,
    IMPORT_ROW_LIMIT,
    PLACEHOLDER_PREFIX,
    clean_import_row,
    edition_rules,
    industry_from_cell,
    is_placeholder,
)
from contest.registration.services.lifecycle import eligibility_failures, record_submissions, write_fields
from contest.registration.services.notifications import notify_entrant
from contest.registration.similarity import simhash

__all__ = [
    "ENTERPRISE_FIELDS",
    "MAKER_FIELDS",
    "MEMBER_FIELDS",
    "TEAM_PLACEHOLDER_PREFIX",
    "IntakeFile",
    "IntakeItem",
    "IntakeRefused",
    "ItemOutcome",
    "ItemProblem",
    "check_items",
    "entry_content_sha256",
    "stored_content_sha256",
    "write_items",
]

ENTERPRISE_FIELDS = (
    "name", "credit_code", "founded_on", "registered_capital", "employees", "revenue_last_year",
    "is_listed", "industry", "sme_status", "contact_name", "contact_phone", "title", "summary",
    "innovation", "market", "business_model", "team_description", "funding_sought", "pitch_video_url",
)  # fmt: skip
MAKER_FIELDS = (
    "team_name", "leader_name", "leader_phone", "declares_not_enterprise", "title", "industry", "summary",
    "innovation", "market", "business_model", "team_description", "funding_sought", "pitch_video_url",
)  # fmt: skip
#: fields a caller may add: the project's own industry and IP list (enterprise), the team's division code
OPTIONAL_FIELDS = {
    GroupKind.ENTERPRISE: ("entry_industry", "ip_list"),
    GroupKind.MAKER: ("division", "ip_list"),
}
MEMBER_FIELDS = ("name", "role", "phone", "affiliation")
MAX_MEMBERS = 30
#: the longest value any field takes (a text field's own limit is checked by its cleaner)
MAX_VALUE_CHARS = 10_000
TEAM_PLACEHOLDER_PREFIX = f"{PLACEHOLDER_PREFIX}team-"
SOURCES = ("package", "portal")
#: an entry with one of these sources may be updated by an intake; an online one never
IMPORTED_SOURCES = ("import", *SOURCES)
_PROFILE_FIELDS = (
    "name", "credit_code", "founded_on", "registered_capital", "employees", "revenue_last_year",
    "is_listed", "industry", "sme_status", "contact_name", "contact_phone",
)  # fmt: skip
_TEAM_FIELDS = ("name", "leader_name", "leader_phone", "declares_not_enterprise")
_ENTRY_FIELDS = (
    "title", "industry", "summary", "innovation", "market", "business_model", "team_description",
    "funding_sought", "ip_list", "pitch_video_url",
)  # fmt: skip
_DECIDED = frozenset({S.QUALIFIED, S.DISQUALIFIED})
_READ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error)
_REASONS = {
    "package": ("赛事报名包导入", "赛事报名包导入更新"),
    "portal": ("赛事报名网站推送", "赛事报名网站推送更新"),
    "import": ("批量导入线下报名", "批量导入更新"),
}


@dataclass(frozen=True)
class IntakeFile:
    name: str  # as given (already decoded, e.g. from GBK zip names)
    size: int  # bytes, known before reading: refused early when too large
    read: Callable[[], bytes]  # the bytes on demand; called at most twice (check, then write)


@dataclass
class IntakeItem:
    key: str  # where it came from, named in every problem: "企业组 第 5 行", "items[3]"
    group: str  # GroupKind value
    fields: dict[str, Any]
    members: list[dict[str, Any]] = field(default_factory=list)  # maker only
    business_plan: IntakeFile | None = None
    images: list[IntakeFile] = field(default_factory=list)


@dataclass
class ItemProblem:
    key: str
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}“{self.column}”：{self.message}"


@dataclass
class ItemOutcome:
    key: str
    action: str  # created | updated | unchanged | invalid
    problems: list[ItemProblem]
    entry: Entry | None = None
    content_sha256: str = ""


class IntakeRefused(ValidationFailed):
    """At least one item has problems; ``outcomes`` lists them all. Nothing was written."""

    def __init__(self, outcomes: list[ItemOutcome]):
        self.outcomes = outcomes
        problems = [p for o in outcomes for p in o.problems]
        super().__init__(
            _("%(count)d 处错误，未导入任何数据。") % {"count": len(problems)},
            errors=[str(p) for p in problems],
            field="items",
        )


@dataclass(frozen=True)
class _Facts:
    """A checked file without its bytes."""

    name: str
    sha256: str
    size: int
    source: IntakeFile | None = None
    pages: int | None = None
    extension: str = ""


@dataclass
class PlannedItem:
    """One item on its way: cleaned data, what the platform holds, what will happen."""

    key: str
    kind: str  # GroupKind
    group: EditionGroup | None
    outcome: ItemOutcome
    natural: str = ""  # credit code, or the leader's phone
    profile: dict[str, Any] | None = None
    members: list[dict[str, Any]] | None = None
    entry_data: dict[str, Any] | None = None
    plan: _Facts | None = None
    images: list[_Facts] = field(default_factory=list)
    replace_files: bool = True
    enterprise: Enterprise | None = None  # as the platform holds it
    team: MakerTeam | None = None
    entry: Entry | None = None  # the entrant's active entry in the edition
    seen_entrant: tuple | None = None  # the entrant as cleaned against (see _resolve)
    changes: dict[str, Any] | None = None
    row: int | None = None  # the Excel import's row number

    @property
    def problems(self) -> list[ItemProblem]:
        return self.outcome.problems

    def problem(self, column: str, message: str) -> None:
        self.outcome.problems.append(ItemProblem(self.key, column, message))


# -- public --------------------------------------------------------------------------------------


def check_items(*, event: Event, items: Iterable[IntakeItem]) -> list[ItemOutcome]:
    """Every item cleaned, its files checked and its action planned; nothing is written."""
    items = list(items)
    _check_event(event, items)
    ensure_open(event)
    plans = _resolve(event, _clean_all(event, items))
    return [p.outcome for p in plans]


def write_items(*, by, event: Event, items: Sequence[IntakeItem], source: str) -> list[ItemOutcome]:
    """Write ``items`` into ``event``: all or nothing, idempotent (see the module docstring).

    ``by`` None is the server's operator (management commands, the package job); otherwise it
    needs ``registration.manage_event_entries`` on the event. Raises ``IntakeRefused`` with every
    item's outcome when any item has a problem; nothing is written then."""
    if source not in SOURCES:
        raise ValidationFailed(_("未知的导入来源。"), field="source")
    if by is not None and not by.has_perm("registration.manage_event_entries", event):
        raise PermissionDenied(_("您没有管理该赛事的权限。"))
    items = list(items)
    _check_event(event, items)
    ensure_open(event)
    plans = _clean_all(event, items)  # the expensive part, outside the lock
    if any(p.problems for p in plans):
        raise IntakeRefused([p.outcome for p in _resolve(event, plans)])
    written: list[str] = []  # stored files, deleted again if anything fails up to the commit
    with discard_on_failure(written), transaction.atomic():
        Event.objects.select_for_update().filter(pk=event.pk).first()  # one intake per event at a time
        ensure_open(event)
        plans = _resolve(event, plans, reclean=True)
        if any(p.problems for p in plans):
            raise IntakeRefused([p.outcome for p in plans])
        write_plans(plans, by=by, event=event, source=source, action="registration.intake.completed",
                    data={"source": source, "items": len(plans)}, written=written)  # fmt: skip
    return [p.outcome for p in plans]


def entry_content_sha256(entry: Entry) -> str:
    """The reconciliation hash of ``entry`` as the platform holds it (module docstring)."""
    entry = (
        Entry.objects.select_related("enterprise", "team__division", "group")
        .prefetch_related(
            "images", Prefetch("team__members", queryset=TeamMember.objects.order_by("order", "pk"))
        )
        .get(pk=entry.pk)
    )
    return _stored_sha256(entry)


def stored_content_sha256(entry: Entry) -> str:
    """``entry_content_sha256`` of an entry loaded with ``select_related("enterprise",
    "team__division", "group")`` and ``prefetch_related("images", "team__members")``: no query of
    its own (the portal's reconciliation list)."""
    return _stored_sha256(entry)


# -- step 1: clean -------------------------------------------------------------------------------


def _check_event(event: Event, items: list[IntakeItem]) -> None:
    if event.tier == Tier.NATIONAL_FINAL:
        raise ValidationFailed(_("全国总决赛不接受报名，不能导入。"), field="event")
    if not items:
        raise ValidationFailed(_("没有要导入的项目。"), field="items")
    if len(items) > IMPORT_ROW_LIMIT:
        raise ValidationFailed(
            _("一次最多导入 %(limit)d 个项目，当前 %(count)d 个；请分批导入。")
            % {"limit": IMPORT_ROW_LIMIT, "count": len(items)},
            field="items",
        )


@dataclass
class _Context:
    event: Event
    groups: dict[str, EditionGroup]
    rules: list
    enterprises: dict[str, Enterprise]
    divisions: dict[str, Division]
    default_division: str


def _clean_all(event: Event, items: list[IntakeItem]) -> list[PlannedItem]:
    codes = set()
    for item in items:
        if item.group == GroupKind.ENTERPRISE and isinstance(item.fields, dict):
            try:
                codes.add(v.normalize_credit_code(str(item.fields.get("credit_code") or "")))
            except ValidationFailed:
                continue
    default = event.city or event.province
    ctx = _Context(
        event=event,
        groups={g.code: g for g in EditionGroup.objects.filter(edition_id=event.edition_id)},
        rules=edition_rules(event),
        enterprises={
            e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes).select_related("owner")
        },
        divisions={},
        default_division=default.code if default is not None else "",
    )
    return [_clean(item, ctx) for item in items]


def _clean(item: IntakeItem, ctx: _Context) -> PlannedItem:
    key = str(item.key)
    kind = item.group if item.group in GroupKind.values else ""
    plan = PlannedItem(
        key=key, kind=kind, group=ctx.groups.get(kind), outcome=ItemOutcome(key, "invalid", [])
    )
    if not kind:
        plan.problem(
            "group",
            _("组别应为“%(enterprise)s”或“%(maker)s”。")
            % {"enterprise": GroupKind.ENTERPRISE.value, "maker": GroupKind.MAKER.value},
        )
        return plan
    if plan.group is None:
        plan.problem("group", _("本届没有%(group)s，不能导入。") % {"group": GroupKind(kind).label})
        return plan
    if not isinstance(item.fields, dict):
        plan.problem("fields", _("应为字段名到值的映射。"))
        return plan
    hostile = _value_problems(plan, item)
    if kind == GroupKind.ENTERPRISE:
        _clean_enterprise_item(plan, item, ctx, hostile)
    else:
        _clean_maker_item(plan, item, ctx, hostile)
    _check_files(plan, item)
    return plan


def _value_problems(plan: PlannedItem, item: IntakeItem) -> set[str]:
    """Unknown fields, values of the wrong type, over-long text, control characters: named once
    per column, before any cleaner sees the value. Returns the columns refused here."""
    allowed = (ENTERPRISE_FIELDS if plan.kind == GroupKind.ENTERPRISE else MAKER_FIELDS) + OPTIONAL_FIELDS[
        plan.kind
    ]
    refused: set[str] = set()
    values = [(str(k), val) for k, val in item.fields.items()]
    if plan.kind == GroupKind.MAKER:
        if not isinstance(item.members, list) or len(item.members) > MAX_MEMBERS:
            plan.problem("members", _("团队成员应为列表，最多 %(limit)d 人。") % {"limit": MAX_MEMBERS})
            refused.add("members")
        else:
            for i, member in enumerate(item.members):
                if not isinstance(member, dict):
                    plan.problem(f"members[{i}]", _("应为字段名到值的映射。"))
                    refused.add(f"members[{i}]")
                    continue
                values += [(f"members[{i}].{k}", val) for k, val in member.items()]
                for k in member:
                    if k not in MEMBER_FIELDS:
                        plan.problem(f"members[{i}].{k}", _("未知的成员字段。"))
                        refused.add(f"members[{i}].{k}")
    elif item.members:
        plan.problem("members", _("企业组没有团队成员。"))
        refused.add("members")
    for column, value in values:
        if column in refused:
            continue
        if "." not in column and column not in allowed:
            plan.problem(column, _("未知的字段。"))
        elif column == "ip_list":
            if not isinstance(value, list | str):
                plan.problem(column, _("应为文本或列表。"))
            else:
                continue
        elif not _plain_value(value):
            plan.problem(column, _("应为文本、数字、日期或是/否。"))
        elif isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
            plan.problem(
                column,
                _("内容过长（%(length)d 个字符，上限 %(limit)d）。")
                % {"length": len(value), "limit": MAX_VALUE_CHARS},
            )
        elif isinstance(value, str) and (problem := text_problem(value)):
            plan.problem(column, problem)
        else:
            continue
        refused.add(column)
    return refused


def _plain_value(value: Any) -> bool:
    if value is None or isinstance(value, str | bool | int | Decimal | date):
        return True
    return isinstance(value, float) and math.isfinite(value)


def _take(plan: PlannedItem, problems: Iterable[tuple[str, str]], hostile: set[str]) -> None:
    for column, message in problems:
        if column not in hostile:
            plan.problem(column, message)


def _clean_enterprise_item(plan: PlannedItem, item: IntakeItem, ctx: _Context, hostile: set[str]) -> None:
    fields = {k: (None if k in hostile else val) for k, val in item.fields.items()}
    row = {key: fields.get(key) for key in _PROFILE_FIELDS}
    row.update({key: fields.get(key) for key in _ENTRY_FIELDS if key != "industry"})
    row["entry_industry"] = fields.get("entry_industry")
    row["ip_list"] = "" if isinstance(fields.get("ip_list"), list) else fields.get("ip_list")
    raw_code = str(fields.get("credit_code") or "").replace(" ", "").upper()
    existing = ctx.enterprises.get(raw_code)
    profile, entry_data, problems = clean_import_row(
        row, existing=existing, group=plan.group, event=ctx.event, rules=ctx.rules
    )
    renamed = {ELIGIBILITY_COLUMN: "eligibility", "division_confirmed": "credit_code"}
    _take(plan, ((renamed.get(k, k), m) for k, m in problems), hostile)
    if isinstance(fields.get("ip_list"), list) and entry_data is not None:
        entry_data["ip_list"] = _ip_list(plan, fields["ip_list"])
    if profile is not None:
        plan.natural = profile["credit_code"]
    plan.profile, plan.entry_data = profile, entry_data
    plan.enterprise = existing
    plan.seen_entrant = _entrant_state(existing)


def _ip_list(plan: PlannedItem, items: list) -> list[dict[str, str]]:
    out = []
    for i, ip in enumerate(items):
        if not isinstance(ip, dict):
            plan.problem(f"ip_list[{i}]", _("应为含 kind、name、number 的映射。"))
            continue
        try:
            cleaned = clean_entry({"ip_list": [ip]}, partial=True)["ip_list"]
        except FieldErrors as exc:
            for message in exc.fields.values():
                plan.problem(f"ip_list[{i}]", message)
            continue
        out += cleaned
    return out


def _clean_team(data: dict[str, Any], members: list[dict[str, Any]], ctx: _Context):
    """(team fields, members) by the rules of ``profiles.save_team`` (its cleaner), the 区划
    lookups shared by the batch."""
    return profiles.clean_team(data, members, divisions=ctx.divisions)


def _team_column(key: str) -> str:
    """``save_team``'s error keys as intake columns: ``name`` → ``team_name``, ``members-3-phone``
    → ``members[2].phone``."""
    if key == "name":
        return "team_name"
    if key.startswith("members-"):
        number, name = key.split("-", 2)[1:]
        return f"members[{int(number) - 1}].{name}"
    return key


def _clean_maker_item(plan: PlannedItem, item: IntakeItem, ctx: _Context, hostile: set[str]) -> None:
    fields = {k: (None if k in hostile else val) for k, val in item.fields.items()}
    members = [
        {k: (None if f"members[{i}].{k}" in hostile else m.get(k)) for k in MEMBER_FIELDS}
        for i, m in enumerate(item.members if "members" not in hostile else [])
        if isinstance(m, dict)
    ]
    data = {
        "name": fields.get("team_name"),
        "leader_name": fields.get("leader_name"),
        "leader_phone": fields.get("leader_phone"),
        "declares_not_enterprise": fields.get("declares_not_enterprise"),
        "division": fields.get("division") or ctx.default_division,
    }
    profile = members_out = None
    try:
        profile, members_out = _clean_team(data, members, ctx)
    except FieldErrors as exc:
        _take(plan, ((_team_column(k), m) for k, m in exc.fields.items()), hostile)
    industry_text = str(fields.get("industry") or "").strip()
    industry = industry_from_cell(industry_text) if industry_text else None
    if industry is None:
        message = "应为国民经济行业分类门类的字母（A–T）或名称，如“I”或“软件和信息技术服务业”。"
        _take(plan, [("industry", _("请填写行业领域。") if not industry_text else message)], hostile)
    entry_input = {
        key: str(fields.get(key) or "").strip() for key in _ENTRY_FIELDS if key not in ("industry", "ip_list")
    }
    entry_input["ip_list"] = (
        [] if isinstance(fields.get("ip_list"), list) else _split_ip(fields.get("ip_list"))
    )
    entry_data = None
    try:
        entry_data = clean_entry(entry_input, partial=True)
    except FieldErrors as exc:
        _take(plan, exc.fields.items(), hostile)
    if not entry_input["summary"]:
        _take(plan, [("summary", "请填写项目简介。")], hostile)
    if entry_data is not None:
        entry_data["industry"] = industry or ""
        if isinstance(fields.get("ip_list"), list):
            entry_data["ip_list"] = _ip_list(plan, fields["ip_list"])
    if profile is not None and entry_data is not None and not plan.problems:
        candidate = Entry(edition_id=ctx.event.edition_id, event=ctx.event, group=plan.group,
                          team=MakerTeam(**profile))  # fmt: skip
        failures = eligibility_failures(candidate, rules=ctx.rules, members=len(members_out))
        if failures:
            plan.problem(
                "eligibility", _("不符合参赛条件：%(reasons)s") % {"reasons": _("；").join(failures)}
            )
    if profile is not None:
        plan.natural = profile["leader_phone"]
    plan.profile, plan.members, plan.entry_data = profile, members_out, entry_data


def _split_ip(value) -> list[dict[str, str]]:
    parts = [p.strip() for p in str(value or "").replace(";", "；").replace("\n", "；").split("；")]
    return [{"kind": "", "name": p, "number": ""} for p in parts if p]


def _check_files(plan: PlannedItem, item: IntakeItem) -> None:
    """The checks of an online upload; the bytes are read once and dropped."""
    if item.business_plan is not None:
        plan.plan = _check_file(plan, item.business_plan, "business_plan", image=False)
    images = item.images or []
    if len(images) > v.MAX_IMAGES_PER_ENTRY:
        plan.problem(
            "images",
            _("每个项目最多 %(limit)d 张图片，当前 %(count)d 张。")
            % {"limit": v.MAX_IMAGES_PER_ENTRY, "count": len(images)},
        )
        return
    for i, image in enumerate(images):
        facts = _check_file(plan, image, f"images[{i}]", image=True)
        if facts is not None:
            plan.images.append(facts)


def _check_file(plan: PlannedItem, source: IntakeFile, column: str, *, image: bool) -> _Facts | None:
    try:
        size = source.size if isinstance(source.size, int) else None
        (v.refuse_large_image if image else v.refuse_large_pdf)(size, field=column)
        data = _read(source)
        if image:
            checked_image = v.check_image(source.name, data, field=column)
            return _Facts(checked_image.name, checked_image.sha256, len(data), source,
                          extension=checked_image.extension)  # fmt: skip
        pdf = v.check_pdf(source.name, data, field=column)
        return _Facts(pdf.name, pdf.sha256, len(data), source, pages=pdf.pages)
    except ValidationFailed as exc:
        plan.problem(column, exc.message)
        return None


def _read(source: IntakeFile) -> bytes:
    try:
        data = source.read()
    except _READ_ERRORS as exc:
        raise ValidationFailed(
            _("无法读取文件“%(name)s”。") % {"name": v.safe_filename(source.name, default="?")}
        ) from exc
    if not isinstance(data, bytes | bytearray):
        raise ValidationFailed(_("无法读取文件。"))
    return bytes(data)


# -- step 2: resolve against what the platform holds ------------------------------------------------


def _entrant_state(obj) -> tuple | None:
    if obj is None:
        return None
    return (obj.pk, obj.owner_id, obj.owner.is_active, obj.owner.username)


def team_username(phone: str) -> str:
    """The placeholder owner of an imported team: its leader's phone digits."""
    return TEAM_PLACEHOLDER_PREFIX + "".join(ch for ch in phone if ch.isdigit())


def _resolve(event: Event, plans: list[PlannedItem], *, reclean: bool = False) -> list[PlannedItem]:
    """Look up, for the whole batch, the entrants and their active entries, then give every clean
    item its clashes or its action. ``reclean``: an enterprise whose account changed since it
    was cleaned is cleaned again (its eligibility may depend on the real profile)."""
    codes = {p.natural for p in plans if p.kind == GroupKind.ENTERPRISE and p.natural}
    phones = {p.natural for p in plans if p.kind == GroupKind.MAKER and p.natural}
    enterprises = {
        e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes).select_related("owner")
    }
    teams = {
        t.owner.username: t
        for t in MakerTeam.objects.filter(owner__username__in=[team_username(p) for p in phones])
        .select_related("owner", "division")
        .prefetch_related("members")
    }
    current = _active_entries(event, codes, phones)
    seen: dict[tuple, str] = {}
    for plan in plans:
        if not plan.natural or plan.profile is None:
            continue
        if plan.kind == GroupKind.ENTERPRISE:
            plan.enterprise = enterprises.get(plan.natural)
            if reclean and _entrant_state(plan.enterprise) != plan.seen_entrant:
                plan.problem(
                    "credit_code", _("该统一社会信用代码的登记信息刚刚发生变化，请重新检查后再导入。")
                )
            batch_key: tuple = ("enterprise", plan.natural)
        else:
            plan.team = teams.get(team_username(plan.natural))
            batch_key = ("maker", plan.natural)
        if batch_key in seen:
            label = _("统一社会信用代码") if plan.kind == GroupKind.ENTERPRISE else _("负责人手机")
            column = "credit_code" if plan.kind == GroupKind.ENTERPRISE else "leader_phone"
            plan.problem(
                column,
                _("与“%(other)s”的%(label)s相同；每个企业（团队）本届只能报名一个项目。")
                % {"other": seen[batch_key], "label": label},
            )
        seen.setdefault(batch_key, plan.key)
    for plan in plans:
        if plan.problems or plan.profile is None or plan.entry_data is None:
            plan.outcome.action = "invalid"
            continue
        _decide(plan, event, current)
    _hash_current(plans)
    for plan in plans:
        if plan.problems:
            plan.outcome.action = "invalid"
            plan.outcome.entry = None
    return plans


def _active_entries(event: Event, codes: set[str], phones: set[str]) -> dict[tuple, list[Entry]]:
    """The edition's active entries of these entrants: ("enterprise", code) / ("maker", phone) → entries."""
    out: dict[tuple, list[Entry]] = {}
    base = Entry.objects.filter(edition_id=event.edition_id, status__in=ACTIVE).select_related(
        "event", "enterprise__owner", "team__owner", "team__division", "group"
    )
    for entry in base.filter(credit_code__in=codes).order_by("pk"):
        out.setdefault(("enterprise", entry.credit_code), []).append(entry)
    for entry in base.filter(team__leader_phone__in=phones).order_by("pk"):
        out.setdefault(("maker", entry.team.leader_phone), []).append(entry)
    return out


def _decide(plan: PlannedItem, event: Event, current: dict[tuple, list[Entry]]) -> None:
    title = plan.entry_data["title"]
    if plan.kind == GroupKind.ENTERPRISE:
        enterprise = plan.enterprise
        if enterprise is not None and not is_placeholder(enterprise.owner):
            given = plan.profile["name"]
            if enterprise.name != given:
                plan.problem(
                    "name",
                    _("该统一社会信用代码已登记为“%(name)s”，与所填企业名称不符。")
                    % {"name": enterprise.name},
                )
                return
        mine = current.get(("enterprise", plan.natural), [])
        entry = mine[0] if mine else None
        if entry is not None and entry.title != title:
            plan.problem(
                "title",
                _("该企业本届已在“%(event)s”报名项目“%(title)s”，每个企业只能报名一个项目。")
                % {"event": entry.event.name, "title": entry.title},
            )
            return
    else:
        username = team_username(plan.natural)
        mine = current.get(("maker", plan.natural), [])
        ours = [e for e in mine if e.team.owner.username == username]
        same = [e for e in mine if e.title == title]
        entry = ours[0] if ours else None
        if entry is not None and entry.title != title:
            plan.problem(
                "title",
                _("该团队本届已在“%(event)s”报名项目“%(title)s”，每个团队只能报名一个项目。")
                % {"event": entry.event.name, "title": entry.title},
            )
            return
        if entry is None and same:
            plan.problem("title", _("该团队已在本平台在线报名此项目，导入不能覆盖在线报名。"))
            return
    if entry is not None and entry.event_id != event.pk:
        plan.problem(
            "title",
            (
                _("该企业已在“%(event)s”报名此项目。")
                if plan.kind == GroupKind.ENTERPRISE
                else _("该团队已在“%(event)s”报名此项目。")
            )
            % {"event": entry.event.name},
        )
        return
    if entry is not None and entry.source not in IMPORTED_SOURCES:
        plan.problem(
            "title",
            _("该企业已在本平台在线报名此项目，导入不能覆盖在线报名。")
            if plan.kind == GroupKind.ENTERPRISE
            else _("该团队已在本平台在线报名此项目，导入不能覆盖在线报名。"),
        )
        return
    plan.entry = entry
    plan.outcome.entry = entry
    plan.outcome.action = "created" if entry is None else ""  # "" until the hashes are compared


def _hash_current(plans: list[PlannedItem]) -> None:
    """Hash every planned item and every entry it would change (images and members read in two
    queries for the batch); equal hashes mean ``unchanged``."""
    ids = [p.entry.pk for p in plans if p.entry is not None and not p.problems]
    images: dict[int, list[EntryImage]] = {pk: [] for pk in ids}
    for image in EntryImage.objects.filter(entry_id__in=ids).order_by("entry", "order", "id"):
        images[image.entry_id].append(image)
    team_ids = {p.entry.team_id for p in plans if p.entry is not None and p.entry.team_id}
    members: dict[int, list[TeamMember]] = {pk: [] for pk in team_ids}
    for member in TeamMember.objects.filter(team_id__in=team_ids).order_by("team", "order", "id"):
        members[member.team_id].append(member)
    for plan in plans:
        if plan.problems or plan.entry_data is None or plan.profile is None:
            continue
        plan.outcome.content_sha256 = _sha256(_planned_content(plan))
        if plan.entry is None:
            continue
        stored = _stored_content(plan.entry, images[plan.entry.pk], members.get(plan.entry.team_id))
        if _sha256(stored) == plan.outcome.content_sha256:
            plan.outcome.action = "unchanged"
            continue
        plan.outcome.action = "updated"
        plan.changes = audit.diff(stored["entry"], _planned_content(plan)["entry"])
        if plan.entry.status in _DECIDED:
            plan.problem(
                "title",
                _("该项目资格审查已有结论（%(status)s），不能通过导入修改。")
                % {"status": plan.entry.get_status_display()},
            )


def _sha256(content: dict[str, Any]) -> str:
    return hashlib.sha256(audit.canonical_json(audit.jsonable(content)).encode("utf-8")).hexdigest()


def _profile_content(obj, kind: str) -> dict[str, Any]:
    if kind == GroupKind.ENTERPRISE:
        return {k: getattr(obj, k) if not isinstance(obj, dict) else obj[k] for k in _PROFILE_FIELDS}
    get = obj.get if isinstance(obj, dict) else lambda k: getattr(obj, k)
    division = get("division")
    return {**{k: get(k) for k in _TEAM_FIELDS}, "division": division.code if division is not None else ""}


def _planned_content(plan: PlannedItem) -> dict[str, Any]:
    """What the platform will hold for the item: a real account's profile stays as it is."""
    enterprise = plan.enterprise
    if plan.kind == GroupKind.ENTERPRISE and enterprise is not None and not is_placeholder(enterprise.owner):
        entrant = _profile_content(enterprise, plan.kind)
    else:
        entrant = _profile_content(plan.profile, plan.kind)
    return {
        "group": plan.kind,
        "entrant": entrant,
        "members": [{k: m[k] for k in MEMBER_FIELDS} for m in plan.members or []],
        "entry": {k: plan.entry_data.get(k) for k in _ENTRY_FIELDS},
        "files": {
            "business_plan": plan.plan.sha256 if plan.plan else "",
            "images": [i.sha256 for i in plan.images],
        },
    }


def _stored_content(
    entry: Entry, images: list[EntryImage], members: list[TeamMember] | None
) -> dict[str, Any]:
    kind = entry.group.code
    entrant = entry.enterprise if entry.enterprise_id else entry.team
    return {
        "group": kind,
        "entrant": _profile_content(entrant, kind),
        "members": [{k: getattr(m, k) for k in MEMBER_FIELDS} for m in members or []],
        "entry": {k: getattr(entry, k) for k in _ENTRY_FIELDS},
        "files": {"business_plan": entry.business_plan_sha256, "images": [i.sha256 for i in images]},
    }


def _stored_sha256(entry: Entry) -> str:
    members = list(entry.team.members.all()) if entry.team_id else None
    return _sha256(_stored_content(entry, list(entry.images.all()), members))


# -- step 3: write ---------------------------------------------------------------------------------


def write_plans(
    plans: list[PlannedItem],
    *,
    by,
    event: Event,
    source: str,
    action: str,
    data: dict[str, Any],
    written: list[str] | None = None,
) -> None:
    """Write resolved plans in bulk (shared with ``importing.import_entries``; the caller holds the
    event's lock inside ``transaction.atomic``). Sets ``outcome.entry`` of every plan. The names of
    stored files are appended to ``written`` (the caller deletes them if its transaction fails)."""
    changing = [p for p in plans if p.outcome.action in ("created", "updated")]
    written = [] if written is None else written
    with discard_on_failure(written):
        owners = _placeholder_owners(changing)
        enterprises, teams = _save_entrants(changing, owners)
        created = _create_entries(
            [p for p in changing if p.outcome.action == "created"], event=event, source=source
        )
        updated = _update_entries([p for p in changing if p.outcome.action == "updated"])
        images = _store_files(changing, written)
        receipts = record_submissions(
            created, by=by, source=source, reason=_REASONS[source][0], images=images
        )
        record_submissions(updated, by=by, source=source, reason=_REASONS[source][1], images=images)
    for entry, receipt in zip(created, receipts, strict=True):
        if entry.owner.email:  # a placeholder has none
            notify_entrant(
                entry, "submitted", extra=f"回执编号：{receipt.number}\n内容哈希（SHA-256）：{receipt.sha256}"
            )
    audit.record(
        action=action,
        obj=event,
        by=by,
        scope=f"event:{event.pk}",
        data={
            **data,
            "created": [p.outcome.entry.pk for p in plans if p.outcome.action == "created"],
            "updated": [p.outcome.entry.pk for p in plans if p.outcome.action == "updated"],
            "unchanged": [p.outcome.entry.pk for p in plans if p.outcome.action == "unchanged"],
            "enterprises": enterprises,
            "teams": teams,
            "changes": {
                str(p.outcome.entry.pk): sorted(p.changes or {})
                for p in plans
                if p.outcome.action == "updated"
            },
        },
    )
    changed = [e.pk for e in created + updated]
    transaction.on_commit(lambda: enqueue_duplicate_checks(changed))  # one bulk task, not one per entry


def _placeholder_owners(plans: list[PlannedItem]) -> dict[str, Any]:
    """username → the inactive placeholder user of every entrant without a profile yet."""
    wanted: dict[str, str] = {}
    for plan in plans:
        if plan.kind == GroupKind.ENTERPRISE and plan.enterprise is None:
            wanted[f"{PLACEHOLDER_PREFIX}{plan.natural}"] = plan.profile["name"]
        elif plan.kind == GroupKind.MAKER and plan.team is None:
            wanted[team_username(plan.natural)] = plan.profile["leader_name"]
    user_model = get_user_model()
    owners = {u.username: u for u in user_model.objects.filter(username__in=list(wanted))}
    unusable = make_password(None)  # one unusable password for all: none of them can sign in
    new = [
        user_model(username=name, display_name=display[:100], is_active=False, password=unusable)
        for name, display in wanted.items()
        if name not in owners
    ]
    for user in user_model.objects.bulk_create(new, batch_size=500):
        owners[user.username] = user
    return owners


def _save_entrants(plans: list[PlannedItem], owners: dict[str, Any]) -> tuple[dict, dict]:
    """Create the new profiles and update placeholders' changed ones (a team's members are
    replaced); real accounts' profiles are theirs to edit."""
    new_enterprises, changed_enterprises, new_teams, changed_teams = [], [], [], []
    for plan in plans:
        if plan.kind == GroupKind.ENTERPRISE:
            if plan.enterprise is None:
                plan.enterprise = Enterprise(
                    owner=owners[f"{PLACEHOLDER_PREFIX}{plan.natural}"], **plan.profile
                )
                new_enterprises.append(plan.enterprise)
            elif is_placeholder(plan.enterprise.owner) and _profile_content(
                plan.enterprise, plan.kind
            ) != _profile_content(plan.profile, plan.kind):
                for key, value in plan.profile.items():
                    setattr(plan.enterprise, key, value)
                changed_enterprises.append(plan.enterprise)
        elif plan.team is None:
            plan.team = MakerTeam(owner=owners[team_username(plan.natural)], **plan.profile)
            new_teams.append(plan.team)
        elif (
            _profile_content(plan.team, plan.kind) != _profile_content(plan.profile, plan.kind)
            or [{k: getattr(m, k) for k in MEMBER_FIELDS} for m in plan.team.members.all()] != plan.members
        ):
            for key, value in plan.profile.items():
                setattr(plan.team, key, value)
            changed_teams.append(plan.team)
    _bulk_create(Enterprise, new_enterprises, _("该统一社会信用代码刚刚由其他账号登记，请重新检查后再导入。"))
    _bulk_create(MakerTeam, new_teams, _("团队刚刚发生变化，请重新检查后再导入。"))
    if changed_enterprises:
        fields = sorted(
            {k for p in plans if p.kind == GroupKind.ENTERPRISE for k in p.profile} - {"credit_code"}
        )
        write_fields(changed_enterprises, [*fields, "updated_at"])
    if changed_teams:
        fields = sorted({k for p in plans if p.kind == GroupKind.MAKER for k in p.profile})
        write_fields(changed_teams, [*fields, "updated_at"])
        TeamMember.objects.filter(team__in=changed_teams).delete()
    renewed = {id(t) for t in new_teams + changed_teams}
    TeamMember.objects.bulk_create(
        [
            TeamMember(team=p.team, order=i, **m)
            for p in plans
            if p.kind == GroupKind.MAKER and id(p.team) in renewed
            for i, m in enumerate(p.members or [])
        ],
        batch_size=1000,
    )
    return (
        {"created": [e.pk for e in new_enterprises], "updated": [e.pk for e in changed_enterprises]},
        {"created": [t.pk for t in new_teams], "updated": [t.pk for t in changed_teams]},
    )


def _bulk_create(model, objs: list, message: str) -> None:
    if not objs:
        return
    try:
        with transaction.atomic():
            model.objects.bulk_create(objs, batch_size=500)
    except IntegrityError as exc:
        raise Conflict(message) from exc


def _create_entries(plans: list[PlannedItem], *, event: Event, source: str) -> list[Entry]:
    entries = []
    for plan in plans:
        enterprise = plan.enterprise if plan.kind == GroupKind.ENTERPRISE else None
        team = plan.team if plan.kind == GroupKind.MAKER else None
        entrant = enterprise or team
        entry = Entry(
            edition_id=event.edition_id, event=event, group=plan.group, owner=entrant.owner,
            enterprise=enterprise, team=team, credit_code=enterprise.credit_code if enterprise else None,
            division=entrant.division, source=source, **plan.entry_data,
        )  # fmt: skip
        entry.edition = event.edition
        entry.summary_simhash = simhash(entry.summary)
        plan.entry = plan.outcome.entry = entry
        entries.append(entry)
    _bulk_create(Entry, entries, _("有企业（团队）刚刚在线报名，请重新检查后再导入。"))
    return entries


def _update_entries(plans: list[PlannedItem]) -> list[Entry]:
    if not plans:
        return []
    ids = [p.entry.pk for p in plans]
    fresh = {
        e.pk: e
        for e in Entry.objects.select_for_update()
        .select_related("event", "edition", "group", "owner")
        .filter(pk__in=ids)
        .order_by("pk")
    }
    entries = []
    for plan in plans:
        entry = fresh[plan.entry.pk]
        if entry.version != plan.entry.version or entry.status != plan.entry.status:
            raise Conflict(_("%(key)s：项目刚刚发生变化，请重新检查后再导入。") % {"key": plan.key})
        for key, value in plan.entry_data.items():
            setattr(entry, key, value)
        entry.summary_simhash = simhash(entry.summary)
        entry.version += 1
        plan.entry = plan.outcome.entry = entry
        entries.append(entry)
    fields = sorted({k for p in plans for k in p.entry_data})
    write_fields(entries, [*fields, "summary_simhash", "version", "updated_at"])
    return entries


def _store_files(plans: list[PlannedItem], written: list[str]) -> dict[int, list[EntryImage]]:
    """Store new plans and images (read a second time, checked to be the bytes that were checked);
    replaced files go after the commit unless a receipt lists them. Returns entry pk → images."""
    doomed: list[tuple[Entry, str, str]] = []
    plan_changed: list[Entry] = []
    image_sets: dict[int, list[EntryImage]] = {}
    updated_ids = [p.entry.pk for p in plans if p.outcome.action == "updated" and p.replace_files]
    stored_images: dict[int, list[EntryImage]] = {pk: [] for pk in updated_ids}
    for image in EntryImage.objects.filter(entry_id__in=updated_ids).order_by("entry", "order", "id"):
        stored_images[image.entry_id].append(image)
    new_images: list[EntryImage] = []
    gone_images: list[int] = []
    for plan in plans:
        entry = plan.entry
        if not plan.replace_files:
            continue
        sha = plan.plan.sha256 if plan.plan else ""
        if sha != entry.business_plan_sha256:
            if entry.business_plan:
                doomed.append((entry, entry.business_plan.name, entry.business_plan_sha256))
            if plan.plan is None:
                entry.business_plan = ""
                entry.business_plan_name = entry.business_plan_sha256 = ""
                entry.business_plan_pages = entry.business_plan_size = None
            else:
                data = _reread(plan, plan.plan, "business_plan")
                entry.business_plan_sha256, entry.business_plan_name = sha, plan.plan.name
                entry.business_plan_pages, entry.business_plan_size = plan.plan.pages, plan.plan.size
                entry.business_plan.save(plan.plan.name, ContentFile(data), save=False)
                written.append(entry.business_plan.name)
            plan_changed.append(entry)
        old = stored_images.get(entry.pk, [])
        if [i.sha256 for i in old] == [i.sha256 for i in plan.images]:
            image_sets[entry.pk] = old
            continue
        gone_images += [i.pk for i in old]
        doomed += [(entry, i.file.name, i.sha256) for i in old]
        image_sets[entry.pk] = []
        for order, facts in enumerate(plan.images):
            data = _reread(plan, facts, f"images[{order}]")
            image = EntryImage(entry=entry, name=facts.name, sha256=facts.sha256, extension=facts.extension,
                               order=order)  # fmt: skip
            image.file.save(facts.name, ContentFile(data), save=False)
            written.append(image.file.name)
            new_images.append(image)
            image_sets[entry.pk].append(image)
    if plan_changed:
        write_fields(plan_changed, ["business_plan", "business_plan_name", "business_plan_sha256",
                                    "business_plan_pages", "business_plan_size"])  # fmt: skip
    EntryImage.objects.filter(pk__in=gone_images).delete()
    EntryImage.objects.bulk_create(new_images, batch_size=500)
    delete_many_after_commit(doomed)
    return image_sets


def _reread(plan: PlannedItem, facts: _Facts, column: str) -> bytes:
    """The file's bytes again, refused unless they are the ones that were checked."""
    data = _read(facts.source) if facts.source is not None else b""
    if hashlib.sha256(data).hexdigest() != facts.sha256:
        raise IntakeRefused(
            [
                ItemOutcome(
                    plan.key,
                    "invalid",
                    [ItemProblem(plan.key, column, _("文件在检查后发生了变化，请重新导入。"))],
                )
            ]
        )
    return data
