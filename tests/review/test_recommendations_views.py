"""The recommendation pages (/console/review/recommendations/): the secretariat's checklist of
every feeding event with its figures, filters, sort, export and reminders; an event organizer's
page (recommend from the published advancement, withdraw with a reason); places and the deadline.
Another event's organizer gets 404; the lists run a fixed number of queries."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from contest.catalog.models import Event
from contest.core.models import AuditRecord
from contest.registration.models import Entry
from contest.registration.models.rules import SHANGHAI
from contest.review import services
from contest.review.models import Recommendation, RecommendationDeadline, RecommendationQuota
from tests.http import drain

from ..registration.factories import open_registration, organizer_for
from .factories import qualified_entries
from .test_organizer_views import messages_of, table_rows
from .test_recommendations import published_season, results, secretary_of

pytestmark = pytest.mark.integration

CHECKLIST = reverse("review:recommendation_checklist")
EVENT_PAGE = reverse("review:recommendation_event")
QUOTAS = reverse("review:recommendation_quotas")
EXPORT = reverse("review:recommendation_export")
REMIND = reverse("review:recommendation_remind")


@pytest.fixture
def world(ningbo, edition9):
    """宁波: 3 places, 2 recommended (one without a business plan, one late); 深圳: 1 place, none."""
    secretary = secretary_of(edition9)
    shenzhen = Event.objects.get(edition=edition9, tier="regional", seq=33)
    open_registration(shenzhen)
    entries, organizer = qualified_entries(ningbo, 3)
    services.set_recommendation_quota(by=secretary, event=ningbo, group_code="enterprise", count=3)
    services.set_recommendation_quota(by=secretary, event=shenzhen, group_code="enterprise", count=1)
    services.set_recommendation_deadline(by=secretary, edition=edition9,
                                         due_at=datetime(2024, 9, 30, 18, 0, tzinfo=SHANGHAI))  # fmt: skip
    with time_machine.travel(datetime(2024, 9, 20, tzinfo=SHANGHAI), tick=False):
        services.recommend_entries(
            by=organizer, event=ningbo, results=results(entries[:1]), source="platform"
        )
    with time_machine.travel(datetime(2024, 10, 2, tzinfo=SHANGHAI), tick=False):
        services.recommend_entries(by=organizer, event=ningbo, results=results(entries[1:2], first_rank=2),
                                   source="package")  # fmt: skip
    Entry.objects.filter(pk=entries[1].pk).update(business_plan="")  # as a data package may bring it
    return {"ningbo": ningbo, "shenzhen": shenzhen, "secretary": secretary, "organizer": organizer,
            "shenzhen_organizer": organizer_for(shenzhen), "entries": entries, "edition": edition9}  # fmt: skip


def rows_of(response) -> list[list[str]]:
    return table_rows(response, "recommendation-checklist")


# -- the checklist -----------------------------------------------------------------------------------


def test_checklist_lists_every_feeding_event_and_group_with_exact_figures(client, world):
    client.force_login(world["secretary"])
    with time_machine.travel(datetime(2024, 10, 3, tzinfo=SHANGHAI), tick=False):
        response = client.get(CHECKLIST, {"edition": 9})

    sheet = response.context["sheet"]
    assert (sheet.events, len(sheet.rows)) == (49, 98)  # every event but the national final, two groups
    by_event = {(r[0], r[1]): r[2:] for r in rows_of(response)}
    assert by_event[(world["ningbo"].name, "企业组")] == ["2", "3", "1", "1", "未完成 已过截止时间"]
    assert by_event[(world["shenzhen"].name, "企业组")] == ["0", "1", "0", "0", "未推荐 已过截止时间"]
    assert by_event[(world["ningbo"].name, "创客组")] == ["0", "—", "0", "0", "未设名额"]
    assert sheet.totals == {"recommended": 2, "quota": 4, "missing_materials": 1, "late": 1, "overdue": 2,
                            "complete": 0}  # fmt: skip


def test_checklist_filters_and_sorts(client, world):
    client.force_login(world["secretary"])

    short = client.get(CHECKLIST, {"edition": 9, "group": "enterprise", "state": "partial"})
    missing = client.get(CHECKLIST, {"edition": 9, "group": "enterprise", "state": "missing", "sort": "short",
                                     "q": "深圳"})  # fmt: skip
    materials = client.get(CHECKLIST, {"edition": 9, "state": "materials"})
    sorted_ = client.get(CHECKLIST, {"edition": 9, "group": "enterprise", "sort": "recommended"})

    assert [r[:3] for r in rows_of(short)] == [[world["ningbo"].name, "企业组", "2"]]
    assert [r[:4] for r in rows_of(missing)] == [[world["shenzhen"].name, "企业组", "0", "1"]]
    assert [r[0] for r in rows_of(materials)] == [world["ningbo"].name]
    assert rows_of(sorted_)[0][0] == world["ningbo"].name


def test_organizer_sees_only_their_own_events_in_the_checklist(client, world):
    client.force_login(world["shenzhen_organizer"])
    response = client.get(CHECKLIST)

    assert [r[:2] for r in rows_of(response)] == [
        [world["shenzhen"].name, "企业组"],
        [world["shenzhen"].name, "创客组"],
    ]
    assert REMIND not in response.content.decode()


@pytest.mark.parametrize("n", [1, 3])
def test_checklist_runs_a_fixed_number_of_queries(client, edition9, django_assert_num_queries, n):
    secretary = secretary_of(edition9)
    platform = Event.objects.filter(edition=edition9, tier="regional").exclude(registration_mode="external")
    for event in platform.order_by("seq")[:n]:
        open_registration(event)
        entries, organizer = qualified_entries(event, 1)
        services.set_recommendation_quota(by=secretary, event=event, group_code="enterprise", count=2)
        services.recommend_entries(by=organizer, event=event, results=results(entries), source="portal")
    client.force_login(secretary)

    with django_assert_num_queries(10):
        response = client.get(CHECKLIST, {"edition": 9, "group": "enterprise"})

    assert [r[2] for r in rows_of(response)].count("1") == n


def test_export_reads_back_as_the_page_shows_it(client, world):
    client.force_login(world["secretary"])
    with time_machine.travel(datetime(2024, 10, 3, tzinfo=SHANGHAI), tick=False):
        response = client.get(EXPORT, {"edition": 9, "group": "enterprise", "q": "宁波", "format": "xlsx"})
        csv_response = client.get(EXPORT, {"edition": 9, "group": "enterprise", "q": "宁波", "format": "csv"})

    book = load_workbook(io.BytesIO(drain(response)), read_only=True)
    sheet = book["推荐情况"]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == ["赛事类别", "序号", "赛事", "组别", "已推荐", "推荐名额", "尚缺", "缺商业计划书", "逾期推荐",
                         "逾期未完成", "状态"]  # fmt: skip
    assert values[1:] == [["区域赛", 30, world["ningbo"].name, "企业组", 2, 3, 1, 1, 1, "是", "未完成"]]
    text = drain(csv_response).decode("utf-8-sig").splitlines()
    assert text[1] == f"区域赛,30,{world['ningbo'].name},企业组,2,3,1,1,1,是,未完成"
    records = AuditRecord.objects.filter(action="accounts.personal_data.exported").order_by("pk")
    assert [(r.object_id, r.data["format"]) for r in records] == [
        ("review.recommendation_checklist", "xlsx"), ("review.recommendation_checklist", "csv"),
    ]  # fmt: skip


def test_send_reminders_from_the_checklist(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["secretary"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REMIND, {"edition": 9}, follow=True)

    assert messages_of(response) == ["已向 2 个赛事的组织方发送提醒。"]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world["organizer"].email,
                                                           world["shenzhen_organizer"].email])  # fmt: skip


def test_an_organizer_cannot_send_reminders(client, world):
    client.force_login(world["organizer"])
    assert client.post(REMIND, {"edition": 9}).status_code == 404
    assert not AuditRecord.objects.filter(action="review.recommendations.reminded").exists()


# -- an event's page ---------------------------------------------------------------------------------


def test_event_page_shows_places_and_recommendations_with_local_results(client, world):
    client.force_login(world["organizer"])
    response = client.get(EVENT_PAGE, {"edition": 9, "event": world["ningbo"].pk})

    assert table_rows(response, "event-quotas") == [["企业组", "不限", "不限", "3", "2"]]
    e = world["entries"]
    shown = [r[:11] for r in table_rows(response, "recommendations")]
    assert shown == [
        [e[0].number, e[0].title, e[0].enterprise.name, "企业组", "—", "1", "90.00", "—", "平台评审结果", "已推荐",
         "已上传"],
        [e[1].number, e[1].title, e[1].enterprise.name, "企业组", "—", "2", "90.00", "—", "赛事数据包", "已推荐 逾期",
         "缺少"],
    ]  # fmt: skip


@pytest.mark.parametrize("n", [1, 3])
def test_event_page_runs_a_fixed_number_of_queries(client, ningbo, edition9, django_assert_num_queries, n):
    secretary = secretary_of(edition9)
    entries, organizer = qualified_entries(ningbo, n)
    services.set_recommendation_quota(by=secretary, event=ningbo, group_code="enterprise", count=3)
    services.recommend_entries(by=organizer, event=ningbo, results=results(entries), source="portal")
    client.force_login(organizer)

    with django_assert_num_queries(12):
        response = client.get(EVENT_PAGE, {"edition": 9, "event": ningbo.pk})

    assert len(table_rows(response, "recommendations")) == n


def test_withdraw_from_the_page_needs_a_reason(client, world):
    client.force_login(world["organizer"])
    row = Recommendation.objects.get(entry=world["entries"][0])
    data = {"action": "withdraw", "edition": 9, "event": world["ningbo"].pk, "recommendation": row.pk}

    refused = client.post(EVENT_PAGE, {**data, "reason": " "})
    done = client.post(EVENT_PAGE, {**data, "reason": "企业已注销"}, follow=True)

    assert (refused.status_code, messages_of(refused)) == (400, ["撤回推荐须写明理由。"])
    assert messages_of(done) == [f"已撤回推荐：{world['entries'][0].title}"]
    row.refresh_from_db()
    assert row.status == "withdrawn"


def test_recommend_from_the_published_advancement_button(client, ningbo, edition9):
    secretary = secretary_of(edition9)
    s = published_season(ningbo, advance=2)
    services.set_recommendation_quota(by=secretary, event=ningbo, group_code="enterprise", count=1)
    client.force_login(s.organizer)
    data = {"action": "from_advancement", "edition": 9, "event": ningbo.pk}

    refused = client.post(EVENT_PAGE, data, follow=True)
    services.set_recommendation_quota(by=secretary, event=ningbo, group_code="enterprise", count=2)
    done = client.post(EVENT_PAGE, data, follow=True)

    assert messages_of(refused) == ["企业组推荐 2 个，超过名额 1 个。"]
    assert messages_of(done) == ["已按发布的晋级结果推荐 2 个项目。"]
    assert [r[5] for r in table_rows(done, "recommendations")] == ["1", "2"]


def test_another_event_s_organizer_gets_404_on_the_event_page_to_every_method(client, world):
    client.force_login(world["shenzhen_organizer"])
    row = Recommendation.objects.get(entry=world["entries"][0])
    before = AuditRecord.objects.count()
    target = {"edition": 9, "event": world["ningbo"].pk}

    assert client.get(EVENT_PAGE, target).status_code == 404
    assert client.post(EVENT_PAGE, {**target, "action": "withdraw", "recommendation": row.pk,
                                    "reason": "x"}).status_code == 404  # fmt: skip
    assert client.post(EVENT_PAGE, {**target, "action": "from_advancement"}).status_code == 404
    assert client.get(QUOTAS, target).status_code == 404
    assert AuditRecord.objects.count() == before


def test_a_recommendation_of_another_event_answers_404_inside_my_event(client, world):
    shenzhen = world["shenzhen"]
    (foreign,), organizer = qualified_entries(shenzhen, 1, organizer=world["shenzhen_organizer"])
    (row,) = services.recommend_entries(
        by=organizer, event=shenzhen, results=results([foreign]), source="portal"
    )
    client.force_login(world["organizer"])

    response = client.post(EVENT_PAGE, {"action": "withdraw", "edition": 9, "event": world["ningbo"].pk,
                                        "recommendation": row.pk, "reason": "x"})  # fmt: skip

    assert response.status_code == 404
    row.refresh_from_db()
    assert row.status == "recommended"


# -- places and the deadline -------------------------------------------------------------------------


def test_secretariat_sets_a_quota_and_the_deadline_on_the_quota_page(client, world):
    client.force_login(world["secretary"])
    shenzhen = world["shenzhen"]

    saved = client.post(QUOTAS, {"action": "quota", "edition": 9, "event": shenzhen.pk, "group": "maker",
                                 "industry": "", "zone": "", "count": "4"}, follow=True)  # fmt: skip
    invalid = client.post(QUOTAS, {"action": "quota", "edition": 9, "event": shenzhen.pk, "group": "maker",
                                   "count": "-1"})  # fmt: skip
    deadline = client.post(
        QUOTAS, {"action": "deadline", "edition": 9, "due_at": "2024-10-15T18:00"}, follow=True
    )

    assert messages_of(saved) == [f"推荐名额已保存：{shenzhen.name}"]
    assert RecommendationQuota.objects.get(event=shenzhen, group_code="maker").count == 4
    assert invalid.status_code == 400
    assert "form-errors" in invalid.content.decode()
    assert messages_of(deadline) == ["推荐截止时间已保存。"]
    assert RecommendationDeadline.objects.get().due_at == datetime(2024, 10, 15, 18, 0, tzinfo=SHANGHAI)
    assert Recommendation.objects.filter(on_time=False).count() == 0  # the late one is on time now


def test_an_organizer_reads_quotas_but_cannot_set_them(client, world):
    client.force_login(world["organizer"])

    page = client.get(QUOTAS, {"edition": 9})
    post = client.post(QUOTAS, {"action": "quota", "edition": 9, "event": world["ningbo"].pk, "group": "enterprise",
                                "count": "99"})  # fmt: skip

    assert table_rows(page, "quotas") == [[world["ningbo"].name, "企业组", "不限", "不限", "3"]]
    assert 'id="quota-form"' not in page.content.decode()
    assert post.status_code == 404
    assert RecommendationQuota.objects.get(event=world["ningbo"], group_code="enterprise").count == 3
