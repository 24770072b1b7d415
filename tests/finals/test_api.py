"""The finals API: sessions in scope only, scores hidden while a slot is open, the judge's action."""

import json
from decimal import Decimal

import pytest

from contest.finals import selectors, services
from contest.finals.enums import SlotStatus

from ..registration.factories import user
from .factories import score_all, session_with

pytestmark = pytest.mark.integration


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_judge_submits_through_the_api_and_a_second_submit_is_a_conflict(ningbo, client):
    session, _entries, panel, organizer = session_with(ningbo, entries=1, status="live")
    slot = selectors.slots(session).first()
    services.open_slot(slot=slot, by=organizer)
    client.force_login(panel[0].user)
    url = f"/api/v1/finals/slots/{slot.pk}/scores"

    first = post(client, url, {"score": "86.5"})
    again = post(client, url, {"score": "90"})

    assert first.status_code == 201
    assert {k: first.json()[k] for k in ("seat", "score", "slot_status", "result")} == {
        "seat": 1, "score": "86.50", "slot_status": "open", "result": None}  # fmt: skip
    assert (again.status_code, again.json()["detail"]) == (409, "您已提交该项目的评分，不能修改。")


def test_the_last_judge_through_the_api_sees_the_result(ningbo, client):
    session, _entries, panel, organizer = session_with(ningbo, entries=1, status="live")
    slot = selectors.slots(session).first()
    services.open_slot(slot=slot, by=organizer)
    score_all(slot, panel[:4], [80, 90, 85, 70])
    client.force_login(panel[4].user)
    response = post(client, f"/api/v1/finals/slots/{slot.pk}/scores", {"score": "95"})
    assert (response.json()["slot_status"], response.json()["result"]) == (SlotStatus.CLOSED, "85.00")


def test_a_bad_score_is_a_422_naming_the_field(ningbo, client):
    session, _entries, panel, organizer = session_with(ningbo, entries=1, status="live")
    slot = selectors.slots(session).first()
    services.open_slot(slot=slot, by=organizer)
    client.force_login(panel[0].user)
    response = post(client, f"/api/v1/finals/slots/{slot.pk}/scores", {"score": "120"})
    assert response.status_code == 422
    assert (response.json()["detail"], response.json()["fields"]) == (
        "分数应在 0 到 100 之间。",
        {"score": "分数应在 0 到 100 之间。"},
    )


def test_someone_off_the_panel_gets_404(ningbo, client):
    session, _entries, _panel, organizer = session_with(ningbo, entries=1, status="live")
    slot = selectors.slots(session).first()
    services.open_slot(slot=slot, by=organizer)
    client.force_login(user())
    assert post(client, f"/api/v1/finals/slots/{slot.pk}/scores", {"score": "80"}).status_code == 404
    assert client.get(f"/api/v1/finals/sessions/{session.pk}").status_code == 404
    assert client.get("/api/v1/finals/sessions").json() == []


def test_session_detail_hides_scores_until_the_slot_closes(ningbo, client):
    session, _entries, panel, organizer = session_with(ningbo, entries=2, status="live")
    first, second = selectors.slots(session)
    services.open_slot(slot=first, by=organizer)
    score_all(first, panel, [80, 90, 85, 70, 95])
    services.open_slot(slot=second, by=organizer)
    services.submit_live_score(slot=second, by=panel[0].user, score=Decimal(60))
    client.force_login(organizer)

    body = client.get(f"/api/v1/finals/sessions/{session.pk}").json()

    closed, open_ = body["slots"]
    assert (closed["result"], [s["score"] for s in closed["scores"]]) == (
        "85.00", ["80.00", "90.00", "85.00", "70.00", "95.00"])  # fmt: skip
    assert (open_["status"], open_["submitted"], open_["scores"], open_["result"]) == ("open", 1, None, None)
    assert body["draw"]["seed"] == session.draw.seed
    assert [r["slot_id"] for r in body["ranking"]] == [first.pk]


def test_session_list_shows_the_judges_sessions(ningbo, client):
    session, _entries, panel, _organizer = session_with(ningbo, entries=1)
    client.force_login(panel[0].user)
    assert [s["id"] for s in client.get("/api/v1/finals/sessions").json()] == [session.pk]


def test_session_detail_is_open_to_the_chair_through_view_session(ningbo, client):
    chair = user()
    session, _entries, _panel, _organizer = session_with(ningbo, entries=1, chair=chair)
    client.force_login(chair)

    response = client.get(f"/api/v1/finals/sessions/{session.pk}")

    assert (response.status_code, response.json()["id"]) == (200, session.pk)
    assert chair.has_perm("finals.view_session", session)
