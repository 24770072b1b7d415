"""Quotas, staged advancement decisions and their publication."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from contest.core import audit
from contest.core.access import require
from contest.core.errors import Conflict, FieldErrors, ValidationFailed
from contest.core.inputs import check_text
from contest.core.lifecycle import transition
from contest.review.enums import Decision, QuotaKind, RoundStatus
from contest.review.models import AdvancementDecision, Quota, RankingSnapshot, ReviewRound, round_scope
from contest.review.rankings import (
    CutLine,
    compute_rows,
    cut_line,
    proportional_quotas,
    quota_size,
)
from contest.review.rankings import zone_of as _registered_zone

__all__ = [
    "CutLine", "cut_line", "proportional_quotas", "publish_advancement", "publish_decisions", "quota_size",
    "set_proportional_quota", "set_quota", "stage_decisions", "zone_of",
]  # fmt: skip

# -- advancement ---------------------------------------------------------------------------------------------


def zone_of(round_entry, *, national: bool) -> str:
    """The sub-zone a proportional quota is apportioned over: an entry's station when it has one
    (the overseas final's 香港, 新加坡 …); otherwise its event in a national round, its registering
    prefecture in an event's round (``rankings.zone_of``)."""
    entry = round_entry.entry
    if entry.zone_id is not None:
        return entry.zone.name
    return _registered_zone(round_entry, national=national)


def _check_zone_shares(
    round_: ReviewRound, group: str, total: int, staged: list[AdvancementDecision]
) -> None:
    """Each sub-zone advances at most its largest-remainder share of a proportional quota."""
    national = round_.event_id is None
    members: dict[str, int] = {}
    for round_entry in round_.round_entries.filter(entry__group__code=group).select_related(
        "entry__event", "entry__division", "entry__zone"
    ):
        zone = zone_of(round_entry, national=national)
        members[zone] = members.get(zone, 0) + 1
    shares = proportional_quotas(total, members)
    published = AdvancementDecision.objects.filter(
        round=round_,
        decision=Decision.ADVANCE,
        published_at__isnull=False,
        round_entry__entry__group__code=group,
    ).select_related("round_entry__entry__event", "round_entry__entry__division", "round_entry__entry__zone")
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


def set_quota(*, by, round: ReviewRound, group_code: str, kind: str, count=None, percent=None, floor=None,
              cap=None) -> Quota:  # fmt: skip
    require(by, "review.manage_round", round)
    if kind not in QuotaKind.values:
        raise ValidationFailed("未知的名额类型。", field="kind")
    with transaction.atomic():
        quota, _ = Quota.objects.select_for_update().get_or_create(round=round, group_code=group_code,
                                                                   defaults={"kind": kind})  # fmt: skip
        before = {"kind": quota.kind, "count": quota.count, "percent": quota.percent, "floor": quota.floor,
                  "cap": quota.cap}  # fmt: skip
        quota.kind, quota.count, quota.percent, quota.floor, quota.cap = kind, count, percent, floor, cap
        quota.save()
        audit.record(action="review.quota.set", obj=quota, by=by, scope=round_scope(round),
                     data={"before": before, "after": {"kind": kind, "count": count, "percent": percent,
                                                       "floor": floor, "cap": cap}})  # fmt: skip
    return quota


def stage_decisions(*, by, round: ReviewRound, decisions: dict[int, str], note: str = "") -> int:
    """Stage advance / hold decisions (entry id → decision) for later publication."""
    require(by, "review.manage_round", round)
    check_text(note or "", field="note")
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
        audit.record(action="review.decisions.staged", obj=round, by=by, scope=round_scope(round),
                     data={"decisions": {str(k): v for k, v in sorted(decisions.items())}, "note": note})  # fmt: skip
    return len(decisions)


def publish_advancement(*, by, round: ReviewRound, acknowledged_too_few: int = 0) -> dict[str, int]:
    """Publish every staged decision of the round together. Quota is taken under a row lock and
    re-checked, so two organizers publishing at once cannot exceed it. The ranking at the moment
    of publication is stored as a snapshot.

    Entries with fewer submitted sheets than ``judges_per_entry`` (评分不足) block publication
    unless the organizer acknowledged at least that many (``acknowledged_too_few``, the count the
    publish page showed beside its confirmation checkbox)."""
    require(by, "review.manage_round", round)
    with transaction.atomic():
        round_ = ReviewRound.objects.select_for_update().get(pk=round.pk)
        if round_.status != RoundStatus.CLOSED:
            raise Conflict("请先结束评审，再发布晋级结果。")
        ranked = compute_rows(round_)  # once: the round is closed and locked, so its ranking cannot move
        too_few = sum(1 for r in ranked if r.too_few)
        if too_few > acknowledged_too_few:
            raise FieldErrors({"acknowledge_too_few": _("有 %(n)d 个项目评分不足（提交的评分少于每个项目的评审人数），"
                                                        "请确认“我已知晓 %(n)d 个项目评分不足，仍要发布”后再发布。")
                               % {"n": too_few}})  # fmt: skip
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
            rows = [audit.jsonable(r.__dict__) for r in ranked if r.group == group]
            digest = hashlib.sha256(audit.canonical_json({"rows": rows}).encode()).hexdigest()
            snapshots.append(RankingSnapshot.objects.create(round=round_, group_code=group, rows=rows, sha256=digest,
                                                            created_by=by, published_at=now))  # fmt: skip
        transition(round_, RoundStatus.PUBLISHED, by=by, action="review.advancement.published",
                   data={"advancing": advancing, "decisions": [[d.round_entry.entry_id, d.decision] for d in staged],
                         "snapshots": [[s.pk, s.group_code, s.sha256] for s in snapshots]})  # fmt: skip
    return advancing


def set_proportional_quota(*, by, round: ReviewRound, group_code: str, total: int) -> Quota:
    """A group's places as a total shared among sub-zones in proportion to their entries
    (largest remainders, ``proportional_quotas``)."""
    require(by, "review.manage_round", round)
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
        audit.record(action="review.quota.set", obj=quota, by=by, scope=round_scope(round),
                     data={"before": before, "after": {"kind": quota.kind, "total": total}})  # fmt: skip
    return quota


def publish_decisions(
    *, by, round: ReviewRound, decisions: dict[int, str], note: str = "", acknowledged_too_few: int = 0
) -> dict[str, int]:
    """Stage ``decisions`` and publish the round in one transaction. The round's row stays locked
    from staging to publication, so of two such calls at once the second finds the round published
    and is refused whole: nothing of it is staged, and the quota is taken once."""
    with transaction.atomic():
        stage_decisions(by=by, round=round, decisions=decisions, note=note)
        return publish_advancement(by=by, round=round, acknowledged_too_few=acknowledged_too_few)
