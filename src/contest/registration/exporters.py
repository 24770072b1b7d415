"""Registration exports, registered in the one export registry (contest.core.exporters).

``registration.entries``: one row per entry with every column an organizer reviews — the
entrant's profile, the project, finances, IP, the business plan's hash, receipt hash and
status. Headers are Chinese; the entrant and project columns carry the same headers as the
import template (docs/entry-import.md), so an export can be edited and imported again.
Team members' phone numbers are masked (the organizer reaches a team through its leader;
docs/privacy.md). The core writers lay out the workbook and keep text cells text (``contest.core.exporters``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from contest.catalog.countries import country_name
from contest.core.exporters import Exporter, register
from contest.core.privacy import mask_phone
from contest.registration.enums import EntryStatus, Industry, SmeStatus, chinese_label
from contest.registration.models import Entry, TeamMember

ENTRY_COLUMNS = (
    "报名编号", "赛事", "赛区站点", "组别", "状态", "来源", "提交时间",
    "企业名称", "统一社会信用代码", "注册国家或地区", "注册号（境外）", "登记地", "成立日期", "注册资本（万元）", "从业人数",
    "上年营业收入（万元）", "是否上市", "所属行业", "专精特新情况", "联系人", "联系人手机",
    "团队名称", "团队负责人", "负责人手机", "团队成员",
    "项目名称", "行业领域", "项目简介", "技术与创新", "市场前景", "商业模式", "团队情况",
    "近三年财务（万元）", "融资需求（万元）", "知识产权", "路演视频链接",
    "商业计划书", "商业计划书页数", "商业计划书 SHA-256", "提交内容 SHA-256",
    "疑似重复", "组织方意见", "创建时间", "更新时间",
)  # fmt: skip


def _division(division) -> str | None:
    if division is None:
        return None
    if division.parent_id:
        return f"{division.parent.name}{division.name}"
    return division.name


def _phone(value: str | None) -> str | None:
    """Mainland mobiles as dialled at home (13812345678); others keep their +country code."""
    return value[3:] if value and value.startswith("+86") else value


def _finances(rows: list[dict]) -> list[str]:
    return [
        f"{row.get('year')}年 营业收入 {row.get('revenue')} 净利润 {row.get('profit')}"
        for row in rows or []
        if row.get("year")
    ]


def _ip(items: list[dict]) -> list[str]:
    return [" ".join(x for x in (i.get("kind"), i.get("name"), i.get("number")) if x) for i in items or []]


def labels() -> dict[str, dict[str, str]]:
    """Every choice's Chinese label, looked up once per export (not once per cell)."""
    return {
        "status": {c.value: chinese_label(c) for c in EntryStatus},
        "industry": {c.value: chinese_label(c) for c in Industry},
        "sme": {c.value: chinese_label(c) for c in SmeStatus},
    }


