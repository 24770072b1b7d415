"""Conflicts of interest: detected, declared by a judge, pinned by the organizer."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from contest.core import audit
from contest.core.access import require
from contest.core.errors import ValidationFailed
from contest.registration.models import Entry
from contest.review.enums import ConflictKind, ConflictSource, SheetStatus
from contest.review.matching import normalize_org
from contest.review.models import Assignment, Expert, ReviewRound, ScoreSheet, round_scope
from contest.review.models import Conflict as ConflictRow
from contest.review.services.common import has_submitted_sheet

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
    require(by, "review.manage_round", round)
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
            audit.record(action="review.conflicts.detected", obj=round, by=by, scope=round_scope(round),
                         data={"pairs": [[r.expert_id, r.entry_id, r.kind] for r in new]})  # fmt: skip
            _drop_conflicted_assignments(round, by=by)
    return len(new)


def declare_conflict(*, by, assignment: Assignment, reason: str) -> ConflictRow:
    """A judge declares a tie to an assigned entry; the unscored assignment is withdrawn."""
    require(by, "review.score_entry", assignment)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请说明回避原因。", field="reason")
    return _add_conflict(by=by, expert=assignment.expert, entry=assignment.round_entry.entry,
                         kind=ConflictKind.DECLARED, source=ConflictSource.DECLARED, reason=reason,
                         round=assignment.round)  # fmt: skip


def pin_conflict(*, by, round: ReviewRound, expert: Expert, entry: Entry, reason: str) -> ConflictRow:
    require(by, "review.manage_round", round)
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
            audit.record(action="review.conflict.added", obj=row, by=by, scope=round_scope(round),
                         data={"expert": expert.pk, "entry": entry.pk, "kind": kind, "reason": reason})  # fmt: skip
        _drop_conflicted_assignments(round, by=by)
    return row


def _drop_conflicted_assignments(round: ReviewRound, *, by) -> None:
    conflicted = Assignment.objects.filter(round=round).filter(
        expert__conflicts__entry_id=F("round_entry__entry_id")
    )
    doomed = [a for a in conflicted.select_related("round_entry") if not has_submitted_sheet(a)]
    for a in doomed:
        audit.record(action="review.assignment.removed", obj=a, by=by, scope=round_scope(round),
                     data={"reason": "conflict", "expert": a.expert_id, "entry": a.round_entry.entry_id})  # fmt: skip
        a.delete()


# -- judge-side writes ---------------------------------------------------------------------------------------


def recuse_from_assignment(*, by, assignment: Assignment, reason: str) -> ConflictRow:
    """A judge declares a conflict from the judge's page. An unsubmitted draft sheet is discarded
    first (audited with its content): the sheet protects its assignment, and ``declare_conflict``
    withdraws the unscored assignment. A submitted sheet is kept; the organizer decides."""
    require(by, "review.score_entry", assignment)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请说明回避原因。", field="reason")
    if len(reason) > 300:
        raise ValidationFailed(f"回避原因不能超过 300 个字符（当前 {len(reason)} 个）。", field="reason")
    with transaction.atomic():
        sheet = ScoreSheet.objects.select_for_update().filter(assignment=assignment).first()
        if sheet is not None and sheet.status == SheetStatus.DRAFT:
            audit.record(action="review.sheet.discarded", obj=sheet, by=by, scope=round_scope(assignment.round),
                         data={"assignment": assignment.pk, "reason": "conflict", "scores": sheet.scores,
                               "comment": sheet.comment})  # fmt: skip
            sheet.delete()
        return declare_conflict(by=by, assignment=assignment, reason=reason)
