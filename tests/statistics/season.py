"""A small season for the statistics tests, built through the services at chosen instants.

宁波 (regional 30) and 天津 (regional 2), Beijing times:

    entry  event  group  division        industry  created        submitted      now
    n1     宁波   企业   330203 (浙江)   I         07-01 10:00    07-01 23:30    qualified, reviewed, advanced, finalist, awarded
    n2     宁波   企业   330203          C         07-01 23:30    07-02 00:30    qualified, reviewed, held back
    n3     宁波   创客   330200 (team)   I         07-02 00:30    07-02 09:00    returned
    n4     宁波   企业   320102 (江苏)   C         07-02 10:00    07-02 10:05    submitted
    n5     宁波   企业   330203          I         07-03 08:00    07-03 08:10    withdrawn
    n6     宁波   企业   330203          I         07-03 09:00    07-03 09:10    disqualified
    n7     宁波   企业   330203          I         07-03 20:00    —              draft
    t1     天津   企业   120101 (天津)   M         07-01 12:00    07-01 12:30    qualified, one draft sheet only
    t2     天津   企业   120101          M         07-03 23:50    07-04 00:10    submitted

n2 was created at 15:30 UTC on 07-01 and submitted at 16:30 UTC the same UTC day: two Beijing days.
Review: 宁波's round has n1 and n2 with judges J1 and J2; J1 submits both, J2 submits n1 and
keeps n2 as a draft; n1 advances (published), n2 is held. 天津's round has t1 with J3's draft.
宁波's roadshow session holds n1; n1 gets a confirmed 一等奖 (n2's award is revoked,
t1's only staged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import count

import time_machine

from contest.accounts.enums import RoleKind
from contest.accounts.models import Role, User
from contest.awards import services as awards
from contest.catalog.models import Event
from contest.finals.services import sessions as finals
from contest.registration import services as reg
from contest.registration.models import Entry
from contest.review import services as review
from contest.review.enums import RoundStatus
from contest.review.models import Assignment

from ..registration.factories import (
    ENTRY,
    SHANGHAI,
    credit_code,
    open_registration,
    organizer_for,
    pdf_bytes,
    user,
)
from ..review.factories import expert
from ..review.judging import FULL, judging_round

_n = count(1)


def at(month: int, day: int, hour: int, minute: int = 0):
    return time_machine.travel(datetime(2024, month, day, hour, minute, tzinfo=SHANGHAI), tick=False)


def secretariat_of(edition) -> User:
    person = user(f"secretariat{next(_n)}")
    Role.objects.create(user=person, kind=RoleKind.SECRETARIAT, edition=edition)
    return person


def enterprise(division: str, industry: str) -> User:
    person = user()
    number = next(_n)
    data = {
        "name": f"统计测试企业{number}有限公司",
        "credit_code": credit_code(division),
        "founded_on": "2020-05-01",
        "registered_capital": "500",
        "employees": "45",
        "revenue_last_year": "3200.50",
        "is_listed": False,
        "industry": industry,
        "sme_status": "srdi",
        "contact_name": "张伟",
        "contact_phone": "13812345678",
        "division_confirmed": True,
    }
    reg.save_enterprise(by=person, data=data)
    return person


def maker_team(division: str) -> User:
    person = user()
    reg.save_team(
        by=person,
        data={
            "name": f"统计创客队{next(_n)}",
            "leader_name": "陈晨",
            "leader_phone": "13600000001",
            "division": division,
            "declares_not_enterprise": True,
        },
        members=[{"name": "李雷", "role": "算法", "phone": "13600000002"}],
    )
    return person


def draft(event: Event, owner: User, *, industry: str, group: str = "enterprise") -> Entry:
    entry = reg.create_entry(by=owner, event=event, group_code=group, data={"title": f"统计项目{next(_n)}"})
    data = {**ENTRY, "industry": industry, "title": entry.title}
    return reg.update_entry(by=owner, entry=entry, data=data, business_plan=("计划书.pdf", pdf_bytes()))


def submit(entry: Entry) -> Entry:
    reg.submit_entry(by=entry.owner, entry=entry)
    entry.refresh_from_db()
    return entry


@dataclass
class Season:
    ningbo: Event
    tianjin: Event
    ningbo_org: User
    tianjin_org: User
    secretariat: User
    e: dict[str, Entry] = field(default_factory=dict)
    rounds: dict = field(default_factory=dict)
    judges: list = field(default_factory=list)


def entry_at(
    season: Season, key: str, event, owner, *, created, submitted=None, industry="I", group="enterprise"
):
    with at(*created):
        entry = draft(event, owner, industry=industry, group=group)
    if submitted:
        with at(*submitted):
            entry = submit(entry)
    season.e[key] = entry
    return entry


def build_season(ningbo: Event, *, with_review: bool = True) -> Season:
    tianjin = Event.objects.get(edition=ningbo.edition, tier="regional", seq=2)
    open_registration(tianjin)
    s = Season(ningbo, tianjin, organizer_for(ningbo), organizer_for(tianjin), secretariat_of(ningbo.edition))
    entry_at(s, "n1", ningbo, enterprise("330203", "I"), created=(7, 1, 10), submitted=(7, 1, 23, 30))
    entry_at(
        s,
        "n2",
        ningbo,
        enterprise("330203", "C"),
        created=(7, 1, 23, 30),
        submitted=(7, 2, 0, 30),
        industry="C",
    )
    entry_at(s, "n3", ningbo, maker_team("330200"), created=(7, 2, 0, 30), submitted=(7, 2, 9), group="maker")
    entry_at(
        s, "n4", ningbo, enterprise("320102", "C"), created=(7, 2, 10), submitted=(7, 2, 10, 5), industry="C"
    )
    entry_at(s, "n5", ningbo, enterprise("330203", "I"), created=(7, 3, 8), submitted=(7, 3, 8, 10))
    entry_at(s, "n6", ningbo, enterprise("330203", "I"), created=(7, 3, 9), submitted=(7, 3, 9, 10))
    entry_at(s, "n7", ningbo, enterprise("330203", "I"), created=(7, 3, 20))
    entry_at(
        s,
        "t1",
        tianjin,
        enterprise("120101", "M"),
        created=(7, 1, 12),
        submitted=(7, 1, 12, 30),
        industry="M",
    )
    entry_at(
        s,
        "t2",
        tianjin,
        enterprise("120101", "M"),
        created=(7, 3, 23, 50),
        submitted=(7, 4, 0, 10),
        industry="M",
    )
    with at(7, 10, 9):
        for key in ("n1", "n2"):
            s.e[key] = reg.qualify_entry(by=s.ningbo_org, entry=s.e[key])
        s.e["t1"] = reg.qualify_entry(by=s.tianjin_org, entry=s.e["t1"])
        s.e["n3"] = reg.return_entry(by=s.ningbo_org, entry=s.e["n3"], comment="请补充材料")
        s.e["n5"] = reg.withdraw_entry(by=s.e["n5"].owner, entry=s.e["n5"])
        s.e["n6"] = reg.disqualify_entry(by=s.ningbo_org, entry=s.e["n6"], reason="不符合条件")
    if with_review:
        with at(8, 1, 9):
            add_review(s)
    return s


def sheet(round_, entry, judge, *, submit: bool) -> None:
    assignment = Assignment.objects.select_related("round", "expert__user", "round_entry").get(
        round=round_, round_entry__entry=entry, expert=judge
    )
    review.save_sheet(by=judge.user, assignment=assignment, scores=FULL, submit=submit)


def add_review(s: Season) -> None:
    j1, j2 = (expert(s.ningbo_org, name=f"评委{c}", org=f"研究院{c}") for c in "甲乙")
    j3 = expert(s.tianjin_org, name="评委丙", org="研究院丙")
    s.judges = [j1, j2, j3]
    n1, n2, t1 = s.e["n1"], s.e["n2"], s.e["t1"]
    ningbo_round = judging_round(
        s.ningbo, s.ningbo_org, entries=[n1, n2], judges=[j1, j2], pairs=[(0, 0), (0, 1), (1, 0), (1, 1)]
    )
    sheet(ningbo_round, n1, j1, submit=True)
    sheet(ningbo_round, n1, j2, submit=True)
    sheet(ningbo_round, n2, j1, submit=True)
    sheet(ningbo_round, n2, j2, submit=False)
    tianjin_round = judging_round(s.tianjin, s.tianjin_org, entries=[t1], judges=[j3], pairs=[(0, 0)])
    sheet(tianjin_round, t1, j3, submit=False)
    ningbo_round = review.set_round_status(by=s.ningbo_org, round=ningbo_round, to=RoundStatus.CLOSED)
    review.set_quota(by=s.ningbo_org, round=ningbo_round, group_code="enterprise", kind="count", count=1)
    review.stage_decisions(by=s.ningbo_org, round=ningbo_round, decisions={n1.pk: "advance", n2.pk: "hold"})
    review.publish_advancement(by=s.ningbo_org, round=ningbo_round)
    s.rounds = {"ningbo": ningbo_round, "tianjin": tianjin_round}
    session = finals.create_session(
        by=s.ningbo_org,
        event=s.ningbo,
        name="宁波决赛第一场",
        venue="宁波国际会议中心",
        starts_at=datetime(2024, 9, 1, 9, tzinfo=SHANGHAI),
    )
    finals.add_slot(session=session, entry=n1, by=s.ningbo_org)
    add_awards(s)


def add_awards(s: Season) -> None:
    """n1 一等奖 confirmed, n2 二等奖 confirmed then revoked, t1 优胜奖 staged only."""
    n1, n2, t1 = s.e["n1"], s.e["n2"], s.e["t1"]
    awards.stage_award(by=s.ningbo_org, event=s.ningbo, entry=n1, level_name="一等奖")
    second = awards.stage_award(by=s.ningbo_org, event=s.ningbo, entry=n2, level_name="二等奖")
    awards.confirm_awards(by=s.ningbo_org, event=s.ningbo, group=n1.group)
    second.refresh_from_db()
    awards.revoke_award(by=s.ningbo_org, award=second, reason="核查发现材料不实")
    awards.stage_award(by=s.tianjin_org, event=s.tianjin, entry=t1, level_name="优胜奖")
