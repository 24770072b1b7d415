"""Expert review over the API: the judge's assignments and score sheets, the organizer's rounds.

The same services and selectors as the pages (``/judge/``, ``/console/review/``): a judge reaches
only their own assignments in rounds that have opened (``selectors.assignments_for_judge`` and the
``review.score_entry`` rule), an organizer only the rounds of their events and the secretariat
those of its edition (``organizer_selectors.round_for_user`` and ``review.manage_round``). Anything
else answers 404, whether it exists or not. What a judge sees of an entry is
``selectors.judge_entry_view``: in a blind round no identity of the entrant, and the key that
would carry it is absent. State changes are action endpoints (``POST /rounds/{id}/close``).
"""

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from contest.accounts.api_auth import api_auth, current_user
from contest.catalog.models import Edition
from contest.catalog.schemas import ID_MAX
from contest.core.api import ErrorOut, Integer, Invalid, local, refusals_as_field_errors
from contest.core.errors import FieldErrors, NotFound
from contest.registration import selectors as registration_selectors
from contest.review import organizer_selectors, ranking_sql, selectors, services
from contest.review.enums import QuotaKind, RoundStatus, RunStatus
from contest.review.models import AdvancementDecision, Assignment, AssignmentRun, ReviewRound, ScoreSheet
from contest.review.schemas import (
    AddedOut,
    DecisionOut,
    DecisionsIn,
    DeclareConflictIn,
    DeclaredOut,
    DetectedOut,
    EntriesIn,
    JudgeAssignmentDetailOut,
    JudgeAssignmentOut,
    JudgeQuery,
    JudgesIn,
    PublishIn,
    PublishOut,
    QuotaIn,
    QuotaOut,
    RankingOut,
    RoundIn,
    RoundOut,
    RunOut,
    SheetIn,
    SheetOut,
    SubmitIn,
)

router = Router(tags=["review"], auth=api_auth)

UNAUTHENTICATED = {401: ErrorOut}
READ = {**UNAUTHENTICATED, 404: ErrorOut, 422: Invalid}
WRITE = {**READ, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut}

ASSIGNMENT_ID = Path(..., ge=1, le=ID_MAX, description="评审任务编号")
ROUND_ID = Path(..., ge=1, le=ID_MAX, description="评审轮次编号")
RUN_ID = Path(..., ge=1, le=ID_MAX, description="自动分配编号")


# -- presenting ---------------------------------------------------------------------------------------------


def _text(value) -> str | None:
    return None if value is None else str(value)


def _plain(scores: dict[str, Decimal | None]) -> dict[str, str | None]:
    """Scores as the judge's page sends them: ``1E+1`` (a JSON ``1e1``) written out as ``10``."""
    return {code: None if value is None else format(value, "f") for code, value in scores.items()}


def _sheet(sheet: ScoreSheet | None) -> dict[str, Any] | None:
    if sheet is None:
        return None
    return {"status": sheet.status, "scores": dict(sheet.scores), "total": _text(sheet.total),
            "comment": sheet.comment, "version": sheet.version, "submitted_at": local(sheet.submitted_at)}  # fmt: skip


def _judge_round(round_: ReviewRound) -> dict[str, Any]:
    return {"id": round_.pk, "name": round_.name, "stage": round_.stage, "status": round_.status,
            "blind": round_.blind, "opens_at": local(round_.opens_at), "closes_at": local(round_.closes_at)}  # fmt: skip


def _judge_line(assignment: Assignment) -> dict[str, Any]:
    sheet = selectors.sheet_of(assignment)
    return {
        "id": assignment.pk,
        "round": _judge_round(assignment.round),
        "code": assignment.round_entry.code,
        "title": selectors.judge_title(assignment),
        "industry": assignment.round_entry.entry.industry,
        "state": selectors.sheet_state(assignment),
        "total": _text(sheet.total) if sheet is not None else None,
    }


def _judge_detail(assignment: Assignment) -> dict[str, Any]:
    view = selectors.judge_entry_view(assignment)
    entry = {
        "code": view.code, "title": view.title, "industry": assignment.round_entry.entry.industry,
        "industry_label": view.industry, "summary": view.summary, "innovation": view.innovation,
        "market": view.market, "business_model": view.business_model, "team_description": view.team_description,
        "finances": view.finances, "funding_sought": _text(view.funding_sought), "ip_list": view.ip_list,
        "business_plan_pages": view.plan_pages,
    }  # fmt: skip
    if not view.blind:  # an open round: who the entrant is, too
        entry["entrant"] = {"name": view.entrant_name, "pitch_video_url": view.pitch_video_url}
    round_ = assignment.round
    return {"id": assignment.pk, "round": _judge_round(round_), "rubric": round_.rubric, "entry": entry,
            "sheet": _sheet(selectors.sheet_of(assignment))}  # fmt: skip


