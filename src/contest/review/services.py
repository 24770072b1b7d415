"""Writes for expert review: pool, conflicts, rounds, assignment, scoring, rankings, advancement.

Every service: validate → lock → write → audit → on_commit for mail and tasks.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from contest.core import audit
from contest.core.errors import Closed, Conflict, FieldErrors, NotFound, ValidationFailed
from contest.registration import validators as v
from contest.registration.enums import EntryStatus, Industry
from contest.registration.models import Entry
from contest.review import aggregation as agg
from contest.review.assignment import AssignmentInfeasible, Problem, solve
from contest.review.enums import (
    ROUND_TRANSITIONS,
    AssignmentSource,
    CarryOver,
    ConflictKind,
    ConflictSource,
    Decision,
    ExpertKind,
    QuotaKind,
    RoundStatus,
    RunStatus,
    SheetStatus,
)
from contest.review.models import (
    AdvancementDecision,
    Assignment,
    AssignmentRun,
    Expert,
    Quota,
    RankingSnapshot,
    ReviewRound,
    RoundEntry,
    RoundJudge,
    ScoreSheet,
)
from contest.review.models import (
    Conflict as ConflictRow,
)

ORG_NOISE = re.compile(r"[\s（）()·.,，、]|有限责任公司|股份有限公司|有限公司|公司")


def _require(user, perm: str, obj=None) -> None:
    if user is None or not user.has_perm(perm, obj):
        raise NotFound("未找到。")


def normalize_org(name: str) -> str:
    return ORG_NOISE.sub("", name or "")


# -- the expert pool ------------------------------------------------------------------------------


def clean_expert(data: dict[str, Any], *, instance: Expert | None = None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for key, label, limit in (("name", "姓名", 50), ("organization_name", "工作单位", 200)):
        value = str(data.get(key) or "").strip()
        if not value:
            errors[key] = f"请填写{label}。"
        elif len(value) > limit:
            errors[key] = f"{label}不能超过 {limit} 个字符。"
        out[key] = value
    out["title"] = str(data.get("title") or "").strip()[:100]
    code = str(data.get("organization_credit_code") or "").strip()
    if code:
        try:
            code = v.normalize_credit_code(code, field="organization_credit_code")
        except ValidationFailed as exc:
            errors["organization_credit_code"] = exc.message
    out["organization_credit_code"] = code
    expertise = data.get("expertise") or []
    if isinstance(expertise, str):
        expertise = [x for x in re.split(r"[,，、\s]+", expertise) if x]
    expertise = [x.strip().upper()[:1] for x in expertise]
    if not expertise or any(x not in Industry.values for x in expertise):
        errors["expertise"] = "请选择擅长行业（国民经济行业分类门类 A–T）。"
    out["expertise"] = sorted(set(expertise))
    regions = data.get("regions") or []
    if isinstance(regions, str):
        regions = [x for x in re.split(r"[,，、\s]+", regions) if x]
    out["regions"] = sorted({str(r) for r in regions})
    kind = str(data.get("kind") or "")
    if kind not in ExpertKind.values:
        errors["kind"] = "请选择专家类别（技术、产业或投资）。"
    out["kind"] = kind
    try:
        out["phone"] = v.normalize_mobile(str(data.get("phone") or ""))
        clash = Expert.objects.filter(phone=out["phone"]).exclude(pk=getattr(instance, "pk", None)).exists()
        if clash:
            errors["phone"] = "专家库中已有使用该手机号的专家。"
    except ValidationFailed as exc:
        errors["phone"] = exc.message
    out["email"] = str(data.get("email") or "").strip()[:254]
    if errors:
        raise FieldErrors(errors)
    return out


def add_expert(*, by, data: dict[str, Any]) -> Expert:
    _require(by, "review.manage_experts")
    cleaned = clean_expert(data)
    with transaction.atomic():
        expert = Expert.objects.create(added_by=by, **cleaned)
        audit.record(action="review.expert.added", obj=expert, by=by, data=cleaned)
    return expert


def update_expert(*, by, expert: Expert, data: dict[str, Any]) -> Expert:
    _require(by, "review.manage_experts")
    cleaned = clean_expert(data, instance=expert)
    with transaction.atomic():
        expert = Expert.objects.select_for_update().get(pk=expert.pk)
        before = {k: getattr(expert, k) for k in cleaned}
        for key, value in cleaned.items():
            setattr(expert, key, value)
        expert.save()
        audit.record(
            action="review.expert.updated", obj=expert, by=by, data={"changes": audit.diff(before, cleaned)}
        )
    return expert


# -- conflicts of interest ------------------------------------------------------------------------


def detect_conflicts_for(expert: Expert, entry: Entry) -> list[tuple[str, str]]:
    """(kind, reason) for every detected tie between an expert and an entry."""
    found = []
    org = normalize_org(expert.organization_name)
    if entry.enterprise_id:
        enterprise = entry.enterprise
        if org and org == normalize_org(enterprise.name):
            found.append((ConflictKind.SAME_ORGANIZATION, f"专家单位“{expert.organization_name}”即参赛企业"))
        if expert.organization_credit_code and expert.organization_credit_code == enterprise.credit_code:
            found.append((ConflictKind.SAME_CREDIT_CODE, "专家单位与参赛企业统一社会信用代码相同"))
        if expert.phone == enterprise.contact_phone or expert.name == enterprise.contact_name:
            found.append((ConflictKind.TEAM_MEMBER, "专家为参赛企业联系人"))
    if entry.team_id:
        team = entry.team
        people = [(team.leader_name, team.leader_phone, "")] + [
            (m.name, m.phone, m.affiliation) for m in team.members.all()
        ]
        if any(expert.phone == phone or expert.name == name for name, phone, _ in people):
            found.append((ConflictKind.TEAM_MEMBER, "专家本人在参赛团队中"))
        employers = {normalize_org(a) for _, _, a in people if a}
        if org and org in employers:
            found.append((ConflictKind.SAME_EMPLOYER, f"团队成员与专家同在“{expert.organization_name}”"))
        if org and org == normalize_org(team.name):
            found.append((ConflictKind.SAME_ORGANIZATION, "专家单位名称与团队名称相同"))
    return found


def detect_conflicts(*, by, round: ReviewRound) -> int:
    """Record every detected conflict between the round's judges and entries; returns how many are new."""
    _require(by, "review.manage_round", round)
    experts = [rj.expert for rj in round.round_judges.select_related("expert")]
    entries = [
        re.entry
        for re in round.round_entries.select_related("entry__enterprise", "entry__team").prefetch_related(
            "entry__team__members"
        )
    ]
    rows = []
    for expert in experts:
        for entry in entries:
            for kind, reason in detect_conflicts_for(expert, entry):
                rows.append(ConflictRow(expert=expert, entry=entry, kind=kind, source=ConflictSource.DETECTED,
                                        reason=reason, created_by=by))  # fmt: skip
    with transaction.atomic():
        existing = set(ConflictRow.objects.filter(expert__in=experts, entry__in=entries).values_list(
            "expert_id", "entry_id", "kind"))  # fmt: skip
        new = [r for r in rows if (r.expert_id, r.entry_id, r.kind) not in existing]
        ConflictRow.objects.bulk_create(new)
        if new:
            audit.record(action="review.conflicts.detected", obj=round, by=by, scope=_scope(round),
                         data={"pairs": [[r.expert_id, r.entry_id, r.kind] for r in new]})  # fmt: skip
            _drop_conflicted_assignments(round, by=by)
    return len(new)


def declare_conflict(*, by, assignment: Assignment, reason: str) -> ConflictRow:
    """A judge declares a tie to an assigned entry; the unscored assignment is withdrawn."""
    _require(by, "review.score_entry", assignment)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请说明回避原因。", field="reason")
    return _add_conflict(by=by, expert=assignment.expert, entry=assignment.round_entry.entry,
                         kind=ConflictKind.DECLARED, source=ConflictSource.DECLARED, reason=reason,
                         round=assignment.round)  # fmt: skip


def pin_conflict(*, by, round: ReviewRound, expert: Expert, entry: Entry, reason: str) -> ConflictRow:
    _require(by, "review.manage_round", round)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请说明回避原因。", field="reason")
    return _add_conflict(by=by, expert=expert, entry=entry, kind=ConflictKind.PINNED, source=ConflictSource.ORGANIZER,
                         reason=reason, round=round)  # fmt: skip


