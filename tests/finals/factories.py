"""Builders for finals tests: a session with qualified entries and a seated panel, via services."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from contest.finals import services
from contest.finals.models import RoadshowSession
from contest.review import services as review

from ..review.factories import expert, qualified_entries

SHANGHAI = ZoneInfo("Asia/Shanghai")
STARTS = datetime(2024, 9, 20, 9, 0, tzinfo=SHANGHAI)


def session_with(event, *, entries: int = 3, judges: int = 5, organizer=None, status: str = "draft",
                 room_value: str = "38 17 05", **fields) -> tuple[RoadshowSession, list, list, object]:  # fmt: skip
    """A session of ``event`` with ``entries`` qualified entries and ``judges`` seated judges
    (seats 1…n), taken to ``status`` (draft, drawn or live). Returns (session, entries, judges, organizer)."""
    items, organizer = qualified_entries(event, entries, organizer=organizer)
    data = {"name": "宁波赛区决赛", "venue": "宁波国际会议中心", "starts_at": STARTS, **fields}
    session = services.create_session(by=organizer, event=event, **data)
    for entry in items:
        services.add_slot(session=session, entry=entry, by=organizer)
    panel = []
    for seat in range(1, judges + 1):
        e = expert(organizer)
        services.add_judge(session=session, expert=e, seat=seat, by=organizer)
        panel.append(e)
    if status in ("drawn", "live"):
        services.draw_speaking_order(
            session=session, room_value=room_value, by=organizer, witness="公证员 李明"
        )
    if status == "live":
        services.start_session(session=session, by=organizer)
    session.refresh_from_db()
    return session, items, panel, organizer


def score_all(slot, panel, scores) -> None:
    """Every judge in ``panel`` submits the matching score (strings or Decimals)."""
    for judge, score in zip(panel, scores, strict=True):
        services.submit_live_score(slot=slot, by=judge.user, score=Decimal(str(score)))


def conflict_between(organizer, judge, entry, reason: str = "曾任该企业顾问"):
    """Pin a conflict (回避) between an expert and an entry, through a draft review round."""
    round_ = review.create_round(by=organizer, edition=entry.edition, event=entry.event,
                                 data={"name": "回避登记", "stage": "final"})  # fmt: skip
    return review.pin_conflict(by=organizer, round=round_, expert=judge, entry=entry, reason=reason)
