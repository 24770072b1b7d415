"""Importing experts from a table: validate every row, then one transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from contest.catalog.enums import DivisionLevel
from contest.catalog.models import Division
from contest.core import audit
from contest.core.access import require
from contest.core.errors import FieldErrors, ValidationFailed
from contest.core.importing import Column, RowError
from contest.registration import validators as v
from contest.registration.enums import Industry, chinese_label
from contest.registration.services import industry_from_cell
from contest.review.enums import ExpertKind
from contest.review.models import Expert
from contest.review.services.experts import CONTACT_FIELDS, clean_expert, owner_organization_for

# -- importing experts (two-phase: validate every row, then one transaction) ------------------------------


EXPERT_IMPORT_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True),
    Column("organization_name", "工作单位", True),
    Column("organization_credit_code", "单位统一社会信用代码"),
    Column("title", "职称", aliases=("职称/职务", "职务")),
    Column("expertise", "擅长行业", True),
    Column("regions", "熟悉地区"),
    Column("kind", "专家类别", True),
    Column("phone", "手机", True, ("手机号", "手机号码")),
    Column("email", "邮箱", aliases=("电子邮箱",)),
)
EXPERT_HEADERS = {c.field: c.header for c in EXPERT_IMPORT_COLUMNS}
EXPERT_IMPORT_ROW_LIMIT = 2000
EXPERT_KIND_CELLS = {
    **{k.value: k.value for k in ExpertKind},
    **{str(k.label): k.value for k in ExpertKind},
    **{str(k.label)[:2]: k.value for k in ExpertKind},
}
_LIST_SEPARATORS = re.compile(r"[、,，;；/\s]+")


@dataclass
class ExpertImportRow:
    row: int
    name: str
    phone: str
    action: str = ""  # created | updated | unchanged; empty when the row has errors
    errors: list[RowError] | None = None
    data: dict[str, Any] | None = None
    expert: Expert | None = None


@dataclass
class ExpertImportReport:
    rows: list[ExpertImportRow]
    dry_run: bool

    @property
    def errors(self) -> list:
        return [e for r in self.rows for e in (r.errors or [])]

    def with_action(self, action: str) -> list[ExpertImportRow]:
        return [r for r in self.rows if r.action == action]

    def lines(self) -> list[str]:
        if self.errors:
            return [f"{len(self.errors)} 处错误，未导入任何数据：", *(str(e) for e in self.errors)]
        verb = "将" if self.dry_run else "已"
        marks = {"created": "+ 新增", "updated": "~ 更新", "unchanged": "= 无变化"}
        return [
            f"专家库：{verb}新增 {len(self.with_action('created'))} 位，更新 {len(self.with_action('updated'))} 位，"
            f"无变化 {len(self.with_action('unchanged'))} 位。",
            *(f"{marks[r.action]} 第 {r.row} 行 {r.name}" for r in self.rows),
        ]


class ExpertImportRefused(ValidationFailed):
    """At least one row is wrong; ``report`` lists every error. Nothing was written."""

    def __init__(self, report: ExpertImportReport):
        self.report = report
        errors = [str(e) for e in report.errors]
        super().__init__(f"{len(errors)} 处错误，未导入任何数据。", errors=errors, field="file")


def industry_cells(text: str) -> list[str]:
    """A cell of industries split at 、 , ; / — except inside a section's own name, several of
    which contain 、 (“信息传输、软件和信息技术服务业”): known names are matched first, longest first."""
    # the file is Chinese whatever language the organizer reads the site in
    names = sorted({n for choice in Industry for n in (chinese_label(choice), chinese_label(choice)[2:])}, key=len,
                   reverse=True)  # fmt: skip
    parts, position, text = [], 0, (text or "").strip()
    while position < len(text):
        if _LIST_SEPARATORS.match(text, position):
            position = _LIST_SEPARATORS.match(text, position).end()
            continue
        name = next((n for n in names if text.startswith(n, position)), None)
        if name is None:
            end = _LIST_SEPARATORS.search(text, position)
            name = text[position : end.start() if end else len(text)]
        parts.append(name)
        position += len(name)
    return parts


def _province_codes() -> dict[str, str]:
    """Every way a province-level division is written (code, name, short name, aliases) → code."""
    out: dict[str, str] = {}
    for code, name, short, aliases in Division.objects.filter(level=DivisionLevel.PROVINCE).values_list(
        "code", "name", "short_name", "aliases"
    ):
        for spelling in (code, name, short, *[a for a in aliases.split("、") if a]):
            out[spelling.strip()] = code
    return out


def _expert_row(row: dict[str, Any], *, provinces: dict[str, str], existing: Expert | None):
    """(cleaned data, {field: message}) for one import row."""
    problems: dict[str, str] = {}

    def cell(key: str) -> str:
        value = row.get(key)
        return "" if value is None else str(value).strip()

    letters, unknown = [], []
    for part in industry_cells(cell("expertise")):
        letter = industry_from_cell(part)
        (letters if letter else unknown).append(letter or part)
    if unknown:
        problems["expertise"] = (f"“{'、'.join(unknown)}”不是国民经济行业分类门类，"
                                 "应为字母 A–T 或门类名称（如“C”或“制造业”），以“、”分隔。")  # fmt: skip
    regions, bad_regions = [], []
    for part in [p for p in re.split(r"[、,，;；/]+", cell("regions")) if p.strip()]:
        code = provinces.get(part.strip()) or provinces.get(
            part.strip().removesuffix("省").removesuffix("市")
        )
        (regions if code else bad_regions).append(code or part.strip())
    if bad_regions:
        problems["regions"] = f"“{'、'.join(bad_regions)}”不是省级行政区（如“浙江”“广东省”或“330000”）。"
    kind_cell = cell("kind")
    kind = EXPERT_KIND_CELLS.get(kind_cell, "")
    if kind_cell and not kind:
        problems["kind"] = "应为“技术”“产业”或“投资”。"
    data = {
        "name": cell("name"), "organization_name": cell("organization_name"),
        "organization_credit_code": cell("organization_credit_code"), "title": cell("title"),
        "expertise": letters, "regions": regions, "kind": kind, "phone": cell("phone"), "email": cell("email"),
    }  # fmt: skip
    cleaned = None
    try:
        cleaned = clean_expert(data, instance=existing)
    except FieldErrors as exc:
        for key, message in exc.fields.items():
            problems.setdefault(key, message)
    if data["email"]:
        try:
            validate_email(data["email"])
        except ValidationError:
            problems["email"] = "邮箱格式不正确。"
    if len(data["title"]) > 100:
        problems["title"] = "职称不能超过 100 个字符。"
    return cleaned, problems


EXPERT_COMPARED = ("name", "organization_name", "organization_credit_code", "title", "expertise", "regions", "kind",
                   "phone", "email")  # fmt: skip


def _plan_expert_import(rows: list[dict[str, Any]], *, by=None) -> list[ExpertImportRow]:
    provinces = _province_codes()
    phones: dict[str, int] = {}
    normalized: list[str | None] = []
    for row in rows:
        try:
            normalized.append(v.normalize_mobile(str(row.get("phone") or "")))
        except ValidationFailed:
            normalized.append(None)
    existing = {e.phone: e for e in Expert.objects.filter(phone__in=[p for p in normalized if p])}
    planned = []
    for row, phone in zip(rows, normalized, strict=True):
        number = int(row.get("row") or 0)
        current = existing.get(phone) if phone else None
        cleaned, problems = _expert_row(row, provinces=provinces, existing=current)
        if phone and phone in phones:
            problems.setdefault("phone", f"与第 {phones[phone]} 行的手机号重复。")
        elif phone:
            phones[phone] = number
        item = ExpertImportRow(row=number, name=str(row.get("name") or "").strip(), phone=phone or "")
        if problems:
            order = [c.field for c in EXPERT_IMPORT_COLUMNS]
            item.errors = [RowError(number, EXPERT_HEADERS.get(key, key), message)
                           for key, message in sorted(problems.items(),
                                                      key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)]  # fmt: skip
        else:
            item.data = cleaned
            item.expert = current
            if current is None:
                item.action = "created"
            else:
                same = all(
                    audit.jsonable(getattr(current, k)) == audit.jsonable(cleaned[k]) for k in EXPERT_COMPARED
                )
                item.action = "unchanged" if same else "updated"
                if not same and by is not None and not by.has_perm("review.edit_expert", current):
                    item.action = ""
                    item.errors = [RowError(number, EXPERT_HEADERS["phone"],
                                            "该手机号的专家由其他单位维护，不能通过导入修改其信息。")]  # fmt: skip
        planned.append(item)
    return planned


def import_experts(*, by, rows: list[dict[str, Any]], dry_run: bool = False, source_name: str = "",
                   source_sha256: str = "") -> ExpertImportReport:  # fmt: skip
    """Add experts to the pool from a table. Every row is validated first (errors name the row and
    the column); then, unless ``dry_run``, all rows are written in one transaction. Idempotent on
    the mobile number: a known number updates that expert (or changes nothing). ``by`` None is the
    server's operator (the management command). Raises ``ExpertImportRefused`` when any row is wrong."""
    if by is not None:
        require(by, "review.manage_experts")
    if not rows:
        raise ValidationFailed("文件中没有数据行。", field="file")
    if len(rows) > EXPERT_IMPORT_ROW_LIMIT:
        raise ValidationFailed(f"一次最多导入 {EXPERT_IMPORT_ROW_LIMIT} 行，当前 {len(rows)} 行；请分批导入。",
                               field="file")  # fmt: skip
    if dry_run:
        return ExpertImportReport(rows=_plan_expert_import(rows, by=by), dry_run=True)
    with transaction.atomic():
        report = ExpertImportReport(rows=_plan_expert_import(rows, by=by), dry_run=False)
        if report.errors:
            raise ExpertImportRefused(report)
        owner, changes = owner_organization_for(by), []
        for item in report.rows:
            if item.action == "created":
                item.expert = Expert.objects.create(added_by=by, owner_organization_id=owner, **item.data)
            elif item.action == "updated":
                expert = Expert.objects.select_for_update().get(pk=item.expert.pk)
                before = {k: getattr(expert, k) for k in item.data}
                after = dict(item.data)
                for field, stamp in CONTACT_FIELDS.items():  # a changed contact is unverified again
                    if str(before[field] or "").lower() != str(after[field] or "").lower():
                        before[stamp], after[stamp] = getattr(expert, stamp), None
                for key, value in after.items():
                    setattr(expert, key, value)
                expert.save()
                changes.append(audit.Entry(action="review.expert.updated", obj=expert,
                                           data={"changes": audit.diff(before, after), "source": source_name}))  # fmt: skip
                item.expert = expert
        audit.record(action="review.experts.imported", by=by, object_type="review.expert", object_id="",
                     data={"source": source_name, "sha256": source_sha256, "rows": len(report.rows),
                           "created": [r.expert.pk for r in report.with_action("created")],
                           "updated": [r.expert.pk for r in report.with_action("updated")],
                           "unchanged": [r.expert.pk for r in report.with_action("unchanged")]})  # fmt: skip
        audit.record_many(changes, by=by)
    return report