def _add_conflict(*, by, expert, entry, kind, source, reason, round) -> ConflictRow:
    with transaction.atomic():
        row, created = ConflictRow.objects.get_or_create(
            expert=expert,
            entry=entry,
            kind=kind,
            defaults={"source": source, "reason": reason, "created_by": by},
        )
        if created:
            audit.record(action="review.conflict.added", obj=row, by=by, scope=_scope(round),
                         data={"expert": expert.pk, "entry": entry.pk, "kind": kind, "reason": reason})  # fmt: skip
        _drop_conflicted_assignments(round, by=by)
    return row


def _drop_conflicted_assignments(round: ReviewRound, *, by) -> None:
    conflicted = Assignment.objects.filter(round=round).filter(
        expert__conflicts__entry_id=F("round_entry__entry_id")
    )
    doomed = [a for a in conflicted.select_related("round_entry") if not _has_submitted_sheet(a)]
    for a in doomed:
        audit.record(action="review.assignment.removed", obj=a, by=by, scope=_scope(round),
                     data={"reason": "conflict", "expert": a.expert_id, "entry": a.round_entry.entry_id})  # fmt: skip
        a.delete()


def _has_submitted_sheet(assignment: Assignment) -> bool:
    return ScoreSheet.objects.filter(assignment=assignment, status=SheetStatus.SUBMITTED).exists()


def _scope(round: ReviewRound) -> str:
    return f"event:{round.event_id}" if round.event_id else f"edition:{round.edition_id}"


# -- rounds -----------------------------------------------------------------------------------------

ROUND_FIELDS = ("name", "stage", "judges_per_entry", "default_max_load", "blind", "judges_see_others", "opens_at",
                "closes_at", "aggregation", "normalize", "places", "rank_by_industry", "require_investor",
                "distinct_organizations", "carry_over", "carry_weight", "rubric")  # fmt: skip


def clean_rubric(rubric: list[dict]) -> list[dict]:
    errors = {}
    out = []
    codes = set()
    for i, c in enumerate(rubric, start=1):
        code = str(c.get("code") or "").strip()
        name = str(c.get("name") or "").strip()
        try:
            maximum, weight = Decimal(str(c.get("max"))), Decimal(str(c.get("weight")))
        except Exception:
            errors[f"rubric-{i}"] = f"第 {i} 项的满分和权重应为数字。"
            continue
        if not code or not name or code in codes:
            errors[f"rubric-{i}"] = f"第 {i} 项须有唯一的代码和名称。"
        if maximum <= 0 or weight < 0:
            errors[f"rubric-{i}"] = f"第 {i} 项的满分须大于 0，权重不能为负。"
        codes.add(code)
        out.append({"code": code, "name": name, "max": str(maximum), "weight": str(weight)})
    if not errors and sum(Decimal(c["weight"]) for c in out) != 100:
        errors["rubric"] = "各项权重之和须为 100。"
    if errors:
        raise FieldErrors(errors)
    return out


def rubric_of(round: ReviewRound) -> tuple[agg.Criterion, ...]:
    return tuple(
        agg.Criterion(c["code"], c["name"], Decimal(c["max"]), Decimal(c["weight"])) for c in round.rubric
    )


def create_round(*, by, edition, event=None, data: dict[str, Any]) -> ReviewRound:
    probe = ReviewRound(edition=edition, event=event)
    _require(by, "review.manage_round", probe)
    fields = {k: data[k] for k in ROUND_FIELDS if k in data}
    if "rubric" in fields:
        fields["rubric"] = clean_rubric(fields["rubric"])
    if not str(fields.get("name") or "").strip():
        raise FieldErrors({"name": "请填写轮次名称。"})
    if int(fields.get("judges_per_entry", 5)) < 1:
        raise FieldErrors({"judges_per_entry": "每个项目至少 1 位评审。"})
    with transaction.atomic():
        round_ = ReviewRound.objects.create(edition=edition, event=event, **fields)
        audit.record(action="review.round.created", obj=round_, by=by, scope=_scope(round_),
                     data={k: getattr(round_, k) for k in fields})  # fmt: skip
    return round_


def set_round_status(*, by, round: ReviewRound, to: str) -> ReviewRound:
    _require(by, "review.manage_round", round)
    with transaction.atomic():
        round_ = ReviewRound.objects.select_for_update().get(pk=round.pk)
        if to not in ROUND_TRANSITIONS[round_.status]:
            raise Conflict(
                f"评审轮次当前为“{round_.get_status_display()}”，不能变为“{RoundStatus(to).label}”。"
            )
        before = round_.status
        round_.status = to
        round_.save(update_fields=["status"])
        audit.record(action=f"review.round.{to}", obj=round_, by=by, scope=_scope(round_),
                     data={"before": before, "after": to})  # fmt: skip
    return round_


def anonymous_code(round: ReviewRound, entry: Entry) -> str:
    """A code that reveals neither the entrant nor the registration order."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{round.pk}:{entry.pk}".encode()).hexdigest()
    return f"R{round.pk}-{digest[:6].upper()}"


def add_entries(*, by, round: ReviewRound, entries: list[Entry] | None = None) -> int:
    """Put entries in a round: by default the event's qualified entries (or, for a national
    round, the entries recommended by every event of the edition)."""
    _require(by, "review.manage_round", round)
    carried: dict[int, tuple[Decimal | None, int | None]] = {}
    if entries is None:
        if round.event_id:
            if round.previous_id:
                advanced = AdvancementDecision.objects.filter(
                    round_id=round.previous_id, decision=Decision.ADVANCE, published_at__isnull=False
                ).select_related("round_entry__entry")
                entries = [d.round_entry.entry for d in advanced]
                carried = {d.round_entry.entry_id: (d.score, round.previous_id) for d in advanced}
            else:
                entries = list(Entry.objects.filter(event_id=round.event_id, status=EntryStatus.QUALIFIED))
        else:
            advanced = AdvancementDecision.objects.filter(
                round__edition_id=round.edition_id, round__event__isnull=False, decision=Decision.ADVANCE,
                published_at__isnull=False, round__next_rounds__isnull=True,
            ).select_related("round_entry__entry")  # fmt: skip
            entries = [d.round_entry.entry for d in advanced]
            carried = {d.round_entry.entry_id: (d.score, d.round_id) for d in advanced}
    with transaction.atomic():
        present = set(round.round_entries.values_list("entry_id", flat=True))
        rows = [
            RoundEntry(round=round, entry=e, code=anonymous_code(round, e), carried_score=carried.get(e.pk, (None,))[0],
                       source_round_id=carried.get(e.pk, (None, None))[1])
            for e in entries if e.pk not in present
        ]  # fmt: skip
        RoundEntry.objects.bulk_create(rows)
        if rows:
            audit.record(action="review.round.entries_added", obj=round, by=by, scope=_scope(round),
                         data={"entries": [r.entry_id for r in rows]})  # fmt: skip
    return len(rows)


def add_judges(*, by, round: ReviewRound, experts: list[Expert], max_load: int | None = None) -> int:
    _require(by, "review.manage_round", round)
    with transaction.atomic():
        present = set(round.round_judges.values_list("expert_id", flat=True))
        rows = [RoundJudge(round=round, expert=e, max_load=max_load or round.default_max_load)
                for e in experts if e.pk not in present and e.is_active]  # fmt: skip
        RoundJudge.objects.bulk_create(rows)
        if rows:
            audit.record(action="review.round.judges_added", obj=round, by=by, scope=_scope(round),
                         data={"experts": [r.expert_id for r in rows], "max_load": max_load})  # fmt: skip
    return len(rows)


# -- assignment ---------------------------------------------------------------------------------------


def match_score(expert: Expert, entry: Entry) -> int:
    """Expertise match, 0–100: the entry's industry among the expert's (70), the expert knows the
    entry's region (20), a single-industry specialist on their own industry (10)."""
    score = 0
    if entry.industry in expert.expertise:
        score += 70
        if len(expert.expertise) == 1:
            score += 10
    division = entry.division
    province = None
    if division is not None:
        province = division.code if division.parent_id is None else division.parent.code
    if province and province in expert.regions:
        score += 20
    return score


def request_assignment(*, by, round: ReviewRound) -> AssignmentRun:
    _require(by, "review.manage_round", round)
    with transaction.atomic():
        if ReviewRound.objects.select_for_update().get(pk=round.pk).status == RoundStatus.PUBLISHED:
            raise Conflict("结果已发布的轮次不能重新分配。")
        run = AssignmentRun.objects.create(round=round, requested_by=by)
        audit.record(action="review.assignment.requested", obj=round, by=by, scope=_scope(round),
                     data={"run": run.pk})  # fmt: skip
        run_id = run.pk
        transaction.on_commit(lambda: _enqueue_assignment(run_id))
    return run


def _enqueue_assignment(run_id: int) -> None:
    from contest.review.tasks import run_assignment_task

    run_assignment_task.enqueue(run_id)


