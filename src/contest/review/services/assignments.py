"""Assigning judges to entries: the solver run, pins, swaps, hand-overs."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from contest.core import audit
from contest.core.access import require
from contest.core.errors import Conflict, ValidationFailed
from contest.core.lifecycle import transition
from contest.core.workers import stale_before, stale_jobs
from contest.review.enums import AssignmentSource, RoundStatus, RunStatus, SheetStatus
from contest.review.matching import match_score
from contest.review.models import (
    Assignment,
    AssignmentRun,
    Expert,
    ReviewRound,
    RoundEntry,
    ScoreSheet,
    round_scope,
)
from contest.review.models import Conflict as ConflictRow
from contest.review.services.common import has_submitted_sheet
from contest.review.tasks import run_assignment, run_assignment_task

__all__ = [
    "expire_stale_runs", "hand_over_unfinished", "match_score", "pin_assignment", "reassign_unfinished", "remove_assignment",
    "replace_judge", "request_assignment", "run_assignment", "swap_assignment", "withdraw_assignment",
]  # fmt: skip

# -- assignment ---------------------------------------------------------------------------------------


def expire_stale_runs(*, round: ReviewRound | int | None = None) -> int:
    """Fail the running assignment runs whose worker died: no heartbeat (or start) for
    ``STALE_JOB_AFTER`` — and the queued ones older than that while no worker is alive. The system
    acts (no user), with a reason; the round's assignment is untouched (a run writes it in one
    transaction at its end), so a new run can start at once. Called when a run is requested or
    looked at, and periodically by ``run_worker``. Returns how many runs it failed."""
    limit = stale_before()
    stale = AssignmentRun.objects.filter(
        stale_jobs(limit, running=RunStatus.RUNNING, queued=RunStatus.QUEUED)
    )
    if round is not None:
        stale = stale.filter(round=round)
    failed = 0
    for run in stale.select_related("round").order_by("pk"):
        last = timezone.localtime(run.heartbeat_at or run.created_at)
        reason = f"后台任务中断：自 {last:%Y-%m-%d %H:%M} 起没有进展，已标记为失败；请重新分配。"
        try:
            transition(run, RunStatus.FAILED, by=None, reason=reason,
                       values={"progress": 100, "message": reason[:500], "finished_at": timezone.now()})  # fmt: skip
        except Conflict:  # it finished meanwhile
            continue
        failed += 1
    return failed


def request_assignment(*, by, round: ReviewRound) -> AssignmentRun:
    require(by, "review.manage_round", round)
    expire_stale_runs(round=round)
    with transaction.atomic():
        if ReviewRound.objects.select_for_update().get(pk=round.pk).status == RoundStatus.PUBLISHED:
            raise Conflict("结果已发布的轮次不能重新分配。")
        run = AssignmentRun.objects.create(round=round, requested_by=by)
        audit.record(action="review.assignment.requested", obj=round, by=by, scope=round_scope(round),
                     data={"run": run.pk})  # fmt: skip
        run_id = run.pk
        transaction.on_commit(lambda: run_assignment_task.enqueue(run_id))
    return run


def pin_assignment(*, by, round_entry: RoundEntry, expert: Expert) -> Assignment:
    round_ = round_entry.round
    require(by, "review.manage_round", round_)
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
        audit.record(action="review.assignment.pinned", obj=assignment, by=by, scope=round_scope(round_),
                     data={"entry": round_entry.entry_id, "expert": expert.pk})  # fmt: skip
    return assignment


def remove_assignment(*, by, assignment: Assignment, reason: str = "") -> None:
    require(by, "review.manage_round", assignment.round)
    if has_submitted_sheet(assignment):
        raise Conflict("该专家已提交评分，不能移除此分配。")
    with transaction.atomic():
        audit.record(
            action="review.assignment.removed",
            obj=assignment,
            by=by,
            scope=round_scope(assignment.round),
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
    require(by, "review.manage_round", round)
    moved = 0
    with transaction.atomic():
        mine = list(
            round.assignments.filter(expert=expert).select_related("round_entry__entry__division__parent")
        )
        loads = dict(round.assignments.values_list("expert_id").annotate(n=Count("id")))
        judges = [rj for rj in round.round_judges.filter(available=True).select_related("expert")
                  if rj.expert_id != expert.pk]  # fmt: skip
        for a in mine:
            if has_submitted_sheet(a):
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
            audit.record(action="review.assignment.reassigned", obj=a, by=by, scope=round_scope(round),
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
        audit.record(action="review.sheet.discarded", obj=sheet, by=by, scope=round_scope(round_),
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
    require(by, "review.manage_round", assignment.round)
    reason = _reason(reason)
    with transaction.atomic():
        if has_submitted_sheet(assignment):
            raise Conflict("该专家已提交评分，不能移除此分配。")
        _discard_drafts([assignment], by=by, round_=assignment.round, reason=reason)
        remove_assignment(by=by, assignment=assignment, reason=reason)


def replace_judge(*, by, assignment: Assignment, expert: Expert, reason: str) -> Assignment:
    """The organizer gives an entry another judge in place of one (reason required); the old
    judge's draft is discarded first (audited); the new pair is pinned."""
    require(by, "review.manage_round", assignment.round)
    reason = _reason(reason)
    with transaction.atomic():
        if has_submitted_sheet(assignment):
            raise Conflict("该专家已提交评分，不能移除此分配。")
        _discard_drafts([assignment], by=by, round_=assignment.round, reason=reason)
        return swap_assignment(by=by, assignment=assignment, expert=expert, reason=reason)


def hand_over_unfinished(*, by, round: ReviewRound, expert: Expert) -> int:
    """``reassign_unfinished`` for a judge who may have drafts: the drafts are discarded (audited)
    and every unsubmitted assignment moves to another judge — all or nothing when drafts are
    involved: if an entry whose draft was discarded finds nobody to take it, nothing changes."""
    require(by, "review.manage_round", round)
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
