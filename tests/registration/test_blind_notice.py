"""The notice beside the business-plan upload ("the judges read the plan: do not name yourself") is shown
for an event whose review is, or by default will be, blind — and not for one whose rounds are all open."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from contest.registration.selectors import review_is_blind
from contest.review.models import ReviewRound
from tests.registration.factories import complete_entry

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

NOTICE = "本赛事的网络评审为匿名评审"


def review_round(event, *, blind: bool, status: str = "draft", national: bool = False) -> ReviewRound:
    return ReviewRound.objects.create(
        edition=event.edition, event=None if national else event, name="网络初评",
        stage="national" if national else "preliminary", status=status, blind=blind,
    )  # fmt: skip


def test_an_event_without_rounds_is_taken_to_be_blind(ningbo):
    assert review_is_blind(ningbo) is True


def test_an_event_whose_open_rounds_are_not_blind_is_not(ningbo):
    review_round(ningbo, blind=False)
    review_round(ningbo, blind=True, status="published")  # done: reads no more plans

    assert review_is_blind(ningbo) is False


def test_one_blind_round_still_to_come_makes_it_blind(ningbo):
    review_round(ningbo, blind=False)
    review_round(ningbo, blind=True, status="open")

    assert review_is_blind(ningbo) is True


def test_a_blind_national_round_counts_once_the_event_has_rounds(ningbo):
    review_round(ningbo, blind=False)
    review_round(ningbo, blind=True, national=True)

    assert review_is_blind(ningbo) is True


def test_a_published_event_round_leaves_the_default(ningbo):
    review_round(ningbo, blind=False, status="published")

    assert review_is_blind(ningbo) is True


@pytest.mark.parametrize(("blind", "shown"), [(True, 1), (False, 0)])
def test_the_entry_form_shows_the_notice_only_for_a_blind_review(ningbo, blind, shown):
    entry = complete_entry(ningbo)
    review_round(ningbo, blind=blind)
    client = Client()
    client.force_login(entry.owner)

    response = client.get(reverse("registration:entry_edit", args=[entry.pk]))

    assert response.status_code == 200
    assert response.content.decode().count(NOTICE) == shown
