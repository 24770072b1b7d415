"""Builders for award tests: qualified entries of 宁波's enterprise group, awards through the services."""

from __future__ import annotations

from contest.awards import services
from contest.awards.plans import PlanLine
from contest.catalog.models import EditionGroup

from ..review.factories import qualified_entries

PLAN_1_2_3_REST = [
    PlanLine("一等奖", 1),
    PlanLine("二等奖", 2),
    PlanLine("三等奖", 3),
    PlanLine("优胜奖", None),
]


def enterprise_group(event) -> EditionGroup:
    return EditionGroup.objects.get(edition=event.edition, code="enterprise")


def confirmed_awards(event, levels: list[str], *, organizer=None):
    """One qualified entry per level name, staged by hand and confirmed together."""
    entries, organizer = qualified_entries(event, len(levels), organizer=organizer)
    awards = [
        services.stage_award(by=organizer, event=event, entry=entry, level_name=level)
        for entry, level in zip(entries, levels, strict=True)
    ]
    services.confirm_awards(by=organizer, event=event, group=enterprise_group(event))
    for award in awards:
        award.refresh_from_db()
    return awards, organizer


def finished_session(event, results: list[list[str]], *, organizer=None):
    """A finished roadshow session of ``event`` whose entries (in speaking order) got these judges'
    scores (one list per entry, five judges). Returns (session, entries in speaking order, organizer)."""
    from decimal import Decimal

    from contest.finals import services as finals
    from contest.finals.enums import SlotStatus

    from ..finals.factories import session_with

    session, _entries, panel, organizer = session_with(event, entries=len(results), judges=5, status="live",
                                                       organizer=organizer)  # fmt: skip
    slots = list(session.slots.order_by("position"))
    for slot, scores in zip(slots, results, strict=True):
        finals.open_slot(slot=slot, by=organizer)
        for judge, score in zip(panel, scores, strict=True):
            finals.submit_live_score(slot=slot, by=judge.user, score=Decimal(score))
        slot.refresh_from_db()
        assert slot.status == SlotStatus.CLOSED
    finals.finish_session(session=session, by=organizer)
    session.refresh_from_db()
    return session, [s.entry for s in slots], organizer