def _round_out(round_: ReviewRound) -> dict[str, Any]:
    """A round from ``_rounds(user)`` (counts annotated, quotas prefetched)."""
    return {
        "id": round_.pk, "edition": round_.edition.number,
        "event": {"id": round_.event_id, "name": round_.event.name} if round_.event_id else None,
        "name": round_.name, "stage": round_.stage, "status": round_.status,
        "status_label": round_.get_status_display(), "judges_per_entry": round_.judges_per_entry,
        "default_max_load": round_.default_max_load, "blind": round_.blind,
        "judges_see_others": round_.judges_see_others, "opens_at": local(round_.opens_at),
        "closes_at": local(round_.closes_at), "aggregation": round_.aggregation, "normalize": round_.normalize,
        "places": round_.places, "rank_by_industry": round_.rank_by_industry,
        "require_investor": round_.require_investor, "distinct_organizations": round_.distinct_organizations,
        "carry_over": round_.carry_over, "carry_weight": str(round_.carry_weight), "previous_id": round_.previous_id,
        "rubric": round_.rubric,
        "counts": {"entries": round_.entry_count, "judges": round_.judge_count,
                   "assignments": round_.assignment_count, "submitted": round_.submitted_count},
        "quotas": [_quota(q) for q in round_.quotas.all()],
    }  # fmt: skip


def _quota(quota) -> dict[str, Any]:
    return {"group": quota.group_code, "kind": quota.kind, "count": quota.count, "percent": _text(quota.percent),
            "floor": quota.floor, "cap": quota.cap, "total": quota.total, "taken": quota.taken}  # fmt: skip


def _run(run: AssignmentRun) -> dict[str, Any]:
    return {"id": run.pk, "round_id": run.round_id, "status": run.status,
            "status_label": str(RunStatus(run.status).label), "progress": run.progress, "message": run.message,
            "finished": run.status in (RunStatus.DONE, RunStatus.FAILED), "stats": run.stats,
            "created_at": local(run.created_at), "finished_at": local(run.finished_at)}  # fmt: skip


def _decisions(round_: ReviewRound) -> list[dict[str, Any]]:
    rows = (
        AdvancementDecision.objects.filter(round=round_)
        .select_related("round_entry")
        .order_by("rank", "round_entry__code", "pk")
    )
    return [
        {"entry_id": d.round_entry.entry_id, "code": d.round_entry.code, "decision": d.decision, "rank": d.rank,
         "score": _text(d.score), "note": d.note, "published_at": local(d.published_at)}
        for d in rows
    ]  # fmt: skip


# -- finding what the caller may reach ------------------------------------------------------------------


def _my_assignments(user) -> QuerySet[Assignment]:
    return selectors.assignments_for_judge(user).select_related("round_entry__entry")


def _my_assignment(user, assignment_id: int) -> Assignment:
    assignment = _my_assignments(user).filter(pk=assignment_id).first()
    if assignment is None or not user.has_perm("review.score_entry", assignment):
        raise NotFound("未找到该评审任务。", field="id", code="assignment_not_found")
    return assignment


def _rounds(user) -> QuerySet[ReviewRound]:
    return organizer_selectors.annotate_round_counts(
        organizer_selectors.rounds_for_user(user).select_related("edition", "event")
    ).prefetch_related("quotas")


def _managed_round(user, round_id: int) -> ReviewRound:
    round_ = _rounds(user).filter(pk=round_id).first()
    if round_ is None or not user.has_perm("review.manage_round", round_):
        raise NotFound("未找到该评审轮次。", field="id", code="round_not_found")
    return round_


def _fresh_round(user, round_: ReviewRound) -> dict[str, Any]:
    return _round_out(_rounds(user).get(pk=round_.pk))


# -- the judge's side ----------------------------------------------------------------------------------


@router.get(
    "/judge/assignments",
    response={200: list[JudgeAssignmentOut], **READ},
    summary="我的评审任务",
    description="已开始评审的轮次中分配给我的项目。匿名评审的轮次只显示匿名编号与项目内容。",
)
def list_my_assignments(request: HttpRequest, filters: Query[JudgeQuery]):
    queryset = _my_assignments(current_user(request))
    if filters.round is not None:
        queryset = queryset.filter(round_id=filters.round)
    return [_judge_line(a) for a in queryset]


