"""Batch import, phase one: columns, row checks and the plan of what would change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contest.catalog.models import EditionGroup, Event
from contest.core import audit
from contest.core.errors import FieldErrors, ValidationFailed
from contest.core.importing import Column, RowError, headers_by_field
from contest.registration import validators as v
from contest.registration.enums import ACTIVE, Industry, SmeStatus, chinese_label
from contest.registration.models import EligibilityRule, Enterprise, Entry
from contest.registration.services.common import S, snapshot
from contest.registration.services.entries import clean_entry
from contest.registration.services.lifecycle import eligibility_failures
from contest.registration.services.profiles import clean_enterprise

# -- batch import of offline registrations (企业组) ------------------------------------------------
#
# Rows come from ``registration.importer`` (an .xlsx or .csv file) or any other caller, as dicts
# keyed by the field names below plus ``row`` (the row number in the file). Every row is checked
# first (errors name row and column); nothing is written unless all rows pass, then everything
# is written in one transaction. Idempotent on credit code + project title.


ENTRY_IMPORT_COLUMNS: tuple[Column, ...] = (
    Column("name", "企业名称", True),
    Column("credit_code", "统一社会信用代码", True),
    Column("founded_on", "成立日期", True),
    Column("registered_capital", "注册资本（万元）", True, ("注册资本",)),
    Column("employees", "从业人数", True),
    Column("revenue_last_year", "上年营业收入（万元）", True, ("上年营业收入",)),
    Column("is_listed", "是否上市"),
    Column("industry", "所属行业", True),
    Column("sme_status", "专精特新情况"),
    Column("contact_name", "联系人", True),
    Column("contact_phone", "联系人手机", True),
    Column("title", "项目名称", True),
    Column("summary", "项目简介", True),
    Column("entry_industry", "行业领域"),
    Column("innovation", "技术与创新"),
    Column("market", "市场前景"),
    Column("business_model", "商业模式"),
    Column("team_description", "团队情况"),
    Column("funding_sought", "融资需求（万元）", aliases=("融资需求",)),
    Column("ip_list", "知识产权"),
    Column("pitch_video_url", "路演视频链接"),
)
IMPORT_HEADERS = headers_by_field(ENTRY_IMPORT_COLUMNS)
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
        label = chinese_label(choice)
        if text in (label, label[2:]):
            return choice.value
    return None


def _sme_from_cell(value: str) -> str | None:
    text = (value or "").strip()
    if not text or text in ("无", "否"):
        return SmeStatus.NONE
    for choice in SmeStatus:
        if text in (choice.value, chinese_label(choice)):
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


def is_placeholder(user) -> bool:
    """An inactive ``import-<credit code>`` account the import made for an enterprise without one."""
    return user.username.startswith(PLACEHOLDER_PREFIX) and not user.is_active


def clean_import_row(
    row: dict[str, Any],
    *,
    existing: Enterprise | None,
    group: EditionGroup,
    event: Event,
    rules: list[EligibilityRule] | None = None,
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
        profile = existing if existing is not None and not is_placeholder(existing.owner) else None
        candidate = Entry(
            edition_id=event.edition_id,
            event=event,
            group=group,
            enterprise=profile or Enterprise(**enterprise_data),
        )
        failures = eligibility_failures(candidate, rules=rules)
        if failures:
            problems[ELIGIBILITY_COLUMN] = "不符合参赛条件：" + "；".join(failures)
    ordered = sorted(problems.items(), key=lambda kv: _column_order(kv[0]))
    return enterprise_data, entry_data, ordered


def _column_order(field_name: str) -> int:
    fields = [c.field for c in ENTRY_IMPORT_COLUMNS]
    return fields.index(field_name) if field_name in fields else len(fields)


def _column_label(field_name: str) -> str:
    return IMPORT_HEADERS.get(field_name, field_name)


def edition_rules(event: Event) -> list[EligibilityRule]:
    """The edition's active eligibility rules, read once for a whole batch."""
    return list(EligibilityRule.objects.filter(edition_id=event.edition_id, is_active=True))


def import_state(*, event: Event, rows: list[dict[str, Any]]) -> tuple:
    """What a plan of ``rows`` depends on besides the rows: the enterprises of their credit codes
    (and whether their owners are placeholders), the edition's active entries of those codes and
    the eligibility rules. Equal states give equal plans (a few queries for the whole file)."""
    codes = set()
    for row in rows:
        try:
            codes.add(v.normalize_credit_code(_cell(row, "credit_code")))
        except ValidationFailed:
            continue
    enterprises = sorted(
        Enterprise.objects.filter(credit_code__in=codes).values_list(
            "pk", "credit_code", "name", "updated_at", "owner_id", "owner__username", "owner__is_active"
        )
    )
    entries = sorted(
        Entry.objects.filter(
            edition_id=event.edition_id, credit_code__in=codes, status__in=ACTIVE
        ).values_list("pk", "credit_code", "status", "version", "updated_at", "event_id", "title", "source")
    )
    rules = [(r.pk, r.group_code, r.kind, r.value, r.message) for r in edition_rules(event)]
    return enterprises, entries, rules


def entry_snapshot(entry: Entry, keys) -> dict[str, Any]:
    """The entry's ``keys`` as stored, to diff an imported row against."""
    return {key: getattr(entry, key) for key in keys}


def plan_import(*, event: Event, group: EditionGroup, rows: list[dict[str, Any]]) -> list[ImportedRow]:
    """Every row checked and planned (created, updated, unchanged) or given its errors; nothing written."""
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
    rules = edition_rules(event)
    seen: dict[str, int] = {}
    planned: list[ImportedRow] = []
    for row in rows:
        number = int(row.get("row") or len(planned) + 2)
        raw_code = _cell(row, "credit_code").replace(" ", "").upper()
        existing = enterprises.get(raw_code)
        enterprise_data, entry_data, problems = clean_import_row(
            row, existing=existing, group=group, event=event, rules=rules
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
            if existing is not None and not is_placeholder(existing.owner) and existing.name != item.name:
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
    changes = audit.diff(entry_snapshot(current, item.entry_data), item.entry_data)
    if existing is not None and is_placeholder(existing.owner):
        profile = {k: v for k, v in item.enterprise_data.items() if k != "division_confirmed"}
        changes.update(
            {f"enterprise.{k}": d for k, d in audit.diff(snapshot(existing, profile), profile).items()}
        )
    item.changes = changes
    return "updated" if changes else "unchanged"
