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

from contest.core.exporters import Exporter, register
from contest.core.privacy import mask_phone
from contest.registration.enums import EntryStatus, Industry, SmeStatus, chinese_label
from contest.registration.models import Entry

ENTRY_COLUMNS = (
    "报名编号", "赛事", "组别", "状态", "来源", "提交时间",
    "企业名称", "统一社会信用代码", "登记地", "成立日期", "注册资本（万元）", "从业人数",
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
            "团队负责人": team.leader_name,
            "负责人手机": _phone(team.leader_phone),
            "登记地": row["登记地"] or _division(team.division),
            "团队成员": [f"{m.name}（{m.role or '成员'}，{mask_phone(m.phone)}）" for m in team.members.all()],
        })  # fmt: skip
    return row


def entry_rows(*, entries: Iterable[Entry]) -> Iterator[dict[str, Any]]:
    """Rows for ``entries`` (from ``selectors.export_entries``), streamed in chunks."""
    iterator = entries.iterator(chunk_size=2000) if hasattr(entries, "iterator") else entries
    names = labels()
    for entry in iterator:
        yield entry_row(entry, names)


ENTRIES = register(
    Exporter(name="registration.entries", columns=ENTRY_COLUMNS, rows=entry_rows, title="报名表")
)