@router.get(
    "/judge/assignments/{id}",
    response={200: JudgeAssignmentDetailOut, **READ},
    exclude_unset=True,
    summary="一个评审任务：项目内容、评分细则与我的评分表",
)
def get_my_assignment(request: HttpRequest, id: Integer = ASSIGNMENT_ID):
    # Validated here so that only the blind round's missing ``entrant`` counts as unset (and is left out).
    return JudgeAssignmentDetailOut.model_validate(_judge_detail(_my_assignment(current_user(request), id)))


@router.put(
    "/judge/assignments/{id}/sheet",
    response={200: SheetOut, **WRITE},
    summary="保存评分表（草稿）",
    description="草稿可以缺项；已提交的评分表修改后仍是提交状态，须填全。带上 `expected_version` 时，"
    "若已在别处保存过则答 409。评审结束后答 409。",
)
@refusals_as_field_errors
def save_my_sheet(request: HttpRequest, payload: SheetIn, id: Integer = ASSIGNMENT_ID):
    user = current_user(request)
    assignment = _my_assignment(user, id)
    resubmit = selectors.sheet_state(assignment) == "submitted"  # as on the judge's page
    sheet = services.save_sheet(by=user, assignment=assignment, scores=_plain(payload.scores), comment=payload.comment,
                                submit=resubmit, expected_version=payload.expected_version)  # fmt: skip
    return _sheet(sheet)


@router.post(
    "/judge/assignments/{id}/submit",
    response={200: SheetOut, **WRITE},
    summary="提交评分",
    description="不带 `scores` 时提交已保存的草稿。每一项都须在 0 到满分之间，否则答 422 并逐项说明。",
)
@refusals_as_field_errors
def submit_my_sheet(request: HttpRequest, payload: SubmitIn, id: Integer = ASSIGNMENT_ID):
    user = current_user(request)
    assignment = _my_assignment(user, id)
    draft = selectors.sheet_of(assignment)
    scores = _plain(payload.scores) if payload.scores is not None else dict(draft.scores if draft else {})
    comment = payload.comment if payload.comment is not None else (draft.comment if draft else "")
    sheet = services.save_sheet(by=user, assignment=assignment, scores=scores, comment=comment, submit=True,
                                expected_version=payload.expected_version)  # fmt: skip
    return _sheet(sheet)


@router.post(
    "/judge/assignments/{id}/declare-conflict",
    response={200: DeclaredOut, **WRITE},
    summary="申报回避",
    description="未提交评分的任务随即撤回（草稿一并作废，留有审计记录）；已提交的保留，由组织方处理。",
)
@refusals_as_field_errors
def declare_conflict(request: HttpRequest, payload: DeclareConflictIn, id: Integer = ASSIGNMENT_ID):
    user = current_user(request)
    assignment = _my_assignment(user, id)
    conflict = services.recuse_from_assignment(by=user, assignment=assignment, reason=payload.reason)
    return {"assignment_id": assignment.pk, "code": assignment.round_entry.code, "kind": conflict.kind,
            "reason": conflict.reason, "withdrawn": not Assignment.objects.filter(pk=assignment.pk).exists()}  # fmt: skip


# -- the organizer's side ------------------------------------------------------------------------------


@router.get("/rounds", response={200: list[RoundOut], **UNAUTHENTICATED}, summary="我负责的评审轮次")
def list_rounds(request: HttpRequest):
    rounds = _rounds(current_user(request)).order_by(
        "-edition__number", "event__tier", "event__seq", "created_at", "pk"
    )
    return [_round_out(r) for r in rounds]


@router.post(
    "/rounds",
    response={201: RoundOut, **WRITE},
    summary="新建评审轮次",
    description="`event_id` 为本人组织的赛事；不填则为全国评审，须给出 `edition` 且为该届秘书处。",
)
@refusals_as_field_errors
def create_round(request: HttpRequest, payload: RoundIn):
    user = current_user(request)
    if payload.event_id is not None:
        event = registration_selectors.event_for_user(user, payload.event_id)
        if event is None:
            raise NotFound(
                f"没有编号为 {payload.event_id} 的赛事。", field="event_id", code="event_not_found"
            )
        if payload.edition is not None and payload.edition != event.edition.number:
            raise FieldErrors({"edition": "届次与赛事不符。"})
        edition = event.edition
    else:
        if payload.edition is None:
            raise FieldErrors({"edition": "全国评审须指定届次。"})
        edition = Edition.objects.filter(number=payload.edition).first()
        if edition is None:
            raise NotFound(f"没有第 {payload.edition} 届。", field="edition", code="edition_not_found")
        event = None
    data = payload.model_dump(exclude_unset=True, exclude={"event_id", "edition", "rubric"})
    if payload.rubric is not None:
        data["rubric"] = [{"code": c.code, "name": c.name, "max": str(c.max), "weight": str(c.weight)}
                          for c in payload.rubric]  # fmt: skip
    round_ = services.create_round(by=user, edition=edition, event=event, data=data)
    return Status(201, _fresh_round(user, round_))


