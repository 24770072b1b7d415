"""Demo data for the roadshow finals (stage “finals”), built by calling the services.

On top of the review demo's 宁波 round “网络初评（演示）”: the judges finish their remaining score
sheets, the round is closed, its best ten enterprise entries are staged to advance and published (the
rest held), and the ten finalists are split between two rooms, as a final with two venues is:

* “宁波赛区决赛（演示）”: a finished session of six of the advanced entries before seven judges
  (``demo-judge-1`` … ``demo-judge-5`` and two more experts of the pool), drawn from the room
  value “07 23 15 31”, every entry scored by every judge not in conflict with it (deterministic
  scores), one correction with its reason, closed and finished;
* “宁波赛区决赛·B 会场（演示）”: a drawn session of the other four advanced entries before
  ``demo-judge-1`` … ``demo-judge-5`` — not started, so a demo user can start it and score live.

``demo-judge-4`` and ``demo-judge-5`` are new experts with demo passwords (returned as login rows).
Idempotent: every step looks for what it would create first and resumes where a run stopped.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal

from django.test.utils import override_settings

from contest.accounts.models import User
from contest.catalog.models import EditionGroup, Event
from contest.finals import selectors, services
from contest.finals.enums import SessionStatus, SlotStatus
from contest.finals.models import LiveScore, RoadshowSession, ScoreCorrection
from contest.registration.models.rules import SHANGHAI
from contest.review import services as review
from contest.review.demo import PASSWORD, ROUND_NAME, recommend_published
from contest.review.enums import Decision, RoundStatus, SheetStatus
from contest.review.models import Assignment, Expert, ReviewRound
from contest.review.selectors import advanced_decisions

FINAL = "宁波赛区决赛（演示）"
SECOND = "宁波赛区决赛·B 会场（演示）"
ADVANCING = 10
ROOM_A = 6  # finalists in the finished session; the rest wait in B 会场
ROOM_VALUE = "07 23 15 31"
#: (username, name, organization, title, kind, expertise)
EXTRA_JUDGES = [
    ("demo-judge-4", "钱文博", "宁波诺丁汉大学", "教授", "technical", ["C", "I"]),
    ("demo-judge-5", "赵雅琴", "宁波市中小企业服务中心", "主任", "industry", ["C", "M"]),
]
POOL_JUDGES = ["陈丽娟", "周志刚"]  # two more of the review demo's 宁波 experts for the finished session


def build(*, stage: str, stdout) -> list[tuple[str, str, str]]:
    if stage != "finals":
        return []
    event = Event.objects.filter(edition__number=9, tier="regional", seq=30).first()
    round_ = ReviewRound.objects.filter(event=event, name=ROUND_NAME).first() if event else None
    admin = (
        User.objects.filter(username="secretariat").first() or User.objects.filter(is_superuser=True).first()
    )
    if round_ is None or admin is None:
        stdout.write("决赛演示数据：没有宁波的评审演示轮次，跳过。")
        return []
    actor = User.objects.filter(username="ningbo-organizer").first() or admin
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        logins = _extra_judges(admin)
        _publish_advancement(round_, actor, stdout)
        recommend_published(event, admin, stdout)
        group = EditionGroup.objects.filter(edition=event.edition, code="enterprise").first()
        demo_judges = list(Expert.objects.filter(user__username__in=[f"demo-judge-{i}" for i in range(1, 6)])
                           .order_by("user__username"))  # fmt: skip
        if len(demo_judges) < 5:
            stdout.write("决赛演示数据：演示评委账号不足 5 位，跳过。")
            return logins
        pool = list(Expert.objects.filter(name__in=POOL_JUDGES, user__isnull=False).order_by("name"))
        _finished_session(event, round_, group, actor, demo_judges + pool, stdout)
        _drawn_session(event, round_, group, actor, demo_judges, stdout)
    return logins


def _extra_judges(admin: User) -> list[tuple[str, str, str]]:
    logins = []
    for n, (username, name, org, title, kind, expertise) in enumerate(EXTRA_JUDGES, start=1):
        expert = Expert.objects.filter(phone=f"+8613988019{n:03d}").first()
        if expert is None:
            expert = review.add_expert(by=admin, data={
                "name": name, "organization_name": org, "title": title, "kind": kind, "expertise": expertise,
                "regions": ["330000"], "phone": f"13988019{n:03d}", "email": f"final-judge{n}@example.cn",
            })  # fmt: skip
        if expert.user_id is None:
            if expert.email_verified_at is None:  # the demo expert "clicks" the confirmation link
                review.verify_expert_email(token=review.expert_verification_token(expert))
            review.invite_expert(by=admin, expert=expert, username=username)
            expert.refresh_from_db()
        if expert.user.username == username:
            if not expert.user.has_usable_password():
                expert.user.set_password(PASSWORD)
                expert.user.save(update_fields=["password"])
            logins.append((f"路演评委 judge (宁波决赛, {username[-1]} 号)", username, PASSWORD))
    return logins


def _publish_advancement(round_: ReviewRound, actor: User, stdout) -> None:
    """Close the review round and publish its best six enterprise entries as advancing."""
    if round_.status == RoundStatus.PUBLISHED:
        return
    if round_.status == RoundStatus.OPEN:
        _finish_sheets(round_)
        round_ = review.set_round_status(by=actor, round=round_, to=RoundStatus.CLOSED)
    rows = sorted(review.compute_rows(round_), key=lambda r: (r.group != "enterprise", r.rank, r.number))
    enterprise = [r for r in rows if r.group == "enterprise"]
    advancing = {r.entry for r in enterprise[:ADVANCING]}
    review.set_quota(by=actor, round=round_, group_code="enterprise", kind="count", count=ADVANCING)
    decisions = {r.entry: Decision.ADVANCE if r.entry in advancing else Decision.HOLD for r in rows}
    # every sheet is in by now; an entry left short would need the organizer's acknowledgement
    too_few = sum(1 for r in rows if r.too_few)
    review.publish_decisions(by=actor, round=round_, decisions=decisions, note="决赛演示：前十名晋级路演决赛",
                             acknowledged_too_few=too_few)  # fmt: skip
    stdout.write(f"决赛演示数据：{round_} 已发布晋级，{len(advancing)} 个项目进入路演决赛。")


def _finish_sheets(round_: ReviewRound) -> None:
    """Before the round closes, every judge submits the sheets still open (deterministic scores at
    about three quarters of each criterion's maximum, varying by entry and judge)."""
    rubric = review.rubric_of(round_)
    open_assignments = (Assignment.objects.filter(round=round_, expert__user__isnull=False)
                        .exclude(sheet__status=SheetStatus.SUBMITTED)
                        .select_related("round", "round_entry__entry", "expert__user"))  # fmt: skip
    for assignment in open_assignments:
        digest = hashlib.sha256(f"{assignment.round_entry.entry_id}|{assignment.expert_id}".encode()).digest()
        scores = {
            c.code: format(_half(c.max_score * Decimal(60 + digest[i % len(digest)] % 30) / 100), "f")
            for i, c in enumerate(rubric)
        }  # fmt: skip  (“20”, never “2E+1”: scores are typed text)
        review.save_sheet(by=assignment.expert.user, assignment=assignment, scores=scores, submit=True,
                          comment="评审意见：方案完整，建议加强市场验证。")  # fmt: skip


def _half(value: Decimal) -> Decimal:
    return ((value * 2).quantize(Decimal(1)) / 2).normalize()


def _advanced(round_: ReviewRound, group) -> list:
    """The round's advanced entries of the group, best first (rank, then registration number)."""
    return [d.round_entry.entry for d in advanced_decisions(round_).filter(round_entry__entry__group=group)
            .select_related("round_entry__entry").order_by("rank", "round_entry__entry__number")]  # fmt: skip


def _score_for(number: str, seat: int) -> Decimal:
    """A deterministic, plausible score: the entry's quality, the judge's leaning, a little noise."""
    quality = int(hashlib.sha256(number.encode()).hexdigest()[:4], 16) % 180  # 0 … 17.9 points
    noise = int(hashlib.sha256(f"{number}|{seat}".encode()).hexdigest()[:4], 16) % 60  # 0 … 5.9
    leaning = (seat % 3 - 1) * 15  # −1.5, 0, +1.5
    return (Decimal(720 + quality + noise + leaning) / 10).quantize(Decimal("0.1"))


def _session(event: Event, name: str, group, round_, actor: User, **extra) -> RoadshowSession:
    session = RoadshowSession.objects.filter(event=event, name=name).first()
    if session is None:
        session = services.create_session(by=actor, event=event, name=name, venue="宁波国际会议中心", group=group,
                                          source_round=round_, notary="宁波市甬东公证处", **extra)  # fmt: skip
    return session


def _seat(session: RoadshowSession, judges: list[Expert], actor: User) -> None:
    if session.judges.exists():
        return
    for seat, expert in enumerate(judges, start=1):
        services.add_judge(session=session, expert=expert, seat=seat, by=actor)


def _finished_session(event, round_, group, actor, judges, stdout) -> None:
    session = _session(event, FINAL, group, round_, actor, room="A 厅", segments="项目路演 8 分钟 + 评委问答 7 分钟",
                       starts_at=datetime(2024, 9, 20, 9, 0, tzinfo=SHANGHAI))  # fmt: skip
    if session.status == SessionStatus.FINISHED:
        return
    if session.status == SessionStatus.DRAFT:
        if not session.slots.exists():
            for entry in _advanced(round_, group)[:ROOM_A]:
                services.add_slot(session=session, entry=entry, by=actor)
        _seat(session, judges, actor)
        services.draw_speaking_order(session=session, room_value=ROOM_VALUE, by=actor, witness="公证员 孙立")
    if session.status == SessionStatus.DRAWN:
        services.start_session(session=session, by=actor)
    for slot in selectors.slots(session):
        if slot.status == SlotStatus.WAITING:
            services.open_slot(slot=slot, by=actor)
            slot.refresh_from_db()
        if slot.status == SlotStatus.OPEN:
            done = set(slot.scores.values_list("judge_id", flat=True))
            for judge in services.expected_judges(slot):
                if judge.pk not in done:
                    services.submit_live_score(slot=slot, by=judge.expert.user, score=_score_for(slot.entry.number,
                                                                                                judge.seat))  # fmt: skip
        if slot.position == 2 and not ScoreCorrection.objects.filter(score__slot=slot).exists():
            score = LiveScore.objects.filter(slot=slot).order_by("judge__seat").first()
            services.correct_live_score(score=score, new_score=score.score + Decimal("1.5"),
                                        reason="评委示意按错一位，经主持人确认更正", by=actor)  # fmt: skip
    services.finish_session(session=session, by=actor)
    session.refresh_from_db()
    stdout.write(
        f"决赛演示数据：“{FINAL}”已完成：{session.slots.count()} 个项目，{session.judges.count()} 位评委。"
    )


def _drawn_session(event, round_, group, actor, judges, stdout) -> None:
    session = _session(event, SECOND, group, None, actor, room="B 厅", segments="项目路演 5 分钟 + 评委问答 5 分钟",
                       starts_at=datetime(2024, 9, 20, 14, 0, tzinfo=SHANGHAI))  # fmt: skip
    if session.status != SessionStatus.DRAFT:
        return
    if not session.slots.exists():
        for entry in _advanced(round_, group)[ROOM_A:]:
            services.add_slot(session=session, entry=entry, by=actor)
    _seat(session, judges, actor)
    if session.slots.exists():
        services.draw_speaking_order(session=session, room_value="42 08 19", by=actor, witness="公证员 孙立")
        stdout.write(f"决赛演示数据：“{SECOND}”已抽签，等待开始（可用 demo-judge-1 … 5 现场评分）。")
