"""Award levels, staging awards (by hand or from a ranking with a plan), confirming, revoking."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from contest.awards import plans
from contest.awards.enums import DEFAULT_LEVELS, AwardSource, AwardStatus, TiePolicy
from contest.awards.models import Award, AwardLevel, Certificate
from contest.awards.selectors import levels_for_event
from contest.awards.validators import clean_reason
from contest.catalog.models import Edition, EditionGroup, Event
from contest.core import audit
from contest.core.access import require
from contest.core.errors import Conflict, FieldErrors, NotFound, ValidationFailed
from contest.core.lifecycle import transition, transition_many
from contest.finals.enums import SessionStatus
from contest.finals.selectors import session_ranking
from contest.registration.enums import EntryStatus
from contest.registration.models import Entry

MAX_LEVEL_RANK = 999
#: the permission every award and certificate service checks on the event
MANAGE = "awards.manage_awards"


def scope_of(event: Event) -> str:
    return f"event:{event.pk}"


# -- levels ----------------------------------------------------------------------------------------------


def ensure_default_levels(*, edition: Edition) -> dict[str, AwardLevel]:
    """The edition's default levels by name, created the first time they are needed (reference
    data; the service that needed them audits its own write)."""
    levels = {level.name: level for level in AwardLevel.objects.filter(edition=edition, event__isnull=True)}
    for name, rank in DEFAULT_LEVELS:
        if name not in levels:
            levels[name], _ = AwardLevel.objects.get_or_create(
                edition=edition, event=None, name=name, defaults={"rank": rank, "is_default": True}
            )
    return levels


def _levels_for(event: Event) -> dict[str, AwardLevel]:
    levels = ensure_default_levels(edition=event.edition)
    for level in AwardLevel.objects.filter(event=event):
        levels[level.name] = level
    return levels


def add_custom_level(*, by, event: Event, name: str, rank: int | None = None) -> AwardLevel:
    """A level of this event only (e.g. 最佳人气奖); ranked after the defaults unless told."""
    require(by, MANAGE, event)
    cleaned = (name or "").strip()
    errors = {}
    if not cleaned or len(cleaned) > 30:
        errors["name"] = "请填写奖项名称（不超过 30 字）。"
    if rank is not None and not 1 <= rank <= MAX_LEVEL_RANK:
        errors["rank"] = f"排序须为 1–{MAX_LEVEL_RANK} 的整数。"
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        levels = _levels_for(event)
        if cleaned in levels:
            raise FieldErrors({"name": f"已有奖项等级“{cleaned}”。"})
        if rank is None:
            rank = min(MAX_LEVEL_RANK, max(level.rank for level in levels.values()) + 10)
        level = AwardLevel.objects.create(edition=event.edition, event=event, name=cleaned, rank=rank)
        audit.record(action="awards.level.created", obj=level, by=by, scope=scope_of(event),
                     data={"name": cleaned, "rank": rank})  # fmt: skip
    return level


def _level(event: Event, name: str) -> AwardLevel:
    level = _levels_for(event).get(name)
    if level is None:
        raise FieldErrors({"level": f"没有奖项等级“{name}”。"})
    return level


# -- staging by hand ------------------------------------------------------------------------------------------


def _check_entry(event: Event, group: EditionGroup, entry: Entry) -> None:
    if entry.event_id != event.pk or entry.group_id != group.pk:
        raise NotFound("该项目不属于本赛事本组别。")
    if entry.status != EntryStatus.QUALIFIED:
        raise ValidationFailed(f"项目《{entry.title}》不是已通过资格审查的项目，不能获奖。", field="entry")


def _next_order(event: Event, group: EditionGroup, level: AwardLevel) -> int:
    top = Award.objects.filter(event=event, group=group, level=level).exclude(status=AwardStatus.REVOKED)
    return (top.aggregate(m=Max("order"))["m"] or 0) + 1


def stage_award(*, by, event: Event, entry: Entry, level_name: str, citation: str = "") -> Award:
    """Stage one award by hand; it is published with the others by ``confirm_awards``."""
    require(by, MANAGE, event)
    group = entry.group
    _check_entry(event, group, entry)
    with transaction.atomic():
        Event.objects.select_for_update().get(pk=event.pk)
        level = _level(event, level_name)
        if (
            Award.objects.filter(event=event, entry=entry, level=level)
            .exclude(status=AwardStatus.REVOKED)
            .exists()
        ):
            raise Conflict(f"项目《{entry.title}》已有“{level.name}”。")
        award = Award.objects.create(
            event=event, group=group, entry=entry, level=level, order=_next_order(event, group, level),
            citation=(citation or "").strip()[:300], staged_by=by,
        )  # fmt: skip
        audit.record(action="awards.award.staged", obj=award, by=by, scope=scope_of(event),
                     data={"entry": entry.pk, "level": level.name, "order": award.order, "source": "manual"})  # fmt: skip
    return award


def update_staged_award(*, by, award: Award, level_name: str, order: int, citation: str = "") -> Award:
    require(by, MANAGE, award.event)
    if not 1 <= order <= plans.MAX_COUNT:
        raise FieldErrors({"order": "等级内排序须为正整数。"})
    with transaction.atomic():
        locked = Award.objects.select_for_update().get(pk=award.pk)
        if locked.status != AwardStatus.STAGED:
            raise Conflict("只有拟定中的奖项可以修改；已确认的奖项只能撤销。")
        level = _level(award.event, level_name)
        clash = Award.objects.filter(event=locked.event_id, entry=locked.entry_id, level=level)
        if clash.exclude(pk=locked.pk).exclude(status=AwardStatus.REVOKED).exists():
            raise Conflict("该项目已有这一等级的奖项。")
        before = {"level": locked.level_id, "order": locked.order, "citation": locked.citation}
        locked.level, locked.order, locked.citation = level, order, (citation or "").strip()[:300]
        locked.save(update_fields=["level", "order", "citation"])
        audit.record(action="awards.award.changed", obj=locked, by=by, scope=scope_of(award.event),
                     data={"before": before, "after": {"level": level.pk, "order": order,
                                                       "citation": locked.citation}})  # fmt: skip
    return locked


def remove_staged_award(*, by, award: Award) -> None:
    require(by, MANAGE, award.event)
    with transaction.atomic():
        locked = Award.objects.select_for_update().get(pk=award.pk)
        if locked.status != AwardStatus.STAGED:
            raise Conflict("只有拟定中的奖项可以删除；已确认的奖项只能撤销。")
        audit.record(action="awards.award.removed", obj=locked, by=by, scope=scope_of(award.event),
                     data={"entry": locked.entry_id, "level": locked.level_id})  # fmt: skip
        locked.delete()


# -- staging from a ranking ------------------------------------------------------------------------------------


def ranking_from_session(session) -> tuple[str, list[plans.Ranked]]:
    """A finished roadshow session's ranking (``finals.selectors.session_ranking``).

    The session ranks strictly: equal results are separated by the plain mean, then the highest
    single score, then the speaking position. The first two are documented judging criteria; the
    speaking position is not a merit, so entries separated only by it count as tied here (same rank),
    and a plan never splits them silently at a boundary."""
    if session.status != SessionStatus.FINISHED:
        raise Conflict("路演场次尚未结束，不能据此评奖。")
    ranked: list[plans.Ranked] = []
    for row in session_ranking(session):
        rank = ranked[-1].rank if ranked and row.decided_by == "position" else row.rank
        ranked.append(plans.Ranked(entry_id=row.entry.pk, rank=rank, number=row.entry.number or "",
                                   title=row.entry.title, score=row.result))  # fmt: skip
    return f"session:{session.pk}", ranked


def ranking_from_snapshot(snapshot) -> tuple[str, list[plans.Ranked]]:
    """A review round's published ranking snapshot of one group."""
    if snapshot.published_at is None or snapshot.industry:
        raise Conflict("只能依据已发布的分组排名评奖。")
    titles = dict(Entry.objects.filter(pk__in=[r["entry"] for r in snapshot.rows]).values_list("pk", "title"))
    ranked = [
        plans.Ranked(
            entry_id=r["entry"],
            rank=r["rank"],
            number=r.get("number") or "",
            title=titles.get(r["entry"], ""),
            score=Decimal(str(r["value"])) if r.get("value") is not None else None,
        )
        for r in snapshot.rows
    ]
    return f"snapshot:{snapshot.pk}", ranked


