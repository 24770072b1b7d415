"""The judge's phone page and the chair's page under /live/."""

from decimal import Decimal

import pytest
from django.urls import reverse

from contest.catalog.models import Event
from contest.finals import selectors, services
from contest.finals.enums import SlotStatus
from contest.finals.models import LiveScore, RoadshowSession

from ..registration.factories import organizer_for, user
from .factories import conflict_between, score_all, session_with

pytestmark = pytest.mark.integration


@pytest.fixture
def live(ningbo):
    session, entries, panel, organizer = session_with(ningbo, entries=2, status="live")
    return session, entries, panel, organizer


def test_judge_page_answers_404_off_the_panel(live, client):
    session, _entries, _panel, organizer = live
    for person in (user(), organizer):
        client.force_login(person)
        assert client.get(reverse("finals:judge", args=[session.pk])).status_code == 404


def test_judge_page_waits_then_scores_and_locks(live, client):
    session, _entries, panel, organizer = live
    client.force_login(panel[0].user)
    url = reverse("finals:judge", args=[session.pk])
    assert "主持人尚未开始项目评分" in client.get(url).content.decode()
    slot = selectors.slots(session).first()
    services.open_slot(slot=slot, by=organizer)
    page = client.get(url).content.decode()
    assert 'id="score-form"' in page
    assert slot.entry.title in page

    response = client.post(url, {"slot": slot.pk, "score": "88.5"}, follow=True)

    body = response.content.decode()
    assert "已提交：88.50" in body
    assert 'id="score-form"' not in body
    assert list(LiveScore.objects.values_list("judge__seat", "score")) == [(1, Decimal("88.50"))]


def test_judge_page_keeps_a_refused_score_and_says_why(live, client):
    session, _entries, panel, organizer = live
    slot = selectors.slots(session).first()
    services.open_slot(slot=slot, by=organizer)
    client.force_login(panel[0].user)
    response = client.post(reverse("finals:judge", args=[session.pk]), {"slot": slot.pk, "score": "150"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "分数应在 0 到 100 之间。" in body
    assert 'value="150"' in body
    assert LiveScore.objects.count() == 0


def test_judge_page_says_recused_for_a_conflicted_entry(live, client):
    session, _entries, panel, organizer = live
    slot = selectors.slots(session).first()
    conflict_between(organizer, panel[1], slot.entry)
    services.open_slot(slot=slot, by=organizer)
    client.force_login(panel[1].user)
    body = client.get(reverse("finals:judge", args=[session.pk])).content.decode()
    assert 'id="recused"' in body
    assert 'id="score-form"' not in body


@pytest.mark.parametrize("n", [1, 3])
def test_judge_page_queries_do_not_grow_with_own_scores(ningbo, client, django_assert_num_queries, n):
    session, _entries, panel, organizer = session_with(ningbo, entries=n, status="live")
    for slot in selectors.slots(session):
        services.open_slot(slot=slot, by=organizer)
        score_all(slot, panel, [80, 81, 82, 83, 84])
    client.force_login(panel[0].user)
    url = reverse("finals:judge", args=[session.pk])
    client.get(url)
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.content.decode().count('<tr><td class="num">') == n


def test_judge_home_lists_the_judges_sessions(live, client):
    session, _entries, panel, _organizer = live
    client.force_login(panel[0].user)
    body = client.get(reverse("finals:judge_home")).content.decode()
    assert reverse("finals:judge", args=[session.pk]) in body


def test_chair_page_answers_404_to_a_judge_and_another_organizer(live, client, edition9):
    session, _entries, panel, _organizer = live
    for person in (
        panel[0].user,
        organizer_for(Event.objects.get(edition=edition9, tier="regional", seq=33)),
    ):
        client.force_login(person)
        assert client.get(reverse("finals:chair", args=[session.pk])).status_code == 404
        assert (
            client.post(reverse("finals:chair", args=[session.pk]), {"action": "open_next"}).status_code
            == 404
        )


def test_chair_page_opens_next_closes_with_reason_and_corrects(live, client):
    session, _entries, panel, organizer = live
    client.force_login(organizer)
    url = reverse("finals:chair", args=[session.pk])
    client.post(url, {"action": "open_next"})
    slot = selectors.slots(session).first()
    score_all(slot, panel[:3], [80, 90, 85])
    refused = client.post(url, {"action": "close", "slot": slot.pk, "reason": ""}, follow=True)
    client.post(url, {"action": "close", "slot": slot.pk, "reason": "两位评委离场"})
    score = LiveScore.objects.get(slot=slot, judge__seat=2)
    client.post(url, {"action": "correct", "score": score.pk, "new_score": "70", "reason": "误按"})
    slot.refresh_from_db()
    score.refresh_from_db()
    assert "请填写提前亮分的原因。" in refused.content.decode()
    assert (slot.status, slot.close_note) == (SlotStatus.CLOSED, "两位评委离场")
    assert score.score == Decimal("70.00")
    assert slot.result == Decimal("80.00")  # 80, 70, 85: the middle one


def test_chair_page_runs_the_timer_and_marks_absent(live, client):
    session, _entries, _panel, organizer = live
    client.force_login(organizer)
    url = reverse("finals:chair", args=[session.pk])
    client.post(url, {"action": "timer_start", "segment": "1"})
    waiting = selectors.slots(session).last()
    client.post(url, {"action": "absent", "slot": waiting.pk, "reason": "未到场"})
    session = RoadshowSession.objects.get(pk=session.pk)
    waiting.refresh_from_db()
    assert (session.timer_segment, session.timer_started_at is not None) == (1, True)
    assert (waiting.status, waiting.close_note) == (SlotStatus.ABSENT, "未到场")
    assert "评委问答" in client.get(url).content.decode()


def test_the_named_chair_reaches_the_chair_page(ningbo, client):
    chair = user("chair2")
    session, _entries, _panel, _organizer = session_with(ningbo, entries=1, status="live", chair=chair)
    client.force_login(chair)
    body = client.get(reverse("finals:chair", args=[session.pk])).content.decode()
    assert 'id="open-next"' in body
    assert "结束场次" not in body


@pytest.mark.parametrize("n", [1, 3])
def test_chair_page_queries_do_not_grow_with_entries(ningbo, client, django_assert_num_queries, n):
    session, _entries, panel, organizer = session_with(ningbo, entries=n, status="live")
    for slot in selectors.slots(session):
        services.open_slot(slot=slot, by=organizer)
        score_all(slot, panel, [80, 81, 82, 83, 84])
    client.force_login(organizer)
    url = reverse("finals:chair", args=[session.pk])
    client.get(url)
    with django_assert_num_queries(QUERIES_CHAIR):
        response = client.get(url)
    assert response.content.decode().count('<td class="num">80.00</td>') == 0
    assert response.content.decode().count("<option value=") == 5 * n


QUERIES_CHAIR = 13