def entry_row(entry: Entry, names: dict[str, dict[str, str]] | None = None) -> dict[str, Any]:
    names = names or labels()
    industries = names["industry"]
    enterprise, team = entry.enterprise, entry.team
    row: dict[str, Any] = {
        "报名编号": entry.number,
        "赛事": entry.event.name,
        "赛区站点": entry.zone.name if entry.zone_id else None,
        "组别": entry.group.name,
        "状态": names["status"][entry.status],
        "来源": "批量导入" if entry.source == "import" else "在线报名",
        "提交时间": entry.submitted_at,
        "登记地": _division(entry.division),
        "项目名称": entry.title,
        "行业领域": industries.get(entry.industry, entry.industry),
        "项目简介": entry.summary,
        "技术与创新": entry.innovation,
        "市场前景": entry.market,
        "商业模式": entry.business_model,
        "团队情况": entry.team_description,
        "近三年财务（万元）": _finances(entry.finances),
        "融资需求（万元）": entry.funding_sought,
        "知识产权": _ip(entry.ip_list),
        "路演视频链接": entry.pitch_video_url,
        "商业计划书": entry.business_plan_name or None,
        "商业计划书页数": entry.business_plan_pages,
        "商业计划书 SHA-256": entry.business_plan_sha256 or None,
        "提交内容 SHA-256": entry.content_sha256 or None,
        "疑似重复": getattr(entry, "duplicate_count", None),
        "组织方意见": entry.organizer_comment,
        "创建时间": entry.created_at,
        "更新时间": entry.updated_at,
    }
    if enterprise is not None:
        row.update({
            "企业名称": enterprise.name,
            "统一社会信用代码": enterprise.credit_code,
            "注册国家或地区": country_name(enterprise.country, "zh"),
            "注册号（境外）": enterprise.registration_number or None,
            "成立日期": enterprise.founded_on,
            "注册资本（万元）": enterprise.registered_capital,
            "从业人数": enterprise.employees,
            "上年营业收入（万元）": enterprise.revenue_last_year,
            "是否上市": "是" if enterprise.is_listed else "否",
            "所属行业": industries.get(enterprise.industry, enterprise.industry),
            "专精特新情况": names["sme"].get(enterprise.sme_status, enterprise.sme_status),
            "联系人": enterprise.contact_name,
            "联系人手机": _phone(enterprise.contact_phone),
        })  # fmt: skip
    if team is not None:
        row.update({
            "团队名称": team.name,
            "注册国家或地区": country_name(team.country, "zh") if team.is_overseas else None,
            "团队负责人": team.leader_name,
            "负责人手机": _phone(team.leader_phone),
            "登记地": row["登记地"] or _division(team.division),
            "团队成员": [f"{m.name}（{m.role or '成员'}，{mask_phone(m.phone)}）" for m in team.members.all()],
        })  # fmt: skip
    return row


#: the columns read for an export row, as plain values (no model objects): ``entry_rows``
_FIELDS = (
    "number", "event__name", "group__name", "status", "source", "submitted_at",
    "division__name", "division__parent__name", "title", "industry", "summary", "innovation", "market",
    "business_model", "team_description", "finances", "funding_sought", "ip_list", "pitch_video_url",
    "business_plan_name", "business_plan_pages", "business_plan_sha256", "content_sha256", "organizer_comment",
    "created_at", "updated_at",
    "enterprise_id", "enterprise__name", "enterprise__credit_code", "enterprise__founded_on",
    "enterprise__registered_capital", "enterprise__employees", "enterprise__revenue_last_year",
    "enterprise__is_listed", "enterprise__industry", "enterprise__sme_status", "enterprise__contact_name",
    "enterprise__contact_phone",
    "team_id", "team__name", "team__leader_name", "team__leader_phone", "team__division__name",
    "team__division__parent__name",
    "zone__name", "enterprise__country", "enterprise__registration_number", "team__is_overseas", "team__country",
)  # fmt: skip
CHUNK = 2000


def _place(name: str | None, parent: str | None) -> str | None:
    """A division as ``_division`` writes it (the prefecture after its province)."""
    if name is None:
        return None
    return f"{parent}{name}" if parent else name


def _members(team_ids: list[int]) -> dict[int, list[str]]:
    """Each team's members as the export lists them (phone masked), in the team's order."""
    out: dict[int, list[str]] = {}
    rows = TeamMember.objects.filter(team_id__in=team_ids).order_by("team", "order", "id")
    for team_id, name, role, phone in rows.values_list("team_id", "name", "role", "phone"):
        out.setdefault(team_id, []).append(f"{name}（{role or '成员'}，{mask_phone(phone)}）")
    return out


