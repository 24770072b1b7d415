"""Review exports a notary signs, registered in the one export registry (contest.core.exporters).

* ``review.score_sheets``: every assignment's sheet (judge, entry, each criterion, total,
  comment, status, submitted at). As a workbook: one sheet per judge, one column per criterion.
* ``review.ranking``: the live ranking per group with every judge's total.
* ``review.assignments``: who reviews what, with match score and source.
* ``review.conflicts``: every conflict between the round's judges and entries, with provenance.

Every workbook opens with a cover sheet (说明): the round, the time of export, the row count, the
SHA-256 of the rows (canonical JSON) and lines for signatures. These exports are made for
organizers, who know the entrants, so they carry names even in a blind round; the file name and
the cover say so (``BLIND_LABEL``), and nothing here is ever served to a judge.

Workbooks are laid out by ``contest.core.exporters`` (text stays text, times are Beijing-time date
cells, frozen header, column widths).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from contest.core import audit, exporters
from contest.core.exporters import Exporter, Sheet, register
from contest.registration.enums import Industry
from contest.review import services
from contest.review.enums import AssignmentSource, ConflictKind, ConflictSource, RoundStage, SheetStatus
from contest.review.models import Assignment, Conflict, Expert, ReviewRound, ScoreSheet
from contest.review.organizer_tables import live_ranking
from contest.review.rankings import rerank

BLIND_LABEL = "含参赛主体-仅限组织方"
BLIND_NOTE = "本轮为匿名评审。本文件供组织方与公证人员使用，含参赛主体名称，不得提供给评审专家。"
OPEN_NOTE = "本轮为实名评审。"
SHEET_STATES = {"pending": "未评", SheetStatus.DRAFT: "草稿", SheetStatus.SUBMITTED: "已提交"}


def entrant_name(entry) -> str:
    if entry.enterprise_id:
        return entry.enterprise.name
    return entry.team.name if entry.team_id else ""


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    return Decimal(str(value))


def _sheet(assignment: Assignment) -> ScoreSheet | None:
    try:
        return assignment.sheet
    except ScoreSheet.DoesNotExist:
        return None


# -- score sheets -----------------------------------------------------------------------------------

SCORE_COLUMNS = (
    "评审专家", "工作单位", "匿名编号", "报名编号", "项目名称", "参赛主体", "各项得分", "总分", "评语", "状态",
    "提交时间",
)  # fmt: skip


def score_assignments(round_: ReviewRound):
    return (
        Assignment.objects.filter(round=round_)
        .select_related("expert", "sheet", "round_entry__entry__enterprise", "round_entry__entry__team")
        .order_by("expert__name", "expert_id", "round_entry__code")
    )


def score_row(assignment: Assignment, rubric) -> dict[str, Any]:
    sheet = _sheet(assignment)
    entry = assignment.round_entry.entry
    scores = sheet.scores if sheet else {}
    row: dict[str, Any] = {
        "评审专家": assignment.expert.name,
        "工作单位": assignment.expert.organization_name,
        "匿名编号": assignment.round_entry.code,
        "报名编号": entry.number,
        "项目名称": entry.title,
        "参赛主体": entrant_name(entry),
        "各项得分": [f"{c.name} {scores[c.code]}" for c in rubric if c.code in scores],
        "总分": sheet.total if sheet else None,
        "评语": sheet.comment if sheet else None,
        "状态": SHEET_STATES[sheet.status if sheet else "pending"],
        "提交时间": sheet.submitted_at if sheet else None,
    }
    for c in rubric:
        row[criterion_header(c)] = _decimal(scores.get(c.code))
    return row


def criterion_header(criterion) -> str:
    return f"{criterion.name}（{criterion.max_score}）"


#: what a score row reads of an assignment, as plain values (``score_value_rows``)
_SCORE_FIELDS = (
    "expert_id", "expert__name", "expert__organization_name", "round_entry__code", "round_entry__entry__number",
    "round_entry__entry__title", "round_entry__entry__enterprise_id", "round_entry__entry__enterprise__name",
    "round_entry__entry__team_id", "round_entry__entry__team__name", "sheet__id", "sheet__scores", "sheet__total",
    "sheet__comment", "sheet__status", "sheet__submitted_at",
)  # fmt: skip


def score_value_rows(round_: ReviewRound, rubric) -> Iterator[tuple[int, dict[str, Any]]]:
    """(expert id, ``score_row``) of every assignment of the round in ``score_assignments``' order,
    built from plain values read 2,000 at a time: no model objects, each criterion's header
    made once."""
    criteria = [(c.code, c.name, criterion_header(c)) for c in rubric]
    values = score_assignments(round_).values_list(*_SCORE_FIELDS)
    pending = SHEET_STATES["pending"]
    for (expert_id, expert, organization, code, number, title, enterprise_id, enterprise, team_id, team, sheet_id,
         scores, total, comment, status, submitted_at) in values.iterator(chunk_size=2000):  # fmt: skip
        scores = (scores or {}) if sheet_id is not None else {}
        row: dict[str, Any] = {
            "评审专家": expert, "工作单位": organization, "匿名编号": code, "报名编号": number, "项目名称": title,
            "参赛主体": enterprise if enterprise_id else (team if team_id else ""),
            "各项得分": [f"{name} {scores[key]}" for key, name, _ in criteria if key in scores],
            "总分": total, "评语": comment,
            "状态": SHEET_STATES[status] if sheet_id is not None else pending, "提交时间": submitted_at,
        }  # fmt: skip
        for key, _, header in criteria:
            row[header] = _decimal(scores.get(key))
        yield expert_id, row


def score_rows(*, round: ReviewRound) -> Iterator[dict[str, Any]]:
    rubric = services.rubric_of(round)
    for _, row in score_value_rows(round, rubric):
        yield row


SCORE_SHEETS = register(
    Exporter(name="review.score_sheets", columns=SCORE_COLUMNS, rows=score_rows, title="评分表")
)


def judge_sheets(round_: ReviewRound) -> list[tuple[str, list[str], list[dict[str, Any]]]]:
    """One sheet per judge: entry code, each criterion, total, comment, status, submitted at."""
    rubric = services.rubric_of(round_)
    columns = ["匿名编号", "报名编号", "项目名称", "参赛主体", *(criterion_header(c) for c in rubric), "总分",
               "评语", "状态", "提交时间"]  # fmt: skip
    sheets: dict[int, tuple[str, list[dict[str, Any]]]] = {}
    for expert_id, row in score_value_rows(round_, rubric):
        if expert_id not in sheets:
            sheets[expert_id] = (f"{row['评审专家']}（{row['工作单位']}）", [])
        sheets[expert_id][1].append(row)
    return [(title, columns, rows) for title, rows in sheets.values()]


# -- ranking --------------------------------------------------------------------------------------------

RANKING_COLUMNS = (
    "组别", "行业", "排名", "匿名编号", "报名编号", "项目名称", "参赛主体", "合成得分", "未取整得分", "评分数",
    "评分不足", "并列", "各评审得分",
)  # fmt: skip


def ranking_rows(*, round: ReviewRound) -> Iterator[dict[str, Any]]:
    """The live ranking as ``snapshot_ranking`` buckets it (per group; per group and industry,
    re-ranked, when the round ranks by industry) — from ``ranking_sql`` (the organizer page's
    cached ranking, equal to ``compute_rows``), every judge's total in one statement, the entrants
    as plain values."""
    rows, _ = live_ranking(round)
    entries = {
        entry_id: (code, group, number, title, enterprise if enterprise_id else (team if team_id else ""))
        for entry_id, code, group, number, title, enterprise_id, enterprise, team_id, team in
        round.round_entries.values_list("entry_id", "code", "entry__group__name", "entry__number", "entry__title",
                                        "entry__enterprise_id", "entry__enterprise__name", "entry__team_id",
                                        "entry__team__name")
    }  # fmt: skip
    totals: dict[int, list[tuple[int, Any]]] = {}
    sheets = ScoreSheet.objects.filter(assignment__round=round, status=SheetStatus.SUBMITTED)
    for entry_id, expert_id, total in sheets.order_by("assignment__expert_id").values_list(
        "assignment__round_entry__entry_id", "assignment__expert_id", "total"
    ):
        totals.setdefault(entry_id, []).append((expert_id, total))
    names = dict(round.round_judges.values_list("expert_id", "expert__name"))
    codes = {entry_id: e[0] for entry_id, e in entries.items()}
    industries = dict(Industry.choices)
    buckets: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        item = {"entry": row.entry, "rank": row.rank, "value": row.value, "exact": row.exact,
                "n_scores": row.n_scores, "too_few": row.too_few, "tied_with": list(row.tied_with)}  # fmt: skip
        buckets.setdefault((row.group, ""), []).append(item)
        if round.rank_by_industry:
            buckets.setdefault((row.group, row.industry), []).append(item)
    for (_group, industry), items in sorted(buckets.items()):
        for item in rerank(items) if industry else items:
            code, group_name, number, title, entrant = entries[item["entry"]]
            judges = sorted((names.get(e, str(e)), total) for e, total in totals.get(item["entry"], []))
            yield {
                "组别": group_name,
                "行业": industries[industry] if industry else "全部",
                "排名": item["rank"],
                "匿名编号": code,
                "报名编号": number,
                "项目名称": title,
                "参赛主体": entrant,
                "合成得分": _decimal(item["value"]),
                "未取整得分": _decimal(item["exact"]),
                "评分数": item["n_scores"],
                "评分不足": "是" if item["too_few"] else "否",
                "并列": [codes.get(t, str(t)) for t in item["tied_with"]],
                "各评审得分": [f"{name} {total}" for name, total in judges],
            }


RANKING = register(
    Exporter(name="review.ranking", columns=RANKING_COLUMNS, rows=ranking_rows, title="排名表")
)


# -- assignments -----------------------------------------------------------------------------------------

ASSIGNMENT_COLUMNS = (
    "匿名编号", "报名编号", "项目名称", "参赛主体", "行业", "评审专家", "工作单位", "专家类别", "匹配度", "来源",
    "评分状态", "分配时间",
)  # fmt: skip


def assignment_rows(*, round: ReviewRound) -> Iterator[dict[str, Any]]:
    """Who reviews what, from plain values read 2,000 at a time (no model objects); the expert kind,
    source and sheet labels looked up once per export."""
    kinds = dict(Expert._meta.get_field("kind").flatchoices)
    sources = {value: str(label) for value, label in AssignmentSource.choices}
    pending = SHEET_STATES["pending"]
    values = (
        Assignment.objects.filter(round=round)
        .order_by("round_entry__code", "expert__name", "expert_id")
        .values_list("round_entry__code", "round_entry__entry__number", "round_entry__entry__title",
                     "round_entry__entry__enterprise_id", "round_entry__entry__enterprise__name",
                     "round_entry__entry__team_id", "round_entry__entry__team__name", "round_entry__entry__industry",
                     "expert__name", "expert__organization_name", "expert__kind", "match_score", "source",
                     "sheet__id", "sheet__status", "created_at")
    )  # fmt: skip
    for (code, number, title, enterprise_id, enterprise, team_id, team, industry, expert, organization, kind,
         match, source, sheet_id, status, created_at) in values.iterator(chunk_size=2000):  # fmt: skip
        yield {
            "匿名编号": code,
            "报名编号": number,
            "项目名称": title,
            "参赛主体": enterprise if enterprise_id else (team if team_id else ""),
            "行业": industry,
            "评审专家": expert,
            "工作单位": organization,
            "专家类别": str(kinds.get(kind, kind)),
            "匹配度": match,
            "来源": sources[source],
            "评分状态": SHEET_STATES[status] if sheet_id is not None else pending,
            "分配时间": created_at,
        }


ASSIGNMENTS = register(
    Exporter(name="review.assignments", columns=ASSIGNMENT_COLUMNS, rows=assignment_rows, title="分配表")
)


# -- conflicts -------------------------------------------------------------------------------------------

CONFLICT_COLUMNS = (
    "匿名编号", "报名编号", "项目名称", "参赛主体", "评审专家", "工作单位", "回避类型", "来源", "说明", "记录人",
    "记录时间",
)  # fmt: skip


def conflict_rows(*, round: ReviewRound) -> Iterator[dict[str, Any]]:
    codes = dict(round.round_entries.values_list("entry_id", "code"))
    queryset = (
        Conflict.objects.filter(
            expert_id__in=round.round_judges.values("expert_id"),
            entry_id__in=round.round_entries.values("entry_id"),
        )
        .select_related("expert", "entry__enterprise", "entry__team", "created_by")
        .order_by("entry__number", "entry_id", "expert__name", "kind")
    )
    for c in queryset:
        yield {
            "匿名编号": codes.get(c.entry_id),
            "报名编号": c.entry.number,
            "项目名称": c.entry.title,
            "参赛主体": entrant_name(c.entry),
            "评审专家": c.expert.name,
            "工作单位": c.expert.organization_name,
            "回避类型": str(ConflictKind(c.kind).label),
            "来源": str(ConflictSource(c.source).label),
            "说明": c.reason,
            "记录人": str(c.created_by) if c.created_by else "系统",
            "记录时间": c.created_at,
        }


CONFLICTS = register(
    Exporter(name="review.conflicts", columns=CONFLICT_COLUMNS, rows=conflict_rows, title="回避关系表")
)


# -- workbooks --------------------------------------------------------------------------------------------

KINDS = {
    "scores": ("评分表", None),
    "ranking": ("排名表", RANKING),
    "assignments": ("分配表", ASSIGNMENTS),
    "conflicts": ("回避关系表", CONFLICTS),
}
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def rows_sha256(sheets: Sequence[tuple[str, Sequence[str], list[dict[str, Any]]]]) -> str:
    """SHA-256 of the exported rows as canonical JSON: the same data gives the same digest."""
    payload = {"sheets": [[title, list(columns), [[row.get(c) for c in columns] for row in rows]]
                          for title, columns, rows in sheets]}  # fmt: skip
    return hashlib.sha256(audit.canonical_json(audit.jsonable(payload)).encode()).hexdigest()


def cover_rows(round_: ReviewRound, *, document: str, sheets, now: datetime) -> list[dict[str, Any]]:
    count = sum(len(rows) for _, _, rows in sheets)
    pairs = [
        ("文件", document),
        ("赛事", round_.event.name if round_.event_id else "全国评审"),
        ("轮次", round_.name),
        ("阶段", str(RoundStage(round_.stage).label)),
        ("状态", round_.get_status_display()),
        ("评审方式", "匿名评审" if round_.blind else "实名评审"),
        ("说明", BLIND_NOTE if round_.blind else OPEN_NOTE),
        ("导出时间（北京时间）", now),
        ("数据行数", count),
        ("数据 SHA-256", rows_sha256(sheets)),
        ("组织方经办人（签字）", ""),
        ("公证人员（签字）", ""),
        ("日期", ""),
    ]
    return [{"项目": k, "内容": v} for k, v in pairs]


def write_workbook(sheets: Iterable[tuple[str, Sequence[str], Iterable[dict[str, Any]]]]) -> bytes:
    return exporters.write_workbook(Sheet(title=t, columns=c, rows=r) for t, c, r in sheets)


def filename(round_: ReviewRound, kind: str, now: datetime) -> str:
    document = KINDS[kind][0]
    label = f"-{BLIND_LABEL}" if round_.blind else ""
    return _BAD_TITLE.sub("-", f"{document}-{round_}{label}-{timezone.localtime(now):%Y%m%d-%H%M}.xlsx")


def _round_sheets(round_: ReviewRound, kind: str, *, now: datetime):
    document, exporter = KINDS[kind]
    if exporter is None:
        sheets = judge_sheets(round_)
    else:
        sheets = [(document, list(exporter.columns), list(exporter.rows(round=round_)))]
    cover = ("说明", ["项目", "内容"], cover_rows(round_, document=document, sheets=sheets, now=now))
    return [Sheet(title=t, columns=c, rows=r) for t, c, r in (cover, *sheets)]


def round_workbook(round_: ReviewRound, kind: str, *, now: datetime | None = None) -> bytes:
    """The notary's workbook of one kind (``KINDS``): a cover sheet, then the data."""
    return exporters.write_workbook(_round_sheets(round_, kind, now=now or timezone.now()))


def round_csv_rows(round_: ReviewRound, kind: str) -> tuple[list[str], Iterator[dict[str, Any]]]:
    """The columns and rows of one kind as a single table (the score sheets of every judge in one,
    with the judge's name and organization in front)."""
    exporter = KINDS[kind][1]
    if exporter is not None:
        return list(exporter.columns), exporter.rows(round=round_)
    rubric = services.rubric_of(round_)
    columns = ["评审专家", "工作单位", "匿名编号", "报名编号", "项目名称", "参赛主体",
               *(criterion_header(c) for c in rubric), "总分", "评语", "状态", "提交时间"]  # fmt: skip
    return columns, (row for _, row in score_value_rows(round_, rubric))


def round_download(round_: ReviewRound, kind: str, *, fmt: str | None, now: datetime):
    """The export of one kind as a streamed download: the notary's workbook (written to a
    temporary file, then streamed), or with ``fmt="csv"`` its data as CSV, streamed row by row."""
    name = filename(round_, kind, now)
    if fmt == "csv":
        columns, rows = round_csv_rows(round_, kind)
        return exporters.csv_response(columns, rows, name.removesuffix(".xlsx") + ".csv")
    return exporters.xlsx_response(_round_sheets(round_, kind, now=now), name)
