"""Builders for 公示 tests: a review round with published advancement, lists and objections, via services."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from contest.publicity import services
from contest.review import services as review
from contest.review.enums import RoundStatus

from ..review.factories import expert, qualified_entries
from ..review.judging import FULL, assignment_of, judging_round

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: the moment every test's clock starts at (a Monday morning in Beijing)
T0 = datetime(2024, 9, 2, 9, 0, tzinfo=SHANGHAI)
PHONE = "13812345678"


def scored(value: int) -> dict[str, str]:
    return {**FULL, "innovation": str(value)}


def advancement_round(event, *, n: int = 3, advance: int = 2, organizer=None):
    """``n`` qualified entries scored by one judge (innovation 21, 22, …), the top ``advance``
    published as advancing. Returns (round, entries best first, organizer)."""
    entries, organizer = qualified_entries(event, n, organizer=organizer)
    judge = expert(organizer)
    round_ = judging_round(
        event, organizer, entries=entries, judges=[judge], pairs=[(i, 0) for i in range(n)]
    )
    for i, entry in enumerate(entries):
        review.save_sheet(by=judge.user, assignment=assignment_of(round_, entry, judge), scores=scored(21 + i),
                          submit=True)  # fmt: skip
    round_ = review.set_round_status(by=organizer, round=round_, to=RoundStatus.CLOSED)
    review.set_quota(by=organizer, round=round_, group_code="enterprise", kind="count", count=advance)
    best = list(reversed(entries))
    review.publish_decisions(by=organizer, round=round_,
                             decisions={e.pk: ("advance" if i < advance else "hold") for i, e in enumerate(best)})  # fmt: skip
    round_.refresh_from_db()
    return round_, best, organizer


def published_list(event, organizer, *, round_=None, ends_at=None):
    """An advancement list of ``round_`` published now with the default period (or until ``ends_at``)."""
    notice = services.create_notice(by=organizer, edition=event.edition, event=event, kind="advancement",
                                    title="宁波赛区晋级名单公示", params={"round": round_})  # fmt: skip
    services.publish_notice(by=organizer, notice=notice, ends_at=ends_at)
    notice.refresh_from_db()
    return notice


def objection_data(**overrides) -> dict[str, str]:
    return {"name": "李明", "phone": PHONE, "email": "liming@example.cn", "row_number": "",
            "reason": "该项目存在知识产权纠纷。", **overrides}  # fmt: skip