@router.get("/rounds/{id}", response={200: RoundOut, **READ}, summary="一个评审轮次")
def get_round(request: HttpRequest, id: Integer = ROUND_ID):
    return _round_out(_managed_round(current_user(request), id))


@router.post(
    "/rounds/{id}/entries",
    response={200: AddedOut, **WRITE},
    summary="加入参评项目",
    description="不带 `entry_ids`：本赛事资格审查通过的项目（设有上一轮时为上一轮晋级的项目；全国评审为各赛事"
    "推荐的项目）。带 `entry_ids`：只能是本赛事资格审查通过的项目。已在本轮的项目跳过。",
)
@refusals_as_field_errors
def add_round_entries(request: HttpRequest, payload: EntriesIn, id: Integer = ROUND_ID):
    user = current_user(request)
    round_ = _managed_round(user, id)
    if payload.entry_ids is None:
        added = services.add_entries(by=user, round=round_)
    else:
        wanted = set(payload.entry_ids)
        present = set(round_.round_entries.filter(entry_id__in=wanted).values_list("entry_id", flat=True))
        chosen = list(organizer_selectors.candidate_entries(user, round_).filter(pk__in=wanted - present))
        missing = sorted(wanted - present - {e.pk for e in chosen})
        if missing:
            listed = "、".join(str(pk) for pk in missing[:20])
            raise FieldErrors({"entry_ids": f"这些项目不存在、未通过资格审查或不在您的范围内：{listed}。"})
        added = services.add_entries(by=user, round=round_, entries=chosen)
    return {"added": added, "total": round_.round_entries.count()}


@router.post("/rounds/{id}/judges", response={200: AddedOut, **WRITE}, summary="从专家库加入评审专家")
@refusals_as_field_errors
def add_round_judges(request: HttpRequest, payload: JudgesIn, id: Integer = ROUND_ID):
    user = current_user(request)
    round_ = _managed_round(user, id)
    wanted = set(payload.expert_ids)
    experts = list(organizer_selectors.experts_for_user(user).filter(pk__in=wanted, is_active=True))
    missing = sorted(wanted - {e.pk for e in experts})
    if missing:
        listed = "、".join(str(pk) for pk in missing[:20])
        raise FieldErrors({"expert_ids": f"专家库中没有这些在库专家：{listed}。"})
    added = services.add_judges(by=user, round=round_, experts=experts, max_load=payload.max_load)
    return {"added": added, "total": round_.round_judges.count()}


@router.post(
    "/rounds/{id}/detect-conflicts",
    response={200: DetectedOut, **WRITE},
    summary="检测回避关系",
    description="比对本轮专家与项目（单位、信用代码、联系人与团队成员）；新发现的回避关系随即撤回未评分的分配。",
)
@refusals_as_field_errors
def detect_conflicts(request: HttpRequest, id: Integer = ROUND_ID):
    user = current_user(request)
    return {"detected": services.detect_conflicts(by=user, round=_managed_round(user, id))}


@router.post(
    "/rounds/{id}/assign",
    response={202: RunOut, **WRITE},
    summary="自动分配评审（后台计算）",
    description="答 202 与这次计算；用 `GET /runs/{id}` 查看进度。已提交评分与组织方指定的分配保留。",
)
@refusals_as_field_errors
def assign_round(request: HttpRequest, id: Integer = ROUND_ID):
    user = current_user(request)
    run = services.request_assignment(by=user, round=_managed_round(user, id))
    return Status(202, _run(AssignmentRun.objects.get(pk=run.pk)))


@router.get("/runs/{id}", response={200: RunOut, **READ}, summary="一次自动分配的进度")
def get_run(request: HttpRequest, id: Integer = RUN_ID):
    user = current_user(request)
    run = AssignmentRun.objects.filter(pk=id, round__in=organizer_selectors.rounds_for_user(user)).first()
    if run is None:
        raise NotFound("未找到这次分配。", field="id", code="run_not_found")
    return _run(run)


