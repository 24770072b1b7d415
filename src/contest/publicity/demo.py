"""Demo data for 公示 (stage “finals”), built by calling the services.

For 宁波's regional event of the 9th edition: when a review round of the event has published
its advancement (the finals demo publishes the review demo's round), its advancement list is
put on notice; when the awards app has confirmed awards for the event, the award list is put on
notice too, with one demo objection filed and answered (dismissed, with a written response).

Idempotent: each list is looked up by its title first; nothing is created twice.
"""

from __future__ import annotations

from django.db import transaction

from contest.accounts.models import User
from contest.awards.selectors import award_list_rows
from contest.catalog.models import Edition, Event
from contest.core.errors import ContestError
from contest.publicity import services
from contest.publicity.enums import NoticeKind
from contest.publicity.models import Notice
from contest.review.enums import RoundStage, RoundStatus
from contest.review.models import ReviewRound

STAGES = ("finals",)
EVENT = ("regional", 30)
ADVANCEMENT_TITLE = "宁波赛区晋级名单公示（演示）"
AWARDS_TITLE = "宁波赛区获奖名单公示（演示）"
OBJECTION = {
    "name": "王晓东", "phone": "13957400001", "email": "", "row_number": "",
    "reason": "名单中有项目的获奖等级与决赛现场公布的成绩不一致，请核实。",
}  # fmt: skip
RESPONSE = "经核对决赛现场评分表与公证记录，名单中的获奖等级与现场公布的成绩一致，异议不成立。"


def build(*, stage: str, stdout) -> list[tuple[str, str, str]]:
    if stage not in STAGES:
        return []
    edition = Edition.objects.filter(number=9).first()
    event = Event.objects.filter(edition=edition, tier=EVENT[0], seq=EVENT[1]).first() if edition else None
    actor = (
        User.objects.filter(username="ningbo-organizer").first()
        or User.objects.filter(is_superuser=True).first()
    )
    if event is None or actor is None:
        stdout.write("公示演示数据：没有宁波赛事或组织方账号，跳过。")
        return []
    _advancement(event, actor, stdout)
    _awards(event, actor, stdout)
    return []


def _advancement(event: Event, actor, stdout) -> None:
    if Notice.objects.filter(event=event, title=ADVANCEMENT_TITLE).exists():
        return
    round_ = (
        ReviewRound.objects.filter(event=event, status=RoundStatus.PUBLISHED)
        .exclude(stage=RoundStage.NATIONAL)
        .order_by("-created_at")
        .first()
    )
    if round_ is None:
        stdout.write("公示演示数据：宁波赛事尚无已发布晋级结果的评审轮次，跳过晋级名单。")
        return
    try:
        with transaction.atomic():  # a draft left behind would stop the next run from publishing
            notice = services.create_notice(by=actor, edition=event.edition, event=event,
                                            kind=NoticeKind.ADVANCEMENT, title=ADVANCEMENT_TITLE,
                                            params={"round": round_})  # fmt: skip
            version = services.publish_notice(by=actor, notice=notice)
    except ContestError as exc:
        stdout.write(f"公示演示数据：晋级名单未发布（{exc.message}）")
        return
    stdout.write(
        f"公示演示数据：{ADVANCEMENT_TITLE}，{len(version.items)} 行，公示至 {services.shanghai(version.period_ends_at)}。"
    )


def _awards(event: Event, actor, stdout) -> None:
    if Notice.objects.filter(event=event, title=AWARDS_TITLE).exists():
        return
    if not award_list_rows(event=event):
        stdout.write("公示演示数据：宁波赛事尚无已确认的奖项，跳过获奖名单。")
        return
    try:
        with transaction.atomic():
            notice = services.create_notice(by=actor, edition=event.edition, event=event, kind=NoticeKind.AWARDS,
                                            title=AWARDS_TITLE)  # fmt: skip
            version = services.publish_notice(by=actor, notice=notice)
            # the demo objector's phone, verified as the public does it: a code issued, then typed in
            verification, code = services.issue_phone_code(phone=OBJECTION["phone"])
            verification = services.confirm_phone_code(verification_id=verification.pk, phone=OBJECTION["phone"],
                                                       code=code)  # fmt: skip
            objection = services.file_objection(
                by=None, notice=notice, data=OBJECTION, verification=verification
            )
            services.answer_objection(by=actor, objection=objection, status="dismissed", response=RESPONSE)
    except ContestError as exc:
        stdout.write(f"公示演示数据：获奖名单未发布（{exc.message}）")
        return
    stdout.write(
        f"公示演示数据：{AWARDS_TITLE}，{len(version.items)} 行；演示异议 {objection.tracking_code} 已答复。"
    )