def _source_of(*, event: Event, group: EditionGroup, session=None, snapshot=None):
    if (session is None) == (snapshot is None):
        raise ValidationFailed("请选择一个路演场次或一个已发布的评审排名。", field="source")
    if session is not None:
        if session.event_id != event.pk or (session.group_id not in (None, group.pk)):
            raise NotFound("该路演场次不属于本赛事本组别。")
        ref, ranked = ranking_from_session(session)
        kind = AwardSource.SESSION
    else:
        if snapshot.round.event_id != event.pk or snapshot.group_code != group.code:
            raise NotFound("该排名不属于本赛事本组别。")
        ref, ranked = ranking_from_snapshot(snapshot)
        kind = AwardSource.SNAPSHOT
    members = set(
        Entry.objects.filter(pk__in=[r.entry_id for r in ranked], event=event, group=group).values_list(
            "pk", flat=True
        )
    )
    return kind, ref, [r for r in ranked if r.entry_id in members]


def plan_awards(*, event: Event, group: EditionGroup, plan: list[plans.PlanLine], session=None, snapshot=None,
                ties: str = TiePolicy.REFUSE) -> list[plans.Placed]:  # fmt: skip
    """The preview: who would get which level; raises TieAtBoundary / ValidationFailed."""
    levels = {level.name for level in levels_for_event(event)}
    unknown = [line.level for line in plan if line.level not in levels]
    if unknown:
        raise ValidationFailed(f"没有奖项等级“{unknown[0]}”。", field="plan")
    _, _, ranked = _source_of(event=event, group=group, session=session, snapshot=snapshot)
    return plans.apply_plan(ranked, plan, ties=ties)


