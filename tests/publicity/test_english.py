"""公示 in English: kinds, statuses, phases, objection statuses and the lists' column headers are
translated on the public index and the console (publicity has its own catalog)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from contest.publicity import services

from ..accounts.html import texts
from .builders import T0, advancement_round, file_verified, objection_data, published_list

pytestmark = pytest.mark.integration
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def lists(ningbo):
    """One list on notice (with an answered and an open objection), one whose period ended, one final."""
    with time_machine.travel(T0 - timedelta(days=11), tick=False):
        round_, _best, organizer = advancement_round(ningbo, n=3, advance=2)
    with time_machine.travel(T0 - timedelta(days=10), tick=False):
        final = published_list(ningbo, organizer, round_=round_, title="第一份")
    with time_machine.travel(T0 - timedelta(days=4), tick=False):
        services.finalize_due_notices()
        ended = published_list(ningbo, organizer, round_=round_, ends_at=T0 - timedelta(hours=1),
                               title="第二份")  # fmt: skip
    with time_machine.travel(T0, tick=False):
        open_ = published_list(ningbo, organizer, round_=round_, title="第三份")
        answered = file_verified(by=None, notice=open_, data=objection_data())
        file_verified(by=None, notice=open_, data=objection_data())
        services.answer_objection(by=organizer, objection=answered, status="dismissed", response="材料不足。")
    return {"open": open_, "ended": ended, "final": final, "organizer": organizer}


def test_public_index_in_english_names_phases_and_kinds(client, lists):
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        response = client.get(reverse("publicity:index"), **EN)
    body = response.content.decode()
    assert texts(response, "h2") == [
        "On notice 1", "Notice period ended, awaiting confirmation 1", "Notice ended, list final 1"]  # fmt: skip
    assert texts(response, "p", class_="pub-card__period")[0] == (
        "Notice period: 2024-09-02 09:00 – 2024-09-07 09:00 (Beijing time)"
    )
    assert body.count("· Advancement list") == 3
    assert ("公示中" in body, "晋级名单" in body, "北京时间" in body) == (False, False, False)


def test_console_list_in_english_has_english_headers_kinds_and_phases(client, lists):
    client.force_login(lists["organizer"])
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        response = client.get(reverse("publicity_console:list"), **EN)
    assert texts(response, "th", scope="col") == [
        "List", "Event", "Type", "Status", "Version", "Notice ends", "Awaiting answer", "Objections"]  # fmt: skip
    assert texts(response, "span", class_="status") == [
        "On notice", "Notice period ended, awaiting confirmation", "Notice ended, list final"]  # fmt: skip
    assert texts(response, "td").count("Advancement list") == 3


def test_console_pages_of_a_list_in_english(client, lists):
    notice = lists["open"]
    client.force_login(lists["organizer"])
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        detail = client.get(reverse("publicity_console:detail", args=[notice.pk]), **EN)
        inbox = client.get(reverse("publicity_console:objections", args=[notice.pk]), **EN)
    assert texts(detail, "span", id="phase") == ["On notice"]
    assert texts(detail, "th", scope="col")[-8:] == [
        "#", "Number", "Project title", "Entrant", "Province", "Group", "Rank", "Score"]  # fmt: skip
    assert texts(inbox, "span", class_="status") == ["Dismissed", "Awaiting answer"]
