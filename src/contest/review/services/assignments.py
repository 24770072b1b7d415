"""Assigning judges to entries: the solver run, pins, swaps, hand-overs."""

from __future__ import annotations

import numpy as np
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from contest.core import audit
from contest.core.errors import Conflict, ValidationFailed
from contest.registration.models import Entry
from contest.review.assignment import AssignmentInfeasible, Problem, solve
from contest.review.enums import AssignmentSource, ExpertKind, RoundStatus, RunStatus, SheetStatus
from contest.review.models import Assignment, AssignmentRun, Expert, ReviewRound, RoundEntry, ScoreSheet
from contest.review.models import Conflict as ConflictRow
from contest.review.services.common import _has_submitted_sheet, _require, _scope, normalize_org

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
