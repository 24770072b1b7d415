"""Background work of expert review: the automatic assignment of judges.

The run's body lives here, beside its task; the services only enqueue it (``request_assignment``).
Every status of the run goes through the run's lifecycle (queued → running → done or failed)."""

from __future__ import annotations

import logging

import numpy as np
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from contest.core import audit
from contest.core.errors import Conflict
from contest.core.lifecycle import transition
from contest.core.workers import PRIORITY_INTERACTIVE, KeepAlive
from contest.review.assignment import AssignmentInfeasible, Problem, solve
from contest.review.enums import AssignmentSource, ExpertKind, RunStatus
from contest.review.matching import match_score, normalize_org
from contest.review.models import Assignment, AssignmentRun, round_scope
from contest.review.models import Conflict as ConflictRow

logger = logging.getLogger(__name__)


def _progress(run: AssignmentRun, progress: int, message: str) -> None:
    """Progress of a running run, for the organizer's page (not a status change)."""
    AssignmentRun.objects.filter(pk=run.pk).update(
        progress=progress, message=message, heartbeat_at=timezone.now()
    )


def run_assignment(run_id: int) -> AssignmentRun:
    """The task body: build the instance, solve it, write the assignment. Keeps pinned pairs and
    every assignment that already has a submitted score sheet."""
    run = AssignmentRun.objects.select_related("round", "requested_by").get(pk=run_id)
    transition(run, RunStatus.RUNNING, by=None, values={"progress": 5, "message": "读取项目、专家与回避关系",
                                                        "heartbeat_at": timezone.now()})  # fmt: skip
    with KeepAlive(AssignmentRun, run.pk):  # while the solver works, the run shows it is alive
        return _assign(run)


def _assign(run: AssignmentRun) -> AssignmentRun:
    round_ = run.round
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
        transition(run, RunStatus.FAILED, by=None,
                   values={"progress": 100, "message": exc.message, "finished_at": timezone.now()})  # fmt: skip
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
        audit.record(action="review.assignment.computed", obj=round_, by=run.requested_by, scope=round_scope(round_),
                     data={"run": run.pk, **stats, "added_pairs": [[a.round_entry_id, a.expert_id] for a in added],
                           "removed_pairs": [[a.round_entry_id, a.expert_id] for a in removed]})  # fmt: skip
        transition(run, RunStatus.DONE, by=None, values={"progress": 100, "stats": stats, "message": "分配完成",
                                                         "finished_at": timezone.now()})  # fmt: skip
    run.refresh_from_db()
    return run


@task(priority=PRIORITY_INTERACTIVE)  # an organizer waits for it: ahead of bulk work
def run_assignment_task(run_id: int) -> str:
    """Solve the round's assignment in the background; progress lives on the AssignmentRun row.

    Whatever goes wrong, the run ends as failed with a message, so the organizer's page never
    polls a run that will not finish. A task delivered again for a run that has already ended
    (the queue delivers at least once; the demo runs its assignment inline) leaves it alone."""
    ended = (
        AssignmentRun.objects.filter(pk=run_id, status__in=(RunStatus.DONE, RunStatus.FAILED))
        .values_list("status", flat=True)
        .first()
    )
    if ended is not None:
        logger.info("assignment run %s had already ended (%s); nothing to do", run_id, ended)
        return ended
    try:
        return run_assignment(run_id).status
    except Exception as exc:
        logger.exception("assignment run %s failed", run_id)
        run = AssignmentRun.objects.select_related("round").filter(pk=run_id).first()
        if run is not None:
            try:
                transition(run, RunStatus.FAILED, by=None, values={
                    "progress": 100, "message": f"分配失败：{exc.__class__.__name__}", "finished_at": timezone.now(),
                })  # fmt: skip
            except Conflict:  # the run had already ended (a repeated task): it keeps its outcome
                logger.warning("assignment run %s had already ended", run_id)
        return RunStatus.FAILED