def _progress(run: AssignmentRun, progress: int, message: str, status: str = RunStatus.RUNNING) -> None:
    AssignmentRun.objects.filter(pk=run.pk).update(progress=progress, message=message, status=status)


def run_assignment(run_id: int) -> AssignmentRun:
    """The task body: build the instance, solve it, write the assignment. Keeps pinned pairs and
    every assignment that already has a submitted score sheet."""
    run = AssignmentRun.objects.select_related("round", "requested_by").get(pk=run_id)
    round_ = run.round
    _progress(run, 5, "读取项目、专家与回避关系")
    round_entries = list(round_.round_entries.select_related("entry__division__parent").order_by("code"))
    judges = list(round_.round_judges.filter(available=True, expert__is_active=True).select_related("expert")
                  .order_by("expert_id"))  # fmt: skip
    conflicts = set(ConflictRow.objects.filter(entry__in=[r.entry_id for r in round_entries])
                    .values_list("expert_id", "entry_id"))  # fmt: skip
    existing = {(a.round_entry_id, a.expert_id): a for a in round_.assignments.select_related("sheet")}
    # Kept as they are: pinned pairs and every pair a judge has started (a saved draft or a
    # submitted sheet) — re-running never throws away a judge's work.
    keep = {key for key, a in existing.items() if a.source == AssignmentSource.PINNED or hasattr(a, "sheet")}
    e_index = {r.pk: i for i, r in enumerate(round_entries)}
    j_index = {rj.expert_id: i for i, rj in enumerate(judges)}
    ce, cj, sc, forced = [], [], [], []
    _progress(run, 20, "计算匹配度")
    for r in round_entries:
        for rj in judges:
            if (rj.expert_id, r.entry_id) in conflicts:
                continue
            ce.append(e_index[r.pk])
            cj.append(j_index[rj.expert_id])
            sc.append(match_score(rj.expert, r.entry))
            forced.append((r.pk, rj.expert_id) in keep)
    orgs = {normalize_org(rj.expert.organization_name) for rj in judges}
    org_ids = {o: i for i, o in enumerate(sorted(orgs))}
    problem = Problem(
        n_entries=len(round_entries), n_judges=len(judges), k=round_.judges_per_entry, cand_entry=np.array(ce),
        cand_judge=np.array(cj), score=np.array(sc), capacity=np.array([rj.max_load for rj in judges]),
        forced=np.array(forced, dtype=bool),
        judge_org=np.array([org_ids[normalize_org(rj.expert.organization_name)] for rj in judges]),
        judge_is_investor=np.array([rj.expert.kind == ExpertKind.INVESTMENT for rj in judges], dtype=bool),
        distinct_orgs=round_.distinct_organizations, min_investors=1 if round_.require_investor else 0,
    )  # fmt: skip
    _progress(run, 40, f"求解：{len(round_entries)} 个项目 × {len(judges)} 位专家")
    try:
        if not round_entries:
            raise AssignmentInfeasible("本轮还没有参评项目。")
        if not judges:
            raise AssignmentInfeasible("本轮还没有可参加的评审专家。")
        solution = solve(problem)
    except AssignmentInfeasible as exc:
        AssignmentRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, progress=100, message=exc.message,
                                                       finished_at=timezone.now())  # fmt: skip
        run.refresh_from_db()
        return run
    _progress(run, 80, "写入分配结果")
    scores = {(e, j): s for e, j, s in zip(ce, cj, sc, strict=True)}
    wanted = {(round_entries[e].pk, judges[j].expert_id): scores[(e, j)] for e, j in solution.pairs}
    with transaction.atomic():
        removed = [a for key, a in existing.items() if key not in wanted and key not in keep]
        for a in removed:
            a.delete()
        added = [
            Assignment(round=round_, round_entry_id=re_id, expert_id=ex_id, match_score=s, source=AssignmentSource.AUTO)
            for (re_id, ex_id), s in wanted.items() if (re_id, ex_id) not in existing
        ]  # fmt: skip
        Assignment.objects.bulk_create(added)
        stats = {"entries": len(round_entries), "judges": len(judges), "pairs": len(wanted), "added": len(added),
                 "removed": len(removed), "kept": len(keep), "min_load": solution.min_load,
                 "max_load": solution.max_load, "total_match": solution.total_score, "optimal": solution.optimal,
                 "method": solution.method, "seconds": round(solution.seconds, 3)}  # fmt: skip
        audit.record(action="review.assignment.computed", obj=round_, by=run.requested_by, scope=_scope(round_),
                     data={"run": run.pk, **stats, "added_pairs": [[a.round_entry_id, a.expert_id] for a in added],
                           "removed_pairs": [[a.round_entry_id, a.expert_id] for a in removed]})  # fmt: skip
        AssignmentRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE, progress=100, stats=stats,
                                                       message="分配完成", finished_at=timezone.now())  # fmt: skip
    run.refresh_from_db()
    return run


def pin_assignment(*, by, round_entry: RoundEntry, expert: Expert) -> Assignment:
    round_ = round_entry.round
    _require(by, "review.manage_round", round_)
    if ConflictRow.objects.filter(expert=expert, entry_id=round_entry.entry_id).exists():
        raise Conflict("该专家与此项目存在回避关系，不能指定。")
    if not round_.round_judges.filter(expert=expert).exists():
        raise ValidationFailed("该专家不在本轮评审名单中。", field="expert")
    with transaction.atomic():
        assignment, created = Assignment.objects.get_or_create(
            round=round_, round_entry=round_entry, expert=expert,
            defaults={"source": AssignmentSource.PINNED, "match_score": match_score(expert, round_entry.entry)},
        )  # fmt: skip
        if not created and assignment.source != AssignmentSource.PINNED:
            assignment.source = AssignmentSource.PINNED
            assignment.save(update_fields=["source"])
        audit.record(action="review.assignment.pinned", obj=assignment, by=by, scope=_scope(round_),
                     data={"entry": round_entry.entry_id, "expert": expert.pk})  # fmt: skip
    return assignment


def remove_assignment(*, by, assignment: Assignment, reason: str = "") -> None:
    _require(by, "review.manage_round", assignment.round)
    if _has_submitted_sheet(assignment):
        raise Conflict("该专家已提交评分，不能移除此分配。")
    with transaction.atomic():
        audit.record(
            action="review.assignment.removed",
            obj=assignment,
            by=by,
            scope=_scope(assignment.round),
            data={"entry": assignment.round_entry.entry_id, "expert": assignment.expert_id, "reason": reason},
        )
        assignment.delete()


def swap_assignment(*, by, assignment: Assignment, expert: Expert, reason: str = "") -> Assignment:
    """Replace the judge of an unscored assignment by another judge of the round."""
    round_entry = assignment.round_entry
    with transaction.atomic():
        remove_assignment(by=by, assignment=assignment, reason=reason or "swap")
        new = pin_assignment(by=by, round_entry=round_entry, expert=expert)
    return new


def reassign_unfinished(*, by, round: ReviewRound, expert: Expert) -> int:
    """Move an expert's unscored assignments to the best other available judges."""
    _require(by, "review.manage_round", round)
    moved = 0
    with transaction.atomic():
        mine = list(
            round.assignments.filter(expert=expert).select_related("round_entry__entry__division__parent")
        )
        loads = dict(round.assignments.values_list("expert_id").annotate(n=Count("id")))
        judges = [rj for rj in round.round_judges.filter(available=True).select_related("expert")
                  if rj.expert_id != expert.pk]  # fmt: skip
        for a in mine:
            if _has_submitted_sheet(a):
                continue
            entry = a.round_entry.entry
            taken = set(
                round.assignments.filter(round_entry=a.round_entry).values_list("expert_id", flat=True)
            )
            blocked = set(ConflictRow.objects.filter(entry=entry).values_list("expert_id", flat=True))
            options = [rj for rj in judges if rj.expert_id not in taken | blocked
                       and loads.get(rj.expert_id, 0) < rj.max_load]  # fmt: skip
            if not options:
                continue
            best = max(options, key=lambda rj: (match_score(rj.expert, entry), -loads.get(rj.expert_id, 0),
                                                 -rj.expert_id))  # fmt: skip
            audit.record(action="review.assignment.reassigned", obj=a, by=by, scope=_scope(round),
                         data={"entry": entry.pk, "from": expert.pk, "to": best.expert_id})  # fmt: skip
            a.delete()
            Assignment.objects.create(
                round=round,
                round_entry=a.round_entry,
                expert=best.expert,
                source=AssignmentSource.MANUAL,
                match_score=match_score(best.expert, entry),
            )
            loads[best.expert_id] = loads.get(best.expert_id, 0) + 1
            moved += 1
    return moved


