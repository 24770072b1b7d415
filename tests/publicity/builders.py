"""Builders for 公示 tests: a review round with published advancement, lists and objections, via services."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from contest.catalog.models import Event
from contest.core.errors import ValidationFailed
from contest.publicity import services
from contest.review import services as review
from contest.review.enums import RoundStatus
from contest.review.selectors import advanced_decisions

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


def published_list(event, organizer, *, round_=None, ends_at=None, title="宁波赛区晋级名单公示"):
    """An advancement list of ``round_`` published now with the default period (or until ``ends_at``)."""
    notice = services.create_notice(by=organizer, edition=event.edition, event=event, kind="advancement",
                                    title=title, params={"round": round_})  # fmt: skip
    services.publish_notice(by=organizer, notice=notice, ends_at=ends_at)
    notice.refresh_from_db()
    return notice


def objection_data(**overrides) -> dict[str, str]:
    return {"name": "李明", "phone": PHONE, "email": "liming@example.cn", "row_number": "",
            "reason": "该项目存在知识产权纠纷。", **overrides}  # fmt: skip


def verified_phone(phone: str = PHONE):
    """A phone verified the way the public does it: a code issued, then typed in."""
    verification, code = services.issue_phone_code(phone=phone)
    return services.confirm_phone_code(verification_id=verification.pk, phone=phone, code=code)


def file_verified(*, by=None, notice, data: dict, evidence=None):
    """``services.file_objection`` by someone whose phone was just verified (an invalid phone: none)."""
    try:
        verification = verified_phone(data["phone"])
    except ValidationFailed:
        verification = None
    return services.file_objection(
        by=by, notice=notice, data=data, evidence=evidence, verification=verification
    )


def national_round(edition, secretariat, *, advance: int = 1):
    """The edition's national round over every event's published advancing entries, scored by one
    judge in registration order (the later entry scores higher), the top ``advance`` published."""
    from contest.review.models import RoundEntry

    round_ = review.create_round(by=secretariat, edition=edition, event=None,
                                 data={"name": "全国评审", "stage": "national", "judges_per_entry": 1})  # fmt: skip
    # The national round takes exactly the recommended projects: every event with published
    # advancement recommends it (a quota first), then the round is filled.
    for event in Event.objects.filter(
        pk__in=advanced_decisions().filter(round__edition=edition).values("round__event_id")
    ):
        review.set_recommendation_quota(by=secretariat, event=event, group_code="enterprise", count=10)
        review.recommend_from_advancement(by=secretariat, event=event)
    review.add_entries(by=secretariat, round=round_)
    judge = expert(secretariat)
    review.add_judges(by=secretariat, round=round_, experts=[judge])
    round_entries = list(
        RoundEntry.objects.filter(round=round_).select_related("entry").order_by("entry__number")
    )
    for re_ in round_entries:
        review.pin_assignment(by=secretariat, round_entry=re_, expert=judge)
    round_ = review.set_round_status(by=secretariat, round=round_, to=RoundStatus.OPEN)
    for i, re_ in enumerate(round_entries):
        review.save_sheet(by=judge.user, assignment=assignment_of(round_, re_.entry, judge), scores=scored(21 + i),
                          submit=True)  # fmt: skip
    round_ = review.set_round_status(by=secretariat, round=round_, to=RoundStatus.CLOSED)
    review.set_quota(by=secretariat, round=round_, group_code="enterprise", kind="count", count=advance)
    best = [re_.entry for re_ in reversed(round_entries)]
    review.publish_decisions(by=secretariat, round=round_,
                             decisions={e.pk: ("advance" if i < advance else "hold") for i, e in enumerate(best)})  # fmt: skip
    round_.refresh_from_db()
    return round_, best