def stage_awards_from_plan(*, by, event: Event, group: EditionGroup, plan: list[plans.PlanLine], session=None,
                           snapshot=None, ties: str = TiePolicy.REFUSE) -> list[Award]:  # fmt: skip
    """Replace the staged awards an earlier plan made in this event × group with this plan applied
    to the ranking; awards staged by hand stay (a planned award they already hold is skipped).
    Refused while any award of the event × group is confirmed (revoke those first)."""
    require(by, MANAGE, event)
    placed = plan_awards(event=event, group=group, plan=plan, session=session, snapshot=snapshot, ties=ties)
    kind, ref, _ = _source_of(event=event, group=group, session=session, snapshot=snapshot)
    with transaction.atomic():
        Event.objects.select_for_update().get(pk=event.pk)
        current = Award.objects.filter(event=event, group=group)
        if current.filter(status=AwardStatus.CONFIRMED).exists():
            raise Conflict("本组已有确认的奖项；如需重新评定，请先逐一撤销。")
        levels = _levels_for(event)
        planned = current.filter(status=AwardStatus.STAGED).exclude(source=AwardSource.MANUAL)
        replaced = list(planned.values_list("entry_id", "level_id"))
        planned.delete()
        clash = set(current.filter(status=AwardStatus.STAGED).values_list("entry_id", "level_id"))
        awards = []
        for p in placed:
            level = levels[p.level]
            if (p.entry_id, level.pk) in clash:
                continue
            awards.append(Award(event=event, group=group, entry_id=p.entry_id, level=level, order=p.order, source=kind,
                                source_ref=ref, source_rank=p.rank, source_score=p.score, staged_by=by))  # fmt: skip
        Award.objects.bulk_create(awards)
        audit.record(action="awards.plan.staged", obj=event, by=by, scope=scope_of(event),
                     data={"group": group.code, "source": ref, "ties": ties,
                           "plan": [[line.level, line.count] for line in plan], "replaced": replaced,
                           "awards": [[p.entry_id, p.level, p.order, p.rank] for p in placed]})  # fmt: skip
    return awards


# -- confirm, revoke ---------------------------------------------------------------------------------------------


def confirm_awards(*, by, event: Event, group: EditionGroup) -> int:
    """Confirm every staged award of the event × group together (they then appear on the award list).
    Each award's change is audited (``awards.award.confirmed``), and the act once for the event."""
    require(by, MANAGE, event)
    with transaction.atomic():
        Event.objects.select_for_update().get(pk=event.pk)
        staged = list(
            Award.objects.filter(event=event, group=group, status=AwardStatus.STAGED).order_by("id")
        )
        if not staged:
            raise Conflict("没有待确认的拟定奖项。")
        transition_many(staged, AwardStatus.CONFIRMED, by=by,
                        values={"confirmed_at": timezone.now(), "confirmed_by": by})  # fmt: skip
        audit.record(action="awards.awards.confirmed", obj=event, by=by, scope=scope_of(event),
                     data={"group": group.code, "awards": [[a.pk, a.entry_id, a.level_id, a.order] for a in staged]})  # fmt: skip
    return len(staged)


def revoke_award(*, by, award: Award, reason: str) -> Award:
    """Revoke a confirmed award; its valid certificate is voided with the same reason."""
    require(by, MANAGE, award.event)
    reason = clean_reason(reason)
    with transaction.atomic():
        locked = Award.objects.select_for_update().get(pk=award.pk)
        voided = list(Certificate.objects.select_for_update().filter(award=locked, revoked_at__isnull=True))
        now = timezone.now()
        transition(locked, AwardStatus.REVOKED, by=by, reason=reason,
                   values={"revoked_at": now, "revoked_by": by, "revoke_reason": reason},
                   data={"certificates": [c.code for c in voided]})  # fmt: skip
        Certificate.objects.filter(pk__in=[c.pk for c in voided]).update(revoked_at=now, revoke_reason=reason)
    return locked
