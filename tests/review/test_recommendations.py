"""Recommendations into the national review: places per event and group (per station, per
industry), recommending all or nothing and idempotently, withdrawing with a reason, the deadline,
recommending from the published advancement, reminders, and the national round taking exactly
the recommended projects."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from contest.accounts.enums import RoleKind
from contest.accounts.models import Role
from contest.catalog.models import Event, EventZone
from contest.core.errors import Conflict, FieldErrors, NotFound, ValidationFailed
from contest.core.models import AuditRecord
from contest.registration import services as registration
from contest.registration.models import Entry
from contest.registration.models.rules import SHANGHAI
from contest.review import services
from contest.review.enums import RoundStatus
from contest.review.models import Recommendation, RecommendationTransition, ReviewRound
from contest.review.services import LocalResult

from ..registration.factories import open_registration, organizer_for, submitted_entry, user
from .factories import qualified_entries
from .test_organizer_views import build_season, open_round, score

pytestmark = pytest.mark.integration

DEADLINE = datetime(2024, 9, 30, 18, 0, tzinfo=SHANGHAI)
BEFORE = datetime(2024, 9, 20, 10, 0, tzinfo=SHANGHAI)
AFTER = datetime(2024, 10, 2, 9, 0, tzinfo=SHANGHAI)


# -- builders ----------------------------------------------------------------------------------------


def secretary_of(edition):
    person = user()
    Role.objects.create(user=person, kind=RoleKind.SECRETARIAT, edition=edition)
    return person


def results(entries, *, first_rank: int = 1, award: str = "") -> list[tuple[Entry, LocalResult]]:
    """Entry i ranked ``first_rank + i`` with score 90 − i."""
    return [
        (e, LocalResult(rank=first_rank + i, score=Decimal(90 - i), award=award))
        for i, e in enumerate(entries)
    ]


def published_season(event, *, advance: int = 2):
    """A published round of ``event``: five entries totalling 86, 81, 81, 76, 66; the best
    ``advance`` advance."""
    s = build_season(event, n_entries=5, n_judges=3, k=2)
    open_round(s)
    values = {0: 30, 1: 25, 2: 25, 3: 20, 4: 10}
    score(s, {(i, j): values[i] for i in range(5) for j in range(3) if j != i % 3})
    services.set_round_status(by=s.organizer, round=s.round, to=RoundStatus.CLOSED)
    services.set_quota(by=s.organizer, round=s.round, group_code="enterprise", kind="count", count=advance)
    services.publish_decisions(by=s.organizer, round=s.round,
                               decisions={e.pk: "advance" if i < advance else "hold" for i, e in enumerate(s.entries)})  # fmt: skip
    return s


@pytest.fixture
def secretary(edition9):
    return secretary_of(edition9)


@pytest.fixture
def field(ningbo, secretary):
    """宁波 with four qualified entries and 2 places for its enterprise group."""
    entries, organizer = qualified_entries(ningbo, 4)
    services.set_recommendation_quota(by=secretary, event=ningbo, group_code="enterprise", count=2)
    return {"event": ningbo, "entries": entries, "organizer": organizer, "secretary": secretary}


# -- places ------------------------------------------------------------------------------------------


def test_secretariat_sets_a_quota_once_per_event_group_industry_and_zone(ningbo, secretary):
    first = services.set_recommendation_quota(by=secretary, event=ningbo, group_code="enterprise", count=3)
    again = services.set_recommendation_quota(by=secretary, event=ningbo, group_code="enterprise", count="5")
    services.set_recommendation_quota(by=secretary, event=ningbo, group_code="enterprise", count=5)

    assert (again.pk, again.count) == (first.pk, 5)
    assert [(r.data["before"], r.data["after"]) for r in
            AuditRecord.objects.filter(action="review.recommendation_quota.set").order_by("pk")] == [(None, 3), (3, 5)]  # fmt: skip


def test_quota_input_is_checked(ningbo, secretary, edition9):
    final = Event.objects.get(edition=edition9, tier="national_final")
    with pytest.raises(FieldErrors) as refused:
        services.set_recommendation_quota(
            by=secretary, event=ningbo, group_code="nope", count="１", industry="Z"
        )
    assert refused.value.fields == {"group_code": "本届没有该组别。", "industry": "未知的行业领域。",
                                    "count": "推荐名额应为 0 到 10000 之间的整数。"}  # fmt: skip
    with pytest.raises(ValidationFailed, match="全国总决赛不向全国评审推荐项目，不设推荐名额。"):
        services.set_recommendation_quota(by=secretary, event=final, group_code="enterprise", count=1)


def test_only_the_secretariat_sets_quotas(ningbo):
    organizer = organizer_for(ningbo)
    with pytest.raises(NotFound):
        services.set_recommendation_quota(by=organizer, event=ningbo, group_code="enterprise", count=3)


# -- recommending ------------------------------------------------------------------------------------


def test_recommend_entries_stores_local_results_and_one_audit_record(field, edition9):
    e = field["entries"]

    rows = services.recommend_entries(by=field["organizer"], event=field["event"],
                                      results=results(e[:2], award="一等奖"), source="platform")  # fmt: skip

    assert [
        (r.entry_id, r.group_code, r.rank, r.score, r.award, r.status, r.on_time, r.source) for r in rows
    ] == [
        (e[0].pk, "enterprise", 1, Decimal("90.0000"), "一等奖", "recommended", True, "platform"),
        (e[1].pk, "enterprise", 2, Decimal("89.0000"), "一等奖", "recommended", True, "platform"),
    ]
    record = AuditRecord.objects.get(action="review.recommendations.recommended")
    assert (record.scope, record.data["created"], record.data["source"]) == (
        f"event:{field['event'].pk}", [e[0].pk, e[1].pk], "platform",
    )  # fmt: skip


def test_over_the_quota_is_refused_with_the_numbers_and_nothing_is_written(field):
    with pytest.raises(Conflict) as refused:
        services.recommend_entries(by=field["organizer"], event=field["event"], results=results(field["entries"][:3]),
                                   source="package")  # fmt: skip

    assert refused.value.message == "企业组推荐 3 个，超过名额 2 个。"
    assert Recommendation.objects.count() == 0


def test_earlier_recommendations_count_against_the_quota(field):
    e, organizer, event = field["entries"], field["organizer"], field["event"]
    services.recommend_entries(by=organizer, event=event, results=results(e[:2]), source="package")

    with pytest.raises(Conflict, match=r"^企业组推荐 3 个，超过名额 2 个。$"):
        services.recommend_entries(by=organizer, event=event, results=results(e[2:3]), source="package")


def test_a_group_without_places_cannot_recommend(ningbo):
    entries, organizer = qualified_entries(ningbo, 1)
    with pytest.raises(Conflict, match=r"^企业组尚未设置推荐名额，不能推荐。$"):
        services.recommend_entries(by=organizer, event=ningbo, results=results(entries), source="platform")


def test_recommending_the_same_again_changes_nothing_and_a_new_result_updates(field):
    e, organizer, event = field["entries"], field["organizer"], field["event"]
    first = services.recommend_entries(by=organizer, event=event, results=results(e[:2]), source="portal")

    again = services.recommend_entries(by=organizer, event=event, results=results(e[:2]), source="portal")
    changed = services.recommend_entries(by=organizer, event=event,
                                         results=[(e[0], LocalResult(rank=2, score=Decimal("88.5")))], source="portal")  # fmt: skip

    assert [r.pk for r in again] == [r.pk for r in first]
    assert (changed[0].pk, changed[0].rank, changed[0].score) == (first[0].pk, 2, Decimal("88.5000"))
    records = AuditRecord.objects.filter(action="review.recommendations.recommended").order_by("pk")
    assert [(r.data["created"], r.data["updated"]) for r in records] == [
        ([e[0].pk, e[1].pk], []),
        ([], [e[0].pk]),
    ]
    assert Recommendation.objects.count() == 2


def test_entries_that_cannot_be_recommended_are_refused(field, edition9):
    event, organizer = field["event"], field["organizer"]
    shenzhen = Event.objects.get(edition=edition9, tier="regional", seq=33)
    open_registration(shenzhen)
    (foreign,), _ = qualified_entries(shenzhen, 1)
    withdrawn = submitted_entry(event)
    registration.withdraw_entry(by=withdrawn.owner, entry=withdrawn)

    with pytest.raises(ValidationFailed, match=rf"^项目“{foreign.title}”不属于本赛事，不能推荐。$"):
        services.recommend_entries(by=organizer, event=event, results=results([foreign]), source="package")
    with pytest.raises(ValidationFailed, match=rf"^项目“{withdrawn.title}”当前为“已撤回”，不能推荐。$"):
        services.recommend_entries(by=organizer, event=event, results=results([withdrawn]), source="package")
    with pytest.raises(ValidationFailed, match="重复推荐"):
        services.recommend_entries(by=organizer, event=event, results=results(field["entries"][:1]) * 2,
                                   source="package")  # fmt: skip
    with pytest.raises(ValidationFailed, match=r"^未知的推荐来源。$"):
        services.recommend_entries(
            by=organizer, event=event, results=results(field["entries"][:1]), source="fax"
        )
    assert Recommendation.objects.count() == 0


def test_a_national_final_never_recommends(edition9, secretary):
    final = Event.objects.get(edition=edition9, tier="national_final")
    with pytest.raises(ValidationFailed, match=r"^全国总决赛不向全国评审推荐项目。$"):
        services.recommend_entries(by=secretary, event=final, results=[], source="platform")


def test_hostile_local_results_are_refused(field):
    e, organizer, event = field["entries"], field["organizer"], field["event"]
    for result, message in [
        (LocalResult(rank=0), "的名次应为正整数。"),
        (LocalResult(score=Decimal("NaN")), "的得分超出范围。"),
        (LocalResult(score=Decimal("1e30")), "的得分超出范围。"),
        (LocalResult(score=88.5), "的得分应为数字。"),
        (LocalResult(award="一等奖\x00"), "含有不可见的控制字符，请删除后重试。"),
        (LocalResult(award="奖" * 51), "的奖项不能超过 50 字。"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            services.recommend_entries(by=organizer, event=event, results=[(e[0], result)], source="portal")
        assert refused.value.message.endswith(message), result
    assert Recommendation.objects.count() == 0


def test_another_event_s_organizer_cannot_recommend_or_withdraw(field, edition9):
    shenzhen = Event.objects.get(edition=edition9, tier="regional", seq=33)
    stranger = organizer_for(shenzhen)
    (row,) = services.recommend_entries(by=field["organizer"], event=field["event"],
                                        results=results(field["entries"][:1]), source="platform")  # fmt: skip

    with pytest.raises(NotFound):
        services.recommend_entries(by=stranger, event=field["event"], results=results(field["entries"][1:2]),
                                   source="platform")  # fmt: skip
    with pytest.raises(NotFound):
        services.withdraw_recommendation(by=stranger, recommendation=row, reason="不该推荐")
    assert Recommendation.objects.get().status == "recommended"


# -- stations and industries -------------------------------------------------------------------------


def test_station_quotas_count_each_station_separately(ningbo, secretary):
    entries, organizer = qualified_entries(ningbo, 3)
    hk = EventZone.objects.create(event=ningbo, code="hk", name="香港")
    sg = EventZone.objects.create(event=ningbo, code="sg", name="新加坡")
    Entry.objects.filter(pk__in=[entries[0].pk, entries[1].pk]).update(zone=hk)
    Entry.objects.filter(pk=entries[2].pk).update(zone=sg)
    for zone in (hk, sg):
        services.set_recommendation_quota(
            by=secretary, event=ningbo, group_code="enterprise", zone=zone, count=1
        )
    entries = list(Entry.objects.filter(pk__in=[e.pk for e in entries]).order_by("pk"))

    with pytest.raises(Conflict) as refused:
        services.recommend_entries(by=organizer, event=ningbo, results=results(entries), source="package")
    rows = services.recommend_entries(
        by=organizer, event=ningbo, results=results(entries[1:]), source="package"
    )

    assert refused.value.message == "企业组（香港）推荐 2 个，超过名额 1 个。"
    assert [(r.entry_id, r.zone_id) for r in rows] == [(entries[1].pk, hk.pk), (entries[2].pk, sg.pk)]


def test_an_industry_cap_applies_inside_the_group_s_places(ningbo, secretary):
    (c1, c2), organizer = qualified_entries(ningbo, 2, industry="C")
    (i1,), _ = qualified_entries(ningbo, 1, organizer=organizer, industry="I")
    services.set_recommendation_quota(by=secretary, event=ningbo, group_code="enterprise", count=3)
    services.set_recommendation_quota(
        by=secretary, event=ningbo, group_code="enterprise", industry="C", count=1
    )

    with pytest.raises(Conflict, match=r"^企业组（C 类行业）推荐 2 个，超过名额 1 个。$"):
        services.recommend_entries(by=organizer, event=ningbo, results=results([c1, c2, i1]), source="portal")
    assert (
        len(
            services.recommend_entries(by=organizer, event=ningbo, results=results([c1, i1]), source="portal")
        )
        == 2
    )


def test_zone_of_is_the_entry_s_station_when_it_has_one(ningbo):
    s = build_season(ningbo, n_entries=2, n_judges=2, k=1)
    hk = EventZone.objects.create(event=ningbo, code="hk", name="香港")
    Entry.objects.filter(pk=s.entries[0].pk).update(zone=hk)

    zones = [
        services.zone_of(s.round_entry(i), national=national) for i in (0, 1) for national in (False, True)
    ]

    assert zones == ["香港", "香港", s.entries[1].division.name, ningbo.name]


# -- withdrawing -------------------------------------------------------------------------------------


def test_withdraw_needs_a_reason_records_history_and_frees_the_place(field):
    e, organizer, event = field["entries"], field["organizer"], field["event"]
    rows = services.recommend_entries(by=organizer, event=event, results=results(e[:2]), source="platform")

    with pytest.raises(ValidationFailed, match=r"^撤回推荐须写明理由。$"):
        services.withdraw_recommendation(by=organizer, recommendation=rows[0], reason="  ")
    services.withdraw_recommendation(by=organizer, recommendation=rows[0], reason="企业已注销")
    services.recommend_entries(by=organizer, event=event, results=results(e[2:3]), source="platform")

    rows[0].refresh_from_db()
    assert rows[0].status == "withdrawn"
    history = RecommendationTransition.objects.get(recommendation=rows[0])
    assert (history.from_status, history.to_status, history.reason, history.actor) == (
        "recommended", "withdrawn", "企业已注销", organizer,
    )  # fmt: skip
    record = AuditRecord.objects.get(action="review.recommendation.withdrawn")
    assert (record.data["reason"], record.data["before"], record.data["after"]) == (
        "企业已注销", "recommended", "withdrawn",
    )  # fmt: skip
    assert sorted(
        Recommendation.objects.filter(status="recommended").values_list("entry_id", flat=True)
    ) == sorted([e[1].pk, e[2].pk])


def test_a_withdrawn_recommendation_is_recommended_again_in_the_same_row(field):
    e, organizer, event = field["entries"], field["organizer"], field["event"]
    (row,) = services.recommend_entries(by=organizer, event=event, results=results(e[:1]), source="platform")
    services.withdraw_recommendation(by=organizer, recommendation=row, reason="误报")

    (again,) = services.recommend_entries(by=organizer, event=event, results=results(e[:1]), source="package")

    assert (again.pk, again.status, again.source) == (row.pk, "recommended", "package")
    assert list(RecommendationTransition.objects.filter(recommendation=row).values_list("to_status", flat=True)) == [
        "withdrawn", "recommended",
    ]  # fmt: skip


def test_withdraw_is_refused_once_the_national_review_took_the_project(field, edition9):
    (row,) = services.recommend_entries(by=field["organizer"], event=field["event"],
                                        results=results(field["entries"][:1]), source="platform")  # fmt: skip
    national = services.create_round(by=field["secretary"], edition=edition9, event=None,
                                     data={"name": "全国评审", "stage": "national"})  # fmt: skip
    services.add_entries(by=field["secretary"], round=national)

    with pytest.raises(Conflict, match=r"^该项目已进入全国评审，不能撤回推荐。$"):
        services.withdraw_recommendation(by=field["organizer"], recommendation=row, reason="改推其他项目")


# -- the deadline ------------------------------------------------------------------------------------


def test_recommendations_after_the_deadline_are_late_and_a_new_deadline_judges_again(field, edition9):
    e, organizer, event = field["entries"], field["organizer"], field["event"]
    services.set_recommendation_deadline(by=field["secretary"], edition=edition9, due_at=DEADLINE)
    with time_machine.travel(BEFORE, tick=False):
        (early,) = services.recommend_entries(
            by=organizer, event=event, results=results(e[:1]), source="portal"
        )
    with time_machine.travel(AFTER, tick=False):
        (late,) = services.recommend_entries(
            by=organizer, event=event, results=results(e[1:2]), source="portal"
        )

    assert (early.on_time, late.on_time) == (True, False)
    services.set_recommendation_deadline(by=field["secretary"], edition=edition9,
                                         due_at=datetime(2024, 10, 8, tzinfo=SHANGHAI))  # fmt: skip
    assert dict(Recommendation.objects.values_list("entry_id", "on_time")) == {e[0].pk: True, e[1].pk: True}
    assert AuditRecord.objects.filter(action="review.recommendation_deadline.set").count() == 2


def test_only_the_secretariat_sets_the_deadline(field, edition9):
    with pytest.raises(NotFound):
        services.set_recommendation_deadline(by=field["organizer"], edition=edition9, due_at=DEADLINE)
    with pytest.raises(ValidationFailed, match="日期须在"):
        services.set_recommendation_deadline(by=field["secretary"], edition=edition9,
                                             due_at=datetime(9999, 1, 1, tzinfo=SHANGHAI))  # fmt: skip


# -- from the published advancement ------------------------------------------------------------------


def test_recommend_from_advancement_carries_the_published_rank_and_score(ningbo, secretary):
    s = published_season(ningbo, advance=2)
    services.set_recommendation_quota(by=secretary, event=ningbo, group_code="enterprise", count=2)

    rows = services.recommend_from_advancement(by=s.organizer, event=ningbo)

    assert [(r.entry_id, r.rank, r.score, r.source) for r in rows] == [
        (s.entries[0].pk, 1, Decimal("86.0000"), "platform"),
        (s.entries[1].pk, 2, Decimal("81.0000"), "platform"),
    ]


def test_recommend_from_advancement_needs_a_published_round(field):
    with pytest.raises(Conflict, match=r"^本赛事还没有发布晋级结果，不能据此推荐。$"):
        services.recommend_from_advancement(by=field["organizer"], event=field["event"])


# -- the national round takes exactly the recommended projects ----------------------------------------


def test_national_round_takes_exactly_the_standing_recommendations_with_local_scores(field, edition9):
    e, organizer, event, secretary = field["entries"], field["organizer"], field["event"], field["secretary"]
    rows = services.recommend_entries(by=organizer, event=event, results=results(e[:2]), source="package")
    services.withdraw_recommendation(by=organizer, recommendation=rows[1], reason="企业放弃")
    services.recommend_entries(
        by=organizer, event=event, results=results(e[3:4], first_rank=4), source="package"
    )
    national = services.create_round(by=secretary, edition=edition9, event=None,
                                      data={"name": "全国评审", "stage": "national", "carry_over": "blend",
                                            "carry_weight": "0.3"})  # fmt: skip

    assert services.add_entries(by=secretary, round=national) == 2

    assert sorted(national.round_entries.values_list("entry_id", "carried_score", "source_round_id")) == sorted([
        (e[0].pk, Decimal("90.0000"), None), (e[3].pk, Decimal("90.0000"), None),
    ])  # fmt: skip


def test_national_round_without_carry_over_takes_no_scores_and_skips_withdrawn_entries(field, edition9):
    e, organizer, event, secretary = field["entries"], field["organizer"], field["event"], field["secretary"]
    services.recommend_entries(by=organizer, event=event, results=results(e[:2]), source="package")
    registration.reopen_entry(by=organizer, entry=e[1], reason="材料有误")
    registration.return_entry(by=organizer, entry=Entry.objects.get(pk=e[1].pk), comment="补充材料")
    national = services.create_round(by=secretary, edition=edition9, event=None,
                                     data={"name": "全国评审", "stage": "national"})  # fmt: skip

    assert services.add_entries(by=secretary, round=national) == 1
    assert list(national.round_entries.values_list("entry_id", "carried_score")) == [(e[0].pk, None)]


def test_an_event_s_advancement_alone_does_not_reach_the_national_round(ningbo, secretary, edition9):
    published_season(ningbo, advance=2)
    national = services.create_round(by=secretary, edition=edition9, event=None,
                                     data={"name": "全国评审", "stage": "national"})  # fmt: skip

    assert services.add_entries(by=secretary, round=national) == 0
    assert ReviewRound.objects.get(pk=national.pk).round_entries.count() == 0


# -- reminders ---------------------------------------------------------------------------------------


def test_reminders_go_to_the_organizers_of_events_short_of_their_places(field, edition9,
                                                                       django_capture_on_commit_callbacks):  # fmt: skip
    secretary = field["secretary"]
    shenzhen = Event.objects.get(edition=edition9, tier="regional", seq=33)
    shenzhen_organizer = organizer_for(shenzhen)
    services.set_recommendation_quota(by=secretary, event=shenzhen, group_code="enterprise", count=1)
    services.recommend_entries(by=field["organizer"], event=field["event"], results=results(field["entries"][:2]),
                               source="portal")  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        sent = services.send_recommendation_reminders(by=secretary, edition=edition9)

    assert sent == 1
    (message,) = mail.outbox
    assert (message.to, message.subject) == (
        [shenzhen_organizer.email],
        f"【创客中国】请完成向全国评审推荐项目：{shenzhen.name}",
    )
    assert "企业组：已推荐 0 个，名额 1 个" in message.body
    record = AuditRecord.objects.get(action="review.recommendations.reminded")
    assert record.data["events"] == [shenzhen.pk]


def test_only_the_secretariat_sends_reminders(field, edition9):
    with pytest.raises(NotFound):
        services.send_recommendation_reminders(by=field["organizer"], edition=edition9)


def test_the_operator_sends_reminders_from_the_command_line(
    field, edition9, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("remind_recommendations", "--edition", "9", stdout=out)

    assert out.getvalue() == "已向 1 个赛事的组织方发送提醒。\n"
    assert [m.to for m in mail.outbox] == [[field["organizer"].email]]
    assert AuditRecord.objects.get(action="review.recommendations.reminded").actor_id is None