# -- scoring ---------------------------------------------------------------------------------------------


def ensure_round_open(round: ReviewRound, now=None) -> None:
    now = now or timezone.now()
    if round.status != RoundStatus.OPEN:
        raise Closed(f"评审轮次“{round.name}”当前为“{round.get_status_display()}”，不能评分。")
    if round.opens_at and now < round.opens_at:
        raise Closed("评审尚未开始。")
    if round.closes_at and now >= round.closes_at:
        raise Closed("评审已截止。")


def parse_scores(rubric, raw: dict[str, Any]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    errors: dict[str, str] = {}
    names = {c.code: c.name for c in rubric}
    for code, value in raw.items():
        text = str(value).strip() if value is not None else ""
        if text == "":
            continue
        try:
            number = Decimal(text)
            if not number.is_finite():
                raise ValueError
            out[code] = number
        except (ArithmeticError, ValueError):
            errors[code] = f"“{names.get(code, code)}”的分数应为数字。"
    if errors:
        raise FieldErrors(errors)
    return out


def save_sheet(*, by, assignment: Assignment, scores: dict[str, Any], comment: str = "", submit: bool = False,
               expected_version: int | None = None) -> ScoreSheet:  # fmt: skip
    """A judge saves (or submits) their sheet. Edits after submitting are allowed while the round
    is open and recorded with before and after."""
    _require(by, "review.score_entry", assignment)
    rubric = rubric_of(assignment.round)
    values = parse_scores(rubric, scores)
    with transaction.atomic():
        round_ = ReviewRound.objects.get(pk=assignment.round_id)
        ensure_round_open(round_)
        sheet, _ = ScoreSheet.objects.select_for_update().get_or_create(assignment=assignment)
        if expected_version is not None and expected_version != sheet.version:
            raise Conflict("评分已在其他窗口中修改，请刷新后再保存。")
        # A submitted sheet stays complete: saving it again is a resubmission.
        submit = submit or sheet.status == SheetStatus.SUBMITTED
        errors = agg.validate_sheet(rubric, values)
        if not submit:  # a draft may leave criteria empty, but what it holds must be valid
            errors = {code: message for code, message in errors.items() if code in values}
        if errors:
            raise FieldErrors(errors)
        before = {
            "scores": dict(sheet.scores),
            "total": sheet.total,
            "comment": sheet.comment,
            "status": sheet.status,
        }
        sheet.scores = {k: str(val) for k, val in values.items()}
        sheet.comment = (comment or "").strip()[:3000]
        complete = not agg.validate_sheet(rubric, values)
        sheet.total = agg.quantize(agg.sheet_total(rubric, values), 4) if complete else None
        if submit:
            sheet.status = SheetStatus.SUBMITTED
            sheet.submitted_at = sheet.submitted_at or timezone.now()
        sheet.version += 1
        sheet.save()
        after = {
            "scores": sheet.scores,
            "total": sheet.total,
            "comment": sheet.comment,
            "status": sheet.status,
        }
        action = "review.sheet.submitted" if submit and before["status"] != SheetStatus.SUBMITTED else (
            "review.sheet.edited" if before["status"] == SheetStatus.SUBMITTED else "review.sheet.saved")  # fmt: skip
        audit.record(action=action, obj=sheet, by=by, scope=_scope(round_),
                     data={"assignment": assignment.pk, "before": before, "after": after})  # fmt: skip
    return sheet


def remind_judges(*, by, round: ReviewRound) -> int:
    """E-mail every judge with unfinished assignments in the round."""
    _require(by, "review.manage_round", round)
    pending = (round.assignments.exclude(sheet__status=SheetStatus.SUBMITTED).values("expert_id")
               .annotate(n=Count("id")))  # fmt: skip
    experts = {e.pk: e for e in Expert.objects.filter(pk__in=[p["expert_id"] for p in pending])}
    sent = 0
    with transaction.atomic():
        for row in pending:
            expert = experts[row["expert_id"]]
            if not expert.email:
                continue
            subject = f"【创客中国】评审提醒：{round.name}尚有 {row['n']} 个项目待评"
            body = f"{expert.name}专家您好：\n\n“{round}”中您还有 {row['n']} 个项目未提交评分，请尽快完成。\n"
            transaction.on_commit(lambda s=subject, b=body, to=expert.email: send_mail(
                s, b, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=True))  # fmt: skip
            sent += 1
        audit.record(
            action="review.round.reminded", obj=round, by=by, scope=_scope(round), data={"sent": sent}
        )
    return sent


# -- rankings ---------------------------------------------------------------------------------------------


@dataclass
class RankingRow:
    entry: int
    code: str
    number: str
    group: str
    industry: str
    rank: int
    value: Decimal
    exact: Decimal
    n_scores: int
    too_few: bool
    tied_with: tuple[int, ...]
    judges: list[dict]


def compute_rows(round: ReviewRound) -> list[RankingRow]:
    """Every entry of the round with its aggregate and rank within its group.

    Tie-breaks, in order: the mean of the first rubric criterion (技术创新 by default), then each
    following criterion, then the carried score from the previous round when the round is set to
    use it only for ties, then the registration number (earlier first).
    """
    rubric = rubric_of(round)
    sheets = list(ScoreSheet.objects.filter(assignment__round=round, status=SheetStatus.SUBMITTED)
                  .select_related("assignment__round_entry__entry__group", "assignment__expert"))  # fmt: skip
    entries = {re.pk: re for re in round.round_entries.select_related("entry__group")}
    scores = [agg.Score(s.assignment.round_entry_id, s.assignment.expert_id, s.total) for s in sheets]
    results = agg.aggregate(scores, method=round.aggregation, normalize=round.normalize, places=round.places,
                            min_scores=round.judges_per_entry)  # fmt: skip
    per_judge: dict[int, list[dict]] = {}
    criteria: dict[str, dict[int, list[Decimal]]] = {c.code: {} for c in rubric}
    for s in sheets:
        re_id = s.assignment.round_entry_id
        per_judge.setdefault(re_id, []).append({"expert": s.assignment.expert_id, "total": str(s.total),
                                                "scores": s.scores})  # fmt: skip
        for c in rubric:
            criteria[c.code].setdefault(re_id, []).append(Decimal(s.scores[c.code]))
    values: dict[int, Decimal] = {}
    exact: dict[int, Decimal] = {}
    for re_id, round_entry in entries.items():
        result = results.get(re_id)
        value = result.exact if result else Decimal(0)
        if round.carry_over == CarryOver.BLEND and round_entry.carried_score is not None:
            w = round.carry_weight
            value = value * (1 - w) + round_entry.carried_score * w
        exact[re_id] = value
        values[re_id] = agg.quantize(value, round.places)
    tie_breaks = [{re_id: agg.mean(v) for re_id, v in criteria[c.code].items()} for c in rubric]
    if round.carry_over == CarryOver.TIE_BREAK:
        tie_breaks.append(
            {re_id: re.carried_score for re_id, re in entries.items() if re.carried_score is not None}
        )
    rows: list[RankingRow] = []
    groups: dict[str, list[int]] = {}
    for re_id, round_entry in entries.items():
        groups.setdefault(round_entry.entry.group.code, []).append(re_id)
    for group_code, members in sorted(groups.items()):
        ranked = agg.rank({m: values[m] for m in members}, tie_breaks=tie_breaks,
                          final_key={m: entries[m].entry.number or "" for m in members})  # fmt: skip
        for r in ranked:
            re = entries[r.entry]
            result = results.get(r.entry)
            rows.append(RankingRow(
                entry=re.entry_id, code=re.code, number=re.entry.number or "", group=group_code,
                industry=re.entry.industry, rank=r.rank, value=r.value, exact=exact[r.entry],
                n_scores=result.n_scores if result else 0, too_few=result.too_few if result else True,
                tied_with=tuple(entries[t].entry_id for t in r.tied_with),
                judges=sorted(per_judge.get(r.entry, []), key=lambda j: j["expert"]),
            ))  # fmt: skip
    return rows


def snapshot_ranking(*, by, round: ReviewRound) -> list[RankingSnapshot]:
    """Store the current ranking per group (and per industry when configured)."""
    _require(by, "review.manage_round", round)
    rows = compute_rows(round)
    buckets: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        data = audit.jsonable(row.__dict__)
        buckets.setdefault((row.group, ""), []).append(data)
        if round.rank_by_industry:
            buckets.setdefault((row.group, row.industry), []).append(data)
    created = []
    with transaction.atomic():
        for (group, industry), items in sorted(buckets.items()):
            if industry:
                items = _rerank(items)
            digest = hashlib.sha256(audit.canonical_json({"rows": items}).encode()).hexdigest()
            snap = RankingSnapshot.objects.create(round=round, group_code=group, industry=industry, rows=items,
                                                  sha256=digest, created_by=by)  # fmt: skip
            created.append(snap)
        audit.record(action="review.ranking.snapshotted", obj=round, by=by, scope=_scope(round),
                     data={"snapshots": [[s.pk, s.group_code, s.industry, s.sha256] for s in created]})  # fmt: skip
    return created


def _rerank(items: list[dict]) -> list[dict]:
    """Ranks within a subset (an industry) of a group's ordered rows: entries tied in the group
    stay tied; the others take their position in the subset."""
    out: list[dict] = []
    for position, item in enumerate(items, start=1):
        rank = out[-1]["rank"] if out and item["rank"] == items[position - 2]["rank"] else position
        members = {i["entry"] for i in items}
        out.append({**item, "rank": rank, "tied_with": [t for t in item["tied_with"] if t in members]})
    return out


def outlier_judges(round: ReviewRound, *, threshold: Decimal = Decimal(2)) -> list[dict]:
    """Judges whose scores sit consistently far from their panels: the mean of (own − panel mean)
    in units of the round's standard deviation of totals, flagged beyond ±threshold."""
    sheets = list(ScoreSheet.objects.filter(assignment__round=round, status=SheetStatus.SUBMITTED)
                  .values_list("assignment__round_entry_id", "assignment__expert_id", "total"))  # fmt: skip
    if len(sheets) < 2:
        return []
    panel: dict[int, list[Decimal]] = {}
    for re_id, _, total in sheets:
        panel.setdefault(re_id, []).append(total)
    all_totals = [t for _, _, t in sheets]
    mu = agg.mean(all_totals)
    sigma = (sum((t - mu) ** 2 for t in all_totals) / len(all_totals)).sqrt()
    if sigma == 0:
        return []
    deviations: dict[int, list[Decimal]] = {}
    for re_id, expert_id, total in sheets:
        others = list(panel[re_id])
        deviations.setdefault(expert_id, []).append((total - agg.mean(others)) / sigma)
    out = []
    for expert_id, devs in sorted(deviations.items()):
        m = agg.mean(devs)
        if abs(m) >= threshold / 2 and len(devs) >= 3:
            out.append({"expert": expert_id, "mean_deviation": agg.quantize(m, 2), "sheets": len(devs)})
    return out


# -- advancement ---------------------------------------------------------------------------------------------


def quota_size(quota: Quota, n_entries: int) -> int:
    if quota.kind == QuotaKind.COUNT:
        return int(quota.count or 0)
    if quota.kind == QuotaKind.PERCENT:
        size = int((Decimal(n_entries) * quota.percent / 100).to_integral_value(rounding="ROUND_HALF_UP"))
        if quota.floor is not None:
            size = max(size, quota.floor)
        if quota.cap is not None:
            size = min(size, quota.cap)
        return min(size, n_entries) if quota.floor is None else size
    raise ValidationFailed("按分区比例分配的名额请用 proportional_quotas 计算。")


def zone_of(round_entry: RoundEntry, *, national: bool) -> str:
    """The sub-zone a proportional quota is apportioned over: the entry's event in a national
    round, its registering prefecture in an event's round."""
    entry = round_entry.entry
    if national:
        return entry.event.name
    return entry.division.name if entry.division_id else "—"


def _check_zone_shares(
    round_: ReviewRound, group: str, total: int, staged: list[AdvancementDecision]
) -> None:
    """Each sub-zone advances at most its largest-remainder share of a proportional quota."""
    national = round_.event_id is None
    members: dict[str, int] = {}
    for round_entry in round_.round_entries.filter(entry__group__code=group).select_related(
        "entry__event", "entry__division"
    ):
        zone = zone_of(round_entry, national=national)
        members[zone] = members.get(zone, 0) + 1
    shares = proportional_quotas(total, members)
    published = AdvancementDecision.objects.filter(
        round=round_,
        decision=Decision.ADVANCE,
        published_at__isnull=False,
        round_entry__entry__group__code=group,
    ).select_related("round_entry__entry__event", "round_entry__entry__division")
    advancing: dict[str, int] = {}
    for d in [*published, *(d for d in staged if d.decision == Decision.ADVANCE
                            and d.round_entry.entry.group.code == group)]:  # fmt: skip
        zone = zone_of(d.round_entry, national=national)
        advancing[zone] = advancing.get(zone, 0) + 1
    for zone, n in sorted(advancing.items()):
        if n > shares.get(zone, 0):
            raise Conflict(
                f"{group} 组“{zone}”晋级 {n} 个，超过该分区按比例分得的 {shares.get(zone, 0)} 个名额。"
            )


def proportional_quotas(total: int, entrants: dict[str, int]) -> dict[str, int]:
    """Largest-remainder (Hamilton) apportionment of ``total`` places across sub-zones by their
    number of entrants; ties on the remainder go to the larger zone, then the zone code."""
    n = sum(entrants.values())
    if n == 0:
        return dict.fromkeys(entrants, 0)
    shares = {z: Decimal(total) * c / n for z, c in entrants.items()}
    base = {z: int(s) for z, s in shares.items()}
    left = total - sum(base.values())
    order = sorted(entrants, key=lambda z: (-(shares[z] - base[z]), -entrants[z], z))
    for z in order[:left]:
        base[z] += 1
    return base


def set_quota(*, by, round: ReviewRound, group_code: str, kind: str, count=None, percent=None, floor=None,
              cap=None) -> Quota:  # fmt: skip
    _require(by, "review.manage_round", round)
    if kind not in QuotaKind.values:
        raise ValidationFailed("未知的名额类型。", field="kind")
    with transaction.atomic():
        quota, _ = Quota.objects.select_for_update().get_or_create(round=round, group_code=group_code,
                                                                   defaults={"kind": kind})  # fmt: skip
        before = {"kind": quota.kind, "count": quota.count, "percent": quota.percent, "floor": quota.floor,
                  "cap": quota.cap}  # fmt: skip
        quota.kind, quota.count, quota.percent, quota.floor, quota.cap = kind, count, percent, floor, cap
        quota.save()
        audit.record(action="review.quota.set", obj=quota, by=by, scope=_scope(round),
                     data={"before": before, "after": {"kind": kind, "count": count, "percent": percent,
                                                       "floor": floor, "cap": cap}})  # fmt: skip
    return quota


@dataclass
class CutLine:
    size: int
    advancing: list[int]  # entry ids within the quota
    tied_at_cut: list[int]  # entries sharing the rank at the cut line, inside and outside


def cut_line(rows: list[RankingRow], size: int) -> CutLine:
    ordered = sorted(rows, key=lambda r: (r.rank, r.number, r.entry))
    advancing = [r.entry for r in ordered[:size]]
    tied: list[int] = []
    if 0 < size < len(ordered) and ordered[size - 1].rank == ordered[size].rank:
        rank = ordered[size - 1].rank
        tied = [r.entry for r in ordered if r.rank == rank]
    return CutLine(size, advancing, tied)


def stage_decisions(*, by, round: ReviewRound, decisions: dict[int, str], note: str = "") -> int:
    """Stage advance / hold decisions (entry id → decision) for later publication."""
    _require(by, "review.manage_round", round)
    rows = {r.entry: r for r in compute_rows(round)}
    with transaction.atomic():
        round = ReviewRound.objects.select_for_update().get(pk=round.pk)
        if round.status == RoundStatus.PUBLISHED:
            raise Conflict("结果已发布，不能再修改晋级决定。")
        round_entries = {re.entry_id: re for re in round.round_entries.all()}
        for entry_id, decision in decisions.items():
            if entry_id not in round_entries:
                raise ValidationFailed(f"项目 {entry_id} 不在本轮。", field="decisions")
            if decision not in Decision.values:
                raise ValidationFailed("未知的晋级决定。", field="decisions")
            row = rows.get(entry_id)
            AdvancementDecision.objects.update_or_create(
                round=round, round_entry=round_entries[entry_id],
                defaults={"decision": decision, "rank": row.rank if row else None,
                          "score": row.exact if row else None, "note": note, "staged_by": by, "published_at": None},
            )  # fmt: skip
        audit.record(action="review.decisions.staged", obj=round, by=by, scope=_scope(round),
                     data={"decisions": {str(k): v for k, v in sorted(decisions.items())}, "note": note})  # fmt: skip
    return len(decisions)


def publish_advancement(*, by, round: ReviewRound) -> dict[str, int]:
    """Publish every staged decision of the round together. Quota is taken under a row lock and
    re-checked, so two organizers publishing at once cannot exceed it. The ranking at the moment
    of publication is stored as a snapshot."""
    _require(by, "review.manage_round", round)
    with transaction.atomic():
        round_ = ReviewRound.objects.select_for_update().get(pk=round.pk)
        if round_.status != RoundStatus.CLOSED:
            raise Conflict("请先结束评审，再发布晋级结果。")
        staged = list(AdvancementDecision.objects.select_for_update().filter(round=round_, published_at__isnull=True)
                      .select_related("round_entry__entry__group"))  # fmt: skip
        advancing: dict[str, int] = {}
        for d in staged:
            if d.decision == Decision.ADVANCE:
                advancing[d.round_entry.entry.group.code] = (
                    advancing.get(d.round_entry.entry.group.code, 0) + 1
                )
        counts = dict(round_.round_entries.values_list("entry__group__code").annotate(n=Count("id")))
        for group, n in sorted(advancing.items()):
            quota = Quota.objects.select_for_update().filter(round=round_, group_code=group).first()
            if quota is None:
                raise ValidationFailed(f"{group} 组尚未设置晋级名额。", field="quota")
            size = (
                quota_size(quota, counts.get(group, 0))
                if quota.kind != QuotaKind.PROPORTIONAL
                else int(quota.total or 0)
            )
            if quota.taken + n > size:
                raise Conflict(f"{group} 组晋级 {quota.taken + n} 个，超过名额 {size} 个。")
            if quota.kind == QuotaKind.PROPORTIONAL:
                _check_zone_shares(round_, group, size, staged)
            Quota.objects.filter(pk=quota.pk).update(taken=quota.taken + n)
        now = timezone.now()
        AdvancementDecision.objects.filter(pk__in=[d.pk for d in staged]).update(published_at=now)
        snapshots = []
        for group in sorted(counts):
            rows = [audit.jsonable(r.__dict__) for r in compute_rows(round_) if r.group == group]
            digest = hashlib.sha256(audit.canonical_json({"rows": rows}).encode()).hexdigest()
            snapshots.append(RankingSnapshot.objects.create(round=round_, group_code=group, rows=rows, sha256=digest,
                                                            created_by=by, published_at=now))  # fmt: skip
        round_.status = RoundStatus.PUBLISHED
        round_.save(update_fields=["status"])
        audit.record(action="review.advancement.published", obj=round_, by=by, scope=_scope(round_),
                     data={"advancing": advancing, "decisions": [[d.round_entry.entry_id, d.decision] for d in staged],
                           "snapshots": [[s.pk, s.group_code, s.sha256] for s in snapshots]})  # fmt: skip
    return advancing


# -- judge-side writes ---------------------------------------------------------------------------------------


def recuse_from_assignment(*, by, assignment: Assignment, reason: str) -> ConflictRow:
    """A judge declares a conflict from the judge's page. An unsubmitted draft sheet is discarded
    first (audited with its content): the sheet protects its assignment, and ``declare_conflict``
    withdraws the unscored assignment. A submitted sheet is kept; the organizer decides."""
    _require(by, "review.score_entry", assignment)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请说明回避原因。", field="reason")
    if len(reason) > 300:
        raise ValidationFailed(f"回避原因不能超过 300 个字符（当前 {len(reason)} 个）。", field="reason")
    with transaction.atomic():
        sheet = ScoreSheet.objects.select_for_update().filter(assignment=assignment).first()
        if sheet is not None and sheet.status == SheetStatus.DRAFT:
            audit.record(action="review.sheet.discarded", obj=sheet, by=by, scope=_scope(assignment.round),
                         data={"assignment": assignment.pk, "reason": "conflict", "scores": sheet.scores,
                               "comment": sheet.comment})  # fmt: skip
            sheet.delete()
        return declare_conflict(by=by, assignment=assignment, reason=reason)


# -- organizer pages: round settings, judges of a round, proportional quotas ---------------------------

ROUND_PLACES_MAX = 4


def _previous_round_errors(round_: ReviewRound, previous: ReviewRound | None) -> str | None:
    """Why ``previous`` cannot be the round before ``round_`` (None when it can)."""
    if previous is None:
        return None
    if previous.pk == round_.pk:
        return "上一轮不能是本轮自己。"
    if previous.edition_id != round_.edition_id:
        return "上一轮须属于同一届大赛。"
    if round_.event_id is not None and previous.event_id != round_.event_id:
        return "上一轮须属于同一赛事。"
    seen, cursor = {round_.pk}, previous
    while cursor is not None:  # a chain of rounds, never a loop
        if cursor.pk in seen:
            return "上一轮的设置会形成循环。"
        seen.add(cursor.pk)
        cursor = cursor.previous
    return None


def update_round(*, by, round: ReviewRound, data: dict[str, Any]) -> ReviewRound:
    """Edit a round's settings (any of ``ROUND_FIELDS`` and ``previous``).

    Nothing changes once the result is published; the rubric is fixed once a judge has submitted
    a sheet (the totals were computed with it); ``previous`` must be a round of the same edition
    (and the same event for an event's round) without forming a loop."""
    _require(by, "review.manage_round", round)
    fields = {k: data[k] for k in ROUND_FIELDS if k in data}
    errors: dict[str, str] = {}
    if "rubric" in fields:
        try:
            fields["rubric"] = clean_rubric(fields["rubric"])
        except FieldErrors as exc:
            errors.update(exc.fields)
    if "name" in fields:
        fields["name"] = str(fields["name"] or "").strip()
        if not fields["name"]:
            errors["name"] = "请填写轮次名称。"
    if "judges_per_entry" in fields and int(fields["judges_per_entry"]) < 1:
        errors["judges_per_entry"] = "每个项目至少 1 位评审。"
    if "default_max_load" in fields and int(fields["default_max_load"]) < 1:
        errors["default_max_load"] = "每位专家最多评审数至少为 1。"
    if "places" in fields and not 0 <= int(fields["places"]) <= ROUND_PLACES_MAX:
        errors["places"] = f"保留小数位应在 0 到 {ROUND_PLACES_MAX} 之间。"
    if "carry_weight" in fields:
        fields["carry_weight"] = Decimal(str(fields["carry_weight"] or 0))
        if not 0 <= fields["carry_weight"] <= 1:
            errors["carry_weight"] = "上一轮成绩占比应在 0 到 1 之间。"
    opens, closes = fields.get("opens_at", round.opens_at), fields.get("closes_at", round.closes_at)
    if opens and closes and closes <= opens:
        errors["closes_at"] = "评审截止时间应晚于开始时间。"
    if "previous" in data:
        previous = data["previous"]
        if previous is not None:
            _require(by, "review.manage_round", previous)
        problem = _previous_round_errors(round, previous)
        if problem:
            errors["previous"] = problem
        fields["previous"] = previous
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        round_ = ReviewRound.objects.select_for_update().get(pk=round.pk)
        if round_.status == RoundStatus.PUBLISHED:
            raise Conflict("结果已发布的轮次不能再修改。")
        submitted = ScoreSheet.objects.filter(assignment__round=round_, status=SheetStatus.SUBMITTED).exists()
        if "rubric" in fields and fields["rubric"] != round_.rubric and submitted:
            raise Conflict("已有专家提交评分，不能再修改评分细则。")
        before = {k: getattr(round_, k) for k in fields}
        for key, value in fields.items():
            setattr(round_, key, value)
        round_.save()
        changes = audit.diff(before, {k: getattr(round_, k) for k in fields})
        if changes:
            audit.record(action="review.round.updated", obj=round_, by=by, scope=_scope(round_),
                         data={"changes": changes})  # fmt: skip
    return round_


def set_round_judge(*, by, round_judge: RoundJudge, max_load: int, available: bool) -> RoundJudge:
    """A judge's load cap and availability in one round (used by the next assignment run)."""
    _require(by, "review.manage_round", round_judge.round)
    try:
        max_load = int(max_load)
    except (TypeError, ValueError):
        raise FieldErrors({"max_load": "最多评审数应为整数。"}) from None
    if max_load < 1:
        raise FieldErrors({"max_load": "最多评审数至少为 1。"})
    with transaction.atomic():
        row = RoundJudge.objects.select_for_update().select_related("round").get(pk=round_judge.pk)
        before = {"max_load": row.max_load, "available": row.available}
        row.max_load, row.available = max_load, bool(available)
        row.save(update_fields=["max_load", "available"])
        after = {"max_load": row.max_load, "available": row.available}
        if before != after:
            audit.record(action="review.round.judge_updated", obj=row.round, by=by, scope=_scope(row.round),
                         data={"expert": row.expert_id, "changes": audit.diff(before, after)})  # fmt: skip
    return row


def set_proportional_quota(*, by, round: ReviewRound, group_code: str, total: int) -> Quota:
    """A group's places as a total shared among sub-zones in proportion to their entries
    (largest remainders, ``proportional_quotas``)."""
    _require(by, "review.manage_round", round)
    try:
        total = int(total)
    except (TypeError, ValueError):
        raise FieldErrors({"total": "总名额应为整数。"}) from None
    if total < 0:
        raise FieldErrors({"total": "总名额不能为负数。"})
    with transaction.atomic():
        quota, _ = Quota.objects.select_for_update().get_or_create(
            round=round, group_code=group_code, defaults={"kind": QuotaKind.PROPORTIONAL}
        )
        before = {"kind": quota.kind, "total": quota.total}
        quota.kind, quota.total = QuotaKind.PROPORTIONAL, total
        quota.count = quota.percent = quota.floor = quota.cap = None
        quota.save()
        audit.record(action="review.quota.set", obj=quota, by=by, scope=_scope(round),
                     data={"before": before, "after": {"kind": quota.kind, "total": total}})  # fmt: skip
    return quota


def ranking_buckets(round: ReviewRound, rows: list[RankingRow]) -> list[tuple[str, str, list[dict]]]:
    """(group, industry, rows) as ``snapshot_ranking`` stores them: per group, and — when the round
    ranks by industry — per group and industry, re-ranked within the industry."""
    buckets: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        data = audit.jsonable(row.__dict__)
        buckets.setdefault((row.group, ""), []).append(data)
        if round.rank_by_industry:
            buckets.setdefault((row.group, row.industry), []).append(data)
    return [(group, industry, _rerank(items) if industry else items)
            for (group, industry), items in sorted(buckets.items())]  # fmt: skip


# -- judge accounts for experts ------------------------------------------------------------------------


def _judge_username(expert: Expert) -> str:
    from django.contrib.auth import get_user_model

    base = f"judge-{expert.pk}"
    users = get_user_model().objects
    name, n = base, 1
    while users.filter(username=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def invite_expert(*, by, expert: Expert, site_url: str = "", username: str | None = None):
    """Give an expert a judge account and e-mail a link to set its password.

    A new account has no usable password, so nobody can sign in to it until the expert sets one
    through the link (Django's password-reset token: single use, invalid once the password
    changes, valid for ``PASSWORD_RESET_TIMEOUT``). An existing account with the expert's e-mail
    or mobile is linked instead of creating a second one. Either way the account gets the judge
    role and the expert row points at it. Audited; the e-mail goes out after commit."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.tokens import default_token_generator
    from django.db.models import Q
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from contest.accounts.enums import RoleKind
    from contest.accounts.models import Role

    _require(by, "review.manage_experts")
    user_model = get_user_model()
    with transaction.atomic():
        expert = Expert.objects.select_for_update().get(pk=expert.pk)
        if expert.user_id is not None:
            raise Conflict(f"{expert.name}已有评审账号。")
        if not expert.is_active:
            raise Conflict(f"{expert.name}已移出专家库，不能邀请。")
        if not expert.email:
            raise ValidationFailed("请先填写专家的邮箱：设置密码的链接会发送到该邮箱。", field="email")
        person = user_model.objects.filter(Q(email__iexact=expert.email) | Q(phone=expert.phone)).first()
        created = person is None
        if person is not None and Expert.objects.filter(user=person).exists():
            raise Conflict("该邮箱或手机号的账号已关联另一位专家。")
        if created:
            person = user_model(username=username or _judge_username(expert), email=expert.email.lower(),
                                phone=expert.phone, display_name=expert.name)  # fmt: skip
            person.set_unusable_password()
            person.save()
        Role.objects.get_or_create(user=person, kind=RoleKind.JUDGE, organization=None, edition=None)
        expert.user = person
        expert.save(update_fields=["user"])
        audit.record(action="review.expert.invited", obj=expert, by=by,
                     data={"user": person.pk, "new_account": created})  # fmt: skip
        link = site_url.rstrip("/") + reverse(
            "accounts:password_reset_confirm",
            args=[urlsafe_base64_encode(force_bytes(person.pk)), default_token_generator.make_token(person)],
        )
        account = (f"您的登录账号：{person.get_username()}（也可用本邮箱或手机号登录）。\n" if created
                   else "您已有平台账号，评审专家权限已加入该账号；如不记得密码，可用下面的链接重新设置。\n")  # fmt: skip
        body = (
            f"{expert.name}专家您好：\n\n组织方邀请您担任“创客中国”大赛的评审专家。\n{account}"
            f"请打开下面的链接设置密码，然后登录查看分配给您的评审任务：\n\n{link}\n\n"
            "此链接只能使用一次，请勿转发。\n\n“创客中国”大赛平台"
        )
        address = expert.email
        transaction.on_commit(lambda: send_mail("【创客中国】评审专家邀请", body, settings.DEFAULT_FROM_EMAIL,
                                                [address]))  # fmt: skip
    return person


# -- importing experts (two-phase: validate every row, then one transaction) ------------------------------


@dataclass(frozen=True)
class ExpertColumn:
    field: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()


EXPERT_IMPORT_COLUMNS: tuple[ExpertColumn, ...] = (
    ExpertColumn("name", "姓名", True),
    ExpertColumn("organization_name", "工作单位", True),
    ExpertColumn("organization_credit_code", "单位统一社会信用代码"),
    ExpertColumn("title", "职称", aliases=("职称/职务", "职务")),
    ExpertColumn("expertise", "擅长行业", True),
    ExpertColumn("regions", "熟悉地区"),
    ExpertColumn("kind", "专家类别", True),
    ExpertColumn("phone", "手机", True, ("手机号", "手机号码")),
    ExpertColumn("email", "邮箱", aliases=("电子邮箱",)),
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
    errors: list = None  # list[RowError]
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
    names = sorted({n for choice in Industry for n in (str(choice.label), str(choice.label)[2:])}, key=len,
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
    from contest.catalog.enums import DivisionLevel
    from contest.catalog.models import Division

    out: dict[str, str] = {}
    for code, name, short, aliases in Division.objects.filter(level=DivisionLevel.PROVINCE).values_list(
        "code", "name", "short_name", "aliases"
    ):
        for spelling in (code, name, short, *[a for a in aliases.split("、") if a]):
            out[spelling.strip()] = code
    return out


def _expert_row(row: dict[str, Any], *, provinces: dict[str, str], existing: Expert | None):
    """(cleaned data, {field: message}) for one import row."""
    from contest.registration.services import industry_from_cell

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
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        try:
            validate_email(data["email"])
        except ValidationError:
            problems["email"] = "邮箱格式不正确。"
    if len(data["title"]) > 100:
        problems["title"] = "职称不能超过 100 个字符。"
    return cleaned, problems


EXPERT_COMPARED = ("name", "organization_name", "organization_credit_code", "title", "expertise", "regions", "kind",
                   "phone", "email")  # fmt: skip


def _plan_expert_import(rows: list[dict[str, Any]]) -> list[ExpertImportRow]:
    from contest.registration.services import RowError

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
        planned.append(item)
    return planned


def import_experts(*, by, rows: list[dict[str, Any]], dry_run: bool = False, source_name: str = "",
                   source_sha256: str = "") -> ExpertImportReport:  # fmt: skip
    """Add experts to the pool from a table. Every row is validated first (errors name the row and
    the column); then, unless ``dry_run``, all rows are written in one transaction. Idempotent on
    the mobile number: a known number updates that expert (or changes nothing). ``by`` None is the
    server's operator (the management command). Raises ``ExpertImportRefused`` when any row is wrong."""
    if by is not None:
        _require(by, "review.manage_experts")
    if not rows:
        raise ValidationFailed("文件中没有数据行。", field="file")
    if len(rows) > EXPERT_IMPORT_ROW_LIMIT:
        raise ValidationFailed(f"一次最多导入 {EXPERT_IMPORT_ROW_LIMIT} 行，当前 {len(rows)} 行；请分批导入。",
                               field="file")  # fmt: skip
    if dry_run:
        return ExpertImportReport(rows=_plan_expert_import(rows), dry_run=True)
    with transaction.atomic():
        report = ExpertImportReport(rows=_plan_expert_import(rows), dry_run=False)
        if report.errors:
            raise ExpertImportRefused(report)
        for item in report.rows:
            if item.action == "created":
                item.expert = Expert.objects.create(added_by=by, **item.data)
            elif item.action == "updated":
                expert = Expert.objects.select_for_update().get(pk=item.expert.pk)
                for key, value in item.data.items():
                    setattr(expert, key, value)
                expert.save()
                item.expert = expert
        audit.record(action="review.experts.imported", by=by, object_type="review.expert", object_id="",
                     data={"source": source_name, "sha256": source_sha256, "rows": len(report.rows),
                           "created": [r.expert.pk for r in report.with_action("created")],
                           "updated": [r.expert.pk for r in report.with_action("updated")],
                           "unchanged": [r.expert.pk for r in report.with_action("unchanged")]})  # fmt: skip
    return report


# -- rankings of a whole edition, aggregated in the database; publishing in one step --------------------------


def _snapshot_row_json(row) -> str:
    """A ``ranking_sql.Row`` as ``audit.canonical_json`` writes a snapshot row (keys sorted, no
    spaces, text as is): built directly, 100,000 rows of a season are not first made dicts."""
    from json.encoder import encode_basestring as text  # what json.dumps(ensure_ascii=False) quotes with

    tied = ",".join(map(str, row.tied_with))
    return (f'{{"code":{text(row.code)},"entry":{row.entry},"exact":"{row.exact}","group":{text(row.group)},'
            f'"industry":{text(row.industry)},"judges":[],"n_scores":{row.n_scores},"number":{text(row.number)},'
            f'"rank":{row.rank},"tied_with":[{tied}],"too_few":{"true" if row.too_few else "false"},'
            f'"value":"{row.value}"}}')  # fmt: skip


def recompute_rankings(*, by, edition) -> dict[str, int]:
    """Recompute the ranking of every unpublished round of an edition, per group (and per group
    and industry where the round ranks by industry); store each that differs from its latest
    snapshot as a new snapshot; one audit record with every ranking's SHA-256.

    The judges' totals are aggregated in SQL (``ranking_sql``), with the values, ranks and ties of
    ``compute_rows``. The stored rows are ``compute_rows``' with an empty ``judges`` list: the
    per-judge totals of a whole season would multiply the snapshot's size; ``snapshot_ranking``
    keeps them for one round. Published rounds keep their published snapshot and are left alone.
    For the secretariat of the edition. Returns counts: rounds, skipped (published) rounds,
    entries, submitted sheets, snapshots written, rankings unchanged since their last snapshot."""
    import json

    from django.db.models import Max

    from contest.review import ranking_sql

    _require(by, "review.manage_round", ReviewRound(edition=edition, event=None))
    rounds = list(ReviewRound.objects.filter(edition=edition).order_by("pk"))
    live = [r for r in rounds if r.status != RoundStatus.PUBLISHED]
    rankings = ranking_sql.rankings(live)
    last = (RankingSnapshot.objects.filter(round__in=live).values("round_id", "group_code", "industry")
            .annotate(last=Max("pk")).values("last"))  # fmt: skip
    latest = {(r, g, i): sha for r, g, i, sha in RankingSnapshot.objects.filter(pk__in=last)
              .values_list("round_id", "group_code", "industry", "sha256")}  # fmt: skip
    snapshots: list[RankingSnapshot] = []
    summary: list[list] = []
    entries = sheets = 0
    for round_ in live:
        groups: dict[str, list] = {}
        for row in rankings[round_.pk]:
            entries += 1
            sheets += row.n_scores
            groups.setdefault(row.group, []).append(row)
        # (group, industry, canonical JSON), in snapshot_ranking's order
        buckets: list[tuple[str, str, str]] = []
        for group, rows in sorted(groups.items()):
            text = '{"rows":[' + ",".join(map(_snapshot_row_json, rows)) + "]}"
            buckets.append((group, "", text))
            if round_.rank_by_industry:
                by_industry: dict[str, list[dict]] = {}
                for item in json.loads(text)["rows"]:
                    by_industry.setdefault(item["industry"], []).append(item)
                buckets += [(group, industry, audit.canonical_json({"rows": _rerank(items)}))
                            for industry, items in sorted(by_industry.items())]  # fmt: skip
        for group, industry, text in buckets:
            digest = hashlib.sha256(text.encode()).hexdigest()
            summary.append([round_.pk, group, industry, digest])
            if latest.get((round_.pk, group, industry)) != digest:
                snapshots.append(RankingSnapshot(round=round_, group_code=group, industry=industry,
                                                 rows=json.loads(text)["rows"], sha256=digest, created_by=by))  # fmt: skip
    counts = {"rounds": len(live), "skipped_published": len(rounds) - len(live), "entries": entries,
              "sheets": sheets, "snapshots": len(snapshots), "unchanged": len(summary) - len(snapshots)}  # fmt: skip
    with transaction.atomic():
        for snapshot in snapshots:  # one INSERT each: bulk_create would quote every JSON into one array
            snapshot.save()
        written = {(s.round_id, s.group_code, s.industry): s.pk for s in snapshots}
        audit.record(action="review.rankings.recomputed", obj=edition, by=by, scope=f"edition:{edition.pk}",
                     data={**counts, "rankings": [[*key, digest, written.get(tuple(key))]
                                                  for *key, digest in summary]})  # fmt: skip
    return counts


def publish_decisions(*, by, round: ReviewRound, decisions: dict[int, str], note: str = "") -> dict[str, int]:
    """Stage ``decisions`` and publish the round in one transaction. The round's row stays locked
    from staging to publication, so of two such calls at once the second finds the round published
    and is refused whole: nothing of it is staged, and the quota is taken once."""
    with transaction.atomic():
        stage_decisions(by=by, round=round, decisions=decisions, note=note)
        return publish_advancement(by=by, round=round)


# -- organizer changes to an assignment a judge has started ----------------------------------------------


def _discard_drafts(assignments: list[Assignment], *, by, round_: ReviewRound, reason: str) -> int:
    """Delete the unsubmitted draft sheets of ``assignments`` (a sheet protects its assignment),
    each audited with its content. Submitted sheets are never touched."""
    drafts = list(
        ScoreSheet.objects.select_for_update().filter(assignment__in=assignments, status=SheetStatus.DRAFT)
    )
    for sheet in drafts:
        audit.record(action="review.sheet.discarded", obj=sheet, by=by, scope=_scope(round_),
                     data={"assignment": sheet.assignment_id, "reason": reason, "scores": sheet.scores,
                           "comment": sheet.comment})  # fmt: skip
        sheet.delete()
    return len(drafts)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请说明理由。", field="reason")
    if len(reason) > 300:
        raise ValidationFailed(f"理由不能超过 300 个字符（当前 {len(reason)} 个）。", field="reason")
    return reason


def withdraw_assignment(*, by, assignment: Assignment, reason: str) -> None:
    """The organizer takes a judge off an entry (reason required). A draft the judge started is
    discarded first (audited with its content); a submitted sheet refuses the change."""
    _require(by, "review.manage_round", assignment.round)
    reason = _reason(reason)
    with transaction.atomic():
        if _has_submitted_sheet(assignment):
            raise Conflict("该专家已提交评分，不能移除此分配。")
        _discard_drafts([assignment], by=by, round_=assignment.round, reason=reason)
        remove_assignment(by=by, assignment=assignment, reason=reason)


def replace_judge(*, by, assignment: Assignment, expert: Expert, reason: str) -> Assignment:
    """The organizer gives an entry another judge in place of one (reason required); the old
    judge's draft is discarded first (audited); the new pair is pinned."""
    _require(by, "review.manage_round", assignment.round)
    reason = _reason(reason)
    with transaction.atomic():
        if _has_submitted_sheet(assignment):
            raise Conflict("该专家已提交评分，不能移除此分配。")
        _discard_drafts([assignment], by=by, round_=assignment.round, reason=reason)
        return swap_assignment(by=by, assignment=assignment, expert=expert, reason=reason)


def hand_over_unfinished(*, by, round: ReviewRound, expert: Expert) -> int:
    """``reassign_unfinished`` for a judge who may have drafts: the drafts are discarded (audited)
    and every unsubmitted assignment moves to another judge — all or nothing when drafts are
    involved: if an entry whose draft was discarded finds nobody to take it, nothing changes."""
    _require(by, "review.manage_round", round)
    with transaction.atomic():
        unfinished = list(
            round.assignments.filter(expert=expert).exclude(sheet__status=SheetStatus.SUBMITTED)
        )
        drafted = set(ScoreSheet.objects.filter(assignment__in=unfinished, status=SheetStatus.DRAFT)
                      .values_list("assignment__round_entry_id", flat=True))  # fmt: skip
        _discard_drafts(unfinished, by=by, round_=round, reason="hand_over")
        moved = reassign_unfinished(by=by, round=round, expert=expert)
        stuck = round.assignments.filter(expert=expert, round_entry_id__in=drafted).count()
        if stuck:
            raise Conflict(f"有 {stuck} 个已有草稿的项目找不到可接手的专家，未作任何转交；"
                           "请先增加专家或提高最多评审数。")  # fmt: skip
    return moved