@router.post("/rounds/{id}/open", response={200: RoundOut, **WRITE}, summary="开始评审（或重新开放）")
@refusals_as_field_errors
def open_round(request: HttpRequest, id: Integer = ROUND_ID):
    user = current_user(request)
    round_ = services.set_round_status(by=user, round=_managed_round(user, id), to=RoundStatus.OPEN)
    return _fresh_round(user, round_)


@router.post("/rounds/{id}/close", response={200: RoundOut, **WRITE}, summary="结束评审")
@refusals_as_field_errors
def close_round(request: HttpRequest, id: Integer = ROUND_ID):
    user = current_user(request)
    round_ = services.set_round_status(by=user, round=_managed_round(user, id), to=RoundStatus.CLOSED)
    return _fresh_round(user, round_)


@router.get(
    "/rounds/{id}/ranking",
    response={200: RankingOut, **READ},
    summary="当前排名",
    description="按组别、名次排列。同分时依次比较评分细则各项的平均分（第一项优先）、上一轮成绩（如设置）、"
    "报名编号；完全相同的并列同一名次，`tied_with` 列出并列的项目。",
)
def get_ranking(request: HttpRequest, id: Integer = ROUND_ID):
    round_ = _managed_round(current_user(request), id)
    rows = ranking_sql.ranking_for_round(round_)
    titles = dict(round_.round_entries.values_list("entry_id", "entry__title"))
    return {
        "round_id": round_.pk, "aggregation": round_.aggregation, "normalize": round_.normalize,
        "places": round_.places,
        "rows": [{"rank": r.rank, "entry_id": r.entry, "code": r.code, "number": r.number, "title": titles[r.entry],
                  "group": r.group, "industry": r.industry, "value": str(r.value), "exact": str(r.exact),
                  "n_scores": r.n_scores, "too_few": r.too_few, "tied_with": list(r.tied_with)} for r in rows],
    }  # fmt: skip


@router.post("/rounds/{id}/quota", response={200: QuotaOut, **WRITE}, summary="设置一个组别的晋级名额")
@refusals_as_field_errors
def set_quota(request: HttpRequest, payload: QuotaIn, id: Integer = ROUND_ID):
    user = current_user(request)
    round_ = _managed_round(user, id)
    if payload.kind == QuotaKind.PROPORTIONAL:
        quota = services.set_proportional_quota(by=user, round=round_, group_code=payload.group,
                                                total=payload.total)  # fmt: skip
    else:
        quota = services.set_quota(by=user, round=round_, group_code=payload.group, kind=payload.kind,
                                   count=payload.count, percent=payload.percent, floor=payload.floor,
                                   cap=payload.cap)  # fmt: skip
    return _quota(quota)


@router.post(
    "/rounds/{id}/decisions",
    response={200: list[DecisionOut], **WRITE},
    summary="暂存晋级决定",
    description="暂存的决定在发布前可以修改；答本轮全部决定。发布后答 409。",
)
@refusals_as_field_errors
def stage_decisions(request: HttpRequest, payload: DecisionsIn, id: Integer = ROUND_ID):
    user = current_user(request)
    round_ = _managed_round(user, id)
    services.stage_decisions(by=user, round=round_, decisions={d.entry_id: d.decision for d in payload.decisions},
                             note=payload.note)  # fmt: skip
    return _decisions(round_)


@router.post(
    "/rounds/{id}/publish",
    response={200: PublishOut, **WRITE},
    summary="发布晋级结果",
    description="把本轮暂存的全部决定一起发布，占用名额（锁定后复核，超出名额答 409），并存档当时的排名。"
    "带 `decisions` 时先暂存它们，与发布在同一事务中完成；否则请求体为 `{}`。评审须已结束。",
)
@refusals_as_field_errors
def publish(request: HttpRequest, payload: PublishIn, id: Integer = ROUND_ID):
    user = current_user(request)
    round_ = _managed_round(user, id)
    if payload.decisions is not None:
        decisions = {d.entry_id: d.decision for d in payload.decisions}
        advancing = services.publish_decisions(by=user, round=round_, decisions=decisions, note=payload.note,
                                               acknowledged_too_few=payload.acknowledged_too_few)  # fmt: skip
    else:
        advancing = services.publish_advancement(by=user, round=round_,
                                                 acknowledged_too_few=payload.acknowledged_too_few)  # fmt: skip
    return {"advancing": advancing, "decisions": _decisions(round_)}