def _rows_of_values(entries, names: dict[str, dict[str, str]]) -> Iterator[dict[str, Any]]:
    """``entry_row`` for every entry of the queryset ``entries``, built from plain values read
    ``CHUNK`` at a time (one statement per chunk for its team members): no model objects, every
    label looked up in ``names``."""
    duplicates = "duplicate_count" in entries.query.annotations
    fields = (*_FIELDS, "duplicate_count") if duplicates else _FIELDS
    values = entries.prefetch_related(None).values_list(*fields)
    statuses, industries, smes = names["status"], names["industry"], names["sme"]
    team_at = fields.index("team_id")
    chunk: list[tuple] = []

    def flush() -> Iterator[dict[str, Any]]:
        members = _members(sorted({v[team_at] for v in chunk if v[team_at] is not None}))
        for v in chunk:
            (number, event, group, status, source, submitted_at, division, division_parent, title, industry,
             summary, innovation, market, business_model, team_description, finances, funding, ip_list, video,
             plan_name, plan_pages, plan_sha, content_sha, comment, created_at, updated_at,
             enterprise_id, e_name, e_code, e_founded, e_capital, e_employees, e_revenue, e_listed, e_industry,
             e_sme, e_contact, e_phone,
             team_id, t_name, t_leader, t_phone, t_division, t_division_parent,
             zone, e_country, e_registration, t_overseas, t_country) = v[:49]  # fmt: skip
            row: dict[str, Any] = {
                "报名编号": number, "赛事": event, "赛区站点": zone, "组别": group, "状态": statuses[status],
                "来源": "批量导入" if source == "import" else "在线报名", "提交时间": submitted_at,
                "登记地": _place(division, division_parent), "项目名称": title,
                "行业领域": industries.get(industry, industry), "项目简介": summary, "技术与创新": innovation,
                "市场前景": market, "商业模式": business_model, "团队情况": team_description,
                "近三年财务（万元）": _finances(finances), "融资需求（万元）": funding, "知识产权": _ip(ip_list),
                "路演视频链接": video, "商业计划书": plan_name or None, "商业计划书页数": plan_pages,
                "商业计划书 SHA-256": plan_sha or None, "提交内容 SHA-256": content_sha or None,
                "疑似重复": v[49] if duplicates else None, "组织方意见": comment, "创建时间": created_at,
                "更新时间": updated_at,
            }  # fmt: skip
            if enterprise_id is not None:
                row.update({
                    "企业名称": e_name, "统一社会信用代码": e_code, "注册国家或地区": country_name(e_country, "zh"),
                    "注册号（境外）": e_registration or None, "成立日期": e_founded, "注册资本（万元）": e_capital,
                    "从业人数": e_employees, "上年营业收入（万元）": e_revenue, "是否上市": "是" if e_listed else "否",
                    "所属行业": industries.get(e_industry, e_industry), "专精特新情况": smes.get(e_sme, e_sme),
                    "联系人": e_contact, "联系人手机": _phone(e_phone),
                })  # fmt: skip
            if team_id is not None:
                row.update({
                    "团队名称": t_name, "注册国家或地区": country_name(t_country, "zh") if t_overseas else None,
                    "团队负责人": t_leader, "负责人手机": _phone(t_phone),
                    "登记地": row["登记地"] or _place(t_division, t_division_parent),
                    "团队成员": members.get(team_id, []),
                })  # fmt: skip
            yield row

    for v in values.iterator(chunk_size=CHUNK):
        chunk.append(v)
        if len(chunk) == CHUNK:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()


def entry_rows(*, entries: Iterable[Entry]) -> Iterator[dict[str, Any]]:
    """Rows for ``entries`` (from ``selectors.export_entries``), streamed in chunks: a queryset is
    read as plain values (``_rows_of_values``), other iterables of entries through ``entry_row``."""
    names = labels()
    if isinstance(entries, QuerySet):
        yield from _rows_of_values(entries, names)
        return
    for entry in entries:
        yield entry_row(entry, names)


ENTRIES = register(
    Exporter(name="registration.entries", columns=ENTRY_COLUMNS, rows=entry_rows, title="报名表")
)
