"""Regressions of issue 10 in the finals: a session at 0001-01-01, scores not typed in ASCII digits,
control characters in the chair's reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from contest.core.errors import ValidationFailed
from contest.finals import selectors, services
from contest.finals.models import LiveScore, RoadshowSession
from contest.finals.validators import parse_score, require_reason
from tests.review.factories import qualified_entries

from .factories import session_with

pytestmark = pytest.mark.integration

OUT_OF_RANGE = "日期须在 2000-01-01 至 2099-12-31 之间。"
CONTROL = "含有不可见的控制字符，请删除后重试。"
NOT_A_SCORE = "分数应为数字，例如 86 或 86.5。"


@pytest.mark.parametrize("starts_at", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_session_form_refuses_a_start_outside_the_calendar(ningbo, client, starts_at):
    _entries, organizer = qualified_entries(ningbo, 1)
    client.force_login(organizer)
    response = client.post(reverse("finals_console:session_create"), {
        "event": ningbo.pk, "name": "宁波赛区决赛", "venue": "宁波", "starts_at": starts_at, "preset": "8+7",
        "segments": "", "aggregation": "mean", "places": "2", "score_min": "0", "score_max": "100"})  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors == {"starts_at": [OUT_OF_RANGE]}
    assert RoadshowSession.objects.count() == 0


@pytest.mark.parametrize("text", ["1_0", "５０", "٥٠", "NaN", "1e3", "-Infinity", "9" * 40])
def test_live_scores_not_written_in_ascii_digits_are_refused(text):
    with pytest.raises(ValidationFailed) as caught:
        parse_score(text, low=Decimal(0), high=Decimal(100))
    assert (caught.value.message, caught.value.field) == (NOT_A_SCORE, "score")


@pytest.mark.parametrize(
    ("text", "expected"), [("86", "86.00"), ("86.5", "86.50"), (" 86，5 ", "86.50"), (86.5, "86.50")]
)
def test_live_scores_in_ascii_digits_are_read(text, expected):
    assert parse_score(text, low=Decimal(0), high=Decimal(100)) == Decimal(expected)


def test_chair_reason_with_control_characters_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        require_reason("评委\x00缺席", what="提前亮分的原因")
    assert (caught.value.message, caught.value.field) == (CONTROL, "reason")


def test_judge_page_refuses_a_full_width_score_and_keeps_it(ningbo, client):
    session, _entries, panel, organizer = session_with(ningbo, entries=2, status="live")
    slot = selectors.slots(session).first()
    services.open_slot(slot=slot, by=organizer)
    client.force_login(panel[0].user)
    response = client.post(reverse("finals:judge", args=[session.pk]), {"slot": slot.pk, "score": "８６"})
    body = response.content.decode()
    assert response.status_code == 400
    assert NOT_A_SCORE in body
    assert 'value="８６"' in body
    assert LiveScore.objects.count() == 0


def test_judge_page_answers_404_not_500_for_a_slot_id_int_cannot_read(ningbo, client):
    session, _entries, panel, _organizer = session_with(ningbo, entries=1, status="live")
    client.force_login(panel[0].user)
    response = client.post(reverse("finals:judge", args=[session.pk]), {"slot": "²", "score": "80"})
    assert response.status_code == 404
