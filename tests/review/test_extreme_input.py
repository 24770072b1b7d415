"""Regressions of issue 10 in review: a round at 0001-01-01, scores not typed in ASCII digits."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from contest.core.errors import FieldErrors
from contest.review.aggregation import Criterion
from contest.review.models import ReviewRound
from contest.review.services import parse_scores

from ..registration.factories import organizer_for

pytestmark = pytest.mark.integration

OUT_OF_RANGE = "日期须在 2000-01-01 至 2099-12-31 之间。"
NOT_A_NUMBER = "请填写数字（如 88.5）。"


def round_post(scope: str, **changes) -> dict:
    data = {"scope": scope, "name": "复赛网评", "stage": "semifinal", "judges_per_entry": "5",
            "default_max_load": "20", "aggregation": "trimmed_mean", "places": "3", "carry_over": "fresh",
            "carry_weight": "0", "opens_at": "2026-08-01T09:00", "closes_at": "2026-08-10T18:00",
            "rubric-TOTAL_FORMS": "1", "rubric-INITIAL_FORMS": "0", "rubric-MIN_NUM_FORMS": "0",
            "rubric-MAX_NUM_FORMS": "12", "rubric-0-code": "all", "rubric-0-name": "综合", "rubric-0-max": "100",
            "rubric-0-weight": "100"}  # fmt: skip
    return {**data, **changes}


@pytest.mark.parametrize(
    ("field", "value"),
    [("opens_at", "0001-01-01T00:00"), ("closes_at", "0001-01-01T00:00"), ("closes_at", "9999-12-31T23:59")],
)
def test_round_form_refuses_a_time_outside_the_calendar(client, ningbo, field, value):
    client.force_login(organizer_for(ningbo))
    response = client.post(reverse("review:round_create"), round_post(f"event:{ningbo.pk}", **{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [OUT_OF_RANGE]}
    assert not ReviewRound.objects.exists()


def test_round_form_refuses_a_full_width_rubric_maximum(client, ningbo):
    client.force_login(organizer_for(ningbo))
    response = client.post(
        reverse("review:round_create"), round_post(f"event:{ningbo.pk}", **{"rubric-0-max": "１００"})
    )
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors == {"max": [NOT_A_NUMBER]}
    assert not ReviewRound.objects.exists()


def test_round_form_accepts_the_same_round_in_ascii(client, ningbo):
    client.force_login(organizer_for(ningbo))
    response = client.post(reverse("review:round_create"), round_post(f"event:{ningbo.pk}"))
    assert response.status_code == 302
    assert ReviewRound.objects.get().rubric == [
        {"code": "all", "name": "综合", "max": "100", "weight": "100"}
    ]


RUBRIC = [Criterion(code="tech", name="技术创新", max_score=Decimal(40), weight=Decimal(40))]


@pytest.mark.parametrize("text", ["1_0", "３０", "٣٠", "NaN", "1e1", "Infinity", "9" * 40])
def test_sheet_scores_not_written_in_ascii_digits_are_refused(text):
    with pytest.raises(FieldErrors) as caught:
        parse_scores(RUBRIC, {"tech": text})
    assert caught.value.fields == {"tech": "“技术创新”的分数应为数字。"}


def test_sheet_scores_in_ascii_digits_are_read():
    assert parse_scores(RUBRIC, {"tech": " 35.5 "}) == {"tech": Decimal("35.5")}
