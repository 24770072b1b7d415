"""The board every screen renders: exact content, secrecy while a slot is open, the scores and the
dropped seats once it closes, corrections flagged, ranking, and a constant number of queries."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest
import time_machine

from contest.finals import services
from contest.finals.board import board_state
from contest.finals.models import LiveScore, SessionJudge
from contest.review.models import Conflict

from .factories import SHANGHAI, conflict_between, score_all, session_with

pytestmark = pytest.mark.integration

NOW = datetime(2024, 9, 20, 10, 0, tzinfo=SHANGHAI)
NOW_MS = int(NOW.timestamp() * 1000)


def slots_in_order(session):
    return list(session.slots.select_related("entry__enterprise", "entry__group").order_by("position"))


def test_board_state_of_a_drawn_session_is_exact(ningbo):
    session, _, _, _ = session_with(ningbo, entries=2, judges=5, status="drawn")
    first, second = slots_in_order(session)

    with time_machine.travel(NOW, tick=False):
        state = board_state(session)

    def slot(s):
        return {"id": s.pk, "position": s.position, "title": s.entry.title, "entrant": s.entry.enterprise.name,
                "group": s.entry.group.name, "status": "waiting", "status_label": "待上场", "submitted": 0,
                "judges": 5, "result": None, "scores": None, "seats": None, "close_reason": "",
                "close_note": ""}  # fmt: skip

    assert state == {
        "session": {
            "id": session.pk,
            "name": "宁波赛区决赛",
            "venue": "宁波国际会议中心",
            "room": "",
            "group": "",
            "status": "drawn",
            "status_label": "已抽签",
            "version": session.version,
            "places": 2,
            "aggregation": "trimmed",
            "aggregation_label": "去掉一个最高分和一个最低分后平均",
            "segments": [{"label": "项目路演", "seconds": 480}, {"label": "评委问答", "seconds": 420}],
            "seats": [1, 2, 3, 4, 5],
        },
        "draw": {"algorithm": "cnmaker-draw-v1", "seed": session.draw.seed, "room_value": "38 17 05"},
        "current": None,
        "timer": {
            "segment": None,
            "label": "",
            "seconds": 0,
            "running": False,
            "started_at": None,
            "elapsed_ms": 0,
            "server_now": NOW_MS,
        },
        "slots": [slot(first), slot(second)],
        "ranking": [],
    }


def test_board_state_shows_only_the_count_while_a_slot_is_open(ningbo):
    session, _, panel, organizer = session_with(ningbo, entries=2, judges=5, status="live")
    first = slots_in_order(session)[0]
    services.open_slot(slot=first, by=organizer)
    services.submit_live_score(slot=first, by=panel[0].user, score=Decimal("87.25"))
    services.submit_live_score(slot=first, by=panel[1].user, score=Decimal("91.75"))

    state = board_state(session)

    current = state["current"]
    assert (current["id"], current["status"], current["submitted"], current["judges"]) == (
        first.pk,
        "open",
        2,
        5,
    )
    assert (current["scores"], current["result"]) == (None, None)
    text = json.dumps(state, ensure_ascii=False)
    assert ("87.25" in text, "91.75" in text) == (False, False)


def test_board_state_marks_which_seats_submitted_while_a_slot_is_open(ningbo):
    session, _, panel, organizer = session_with(ningbo, entries=2, judges=5, status="live")
    first = slots_in_order(session)[0]
    conflict_between(organizer, panel[4], first.entry)
    services.open_slot(slot=first, by=organizer)
    services.submit_live_score(slot=first, by=panel[0].user, score=Decimal("87.25"))
    services.submit_live_score(slot=first, by=panel[2].user, score=Decimal("91.75"))

    current = board_state(session)["current"]

    assert current["seats"] == [
        {"seat": 1, "state": "submitted"},
        {"seat": 2, "state": "waiting"},
        {"seat": 3, "state": "submitted"},
        {"seat": 4, "state": "waiting"},
        {"seat": 5, "state": "recused"},
    ]
    assert (current["scores"], current["result"]) == (None, None)


def test_board_state_has_no_seat_states_once_the_slot_closes(ningbo):
    session, _, panel, organizer = session_with(ningbo, entries=1, judges=5, status="live")
    slot = slots_in_order(session)[0]
    services.open_slot(slot=slot, by=organizer)
    score_all(slot, panel, ["80", "90", "85", "70", "95"])

    current = board_state(session)["current"]

    assert (current["status"], current["seats"]) == ("closed", None)


def test_board_state_shows_every_score_and_the_dropped_seats_once_closed(ningbo):
    session, _, panel, organizer = session_with(ningbo, entries=2, judges=5, status="live")
    first = slots_in_order(session)[0]
    services.open_slot(slot=first, by=organizer)

    score_all(first, panel, ["80", "90", "85", "70", "95"])
    state = board_state(session)

    current = state["current"]
    assert (current["status"], current["result"], current["close_reason"]) == (
        "closed",
        "85.00",
        "all_submitted",
    )
    assert current["scores"] == [
        {"seat": 1, "score": "80.00", "dropped": False, "corrected": False, "recused": False},
        {"seat": 2, "score": "90.00", "dropped": False, "corrected": False, "recused": False},
        {"seat": 3, "score": "85.00", "dropped": False, "corrected": False, "recused": False},
        {"seat": 4, "score": "70.00", "dropped": True, "corrected": False, "recused": False},
        {"seat": 5, "score": "95.00", "dropped": True, "corrected": False, "recused": False},
    ]
    assert state["ranking"] == [{"rank": 1, "position": first.position, "title": first.entry.title,
                                 "entrant": first.entry.enterprise.name, "result": "85.00",
                                 "corrected": False}]  # fmt: skip


def test_board_state_renders_decimals_with_the_session_places(ningbo):
    session, _, panel, organizer = session_with(ningbo, entries=1, judges=5, status="live", places=3,
                                                aggregation="mean")  # fmt: skip
    slot = slots_in_order(session)[0]
    services.open_slot(slot=slot, by=organizer)

    score_all(slot, panel, ["80", "90.5", "85.25", "85", "85"])
    current = board_state(session)["current"]

    assert current["result"] == "85.150"
    assert [s["score"] for s in current["scores"]] == ["80.000", "90.500", "85.250", "85.000", "85.000"]
    assert [s["dropped"] for s in current["scores"]] == [False] * 5


def test_board_state_flags_a_corrected_score_and_recomputes(ningbo):
    session, _, panel, organizer = session_with(ningbo, entries=1, judges=5, status="live")
    slot = slots_in_order(session)[0]
    services.open_slot(slot=slot, by=organizer)
    score_all(slot, panel, ["80", "90", "85", "70", "95"])
    score = LiveScore.objects.get(slot=slot, judge__seat=2)

    services.correct_live_score(
        score=score, new_score=Decimal("88"), reason="评委口误，当场更正", by=organizer
    )
    current = board_state(session)["current"]

    assert current["scores"][1] == {"seat": 2, "score": "88.00", "dropped": False, "corrected": True,
                                    "recused": False}  # fmt: skip
    assert current["result"] == "84.33"


def test_board_state_ranking_marks_the_entry_whose_score_was_corrected(ningbo):
    session, _, panel, organizer = session_with(ningbo, entries=2, judges=5, status="live")
    first, second = slots_in_order(session)
    for slot in (first, second):
        services.open_slot(slot=slot, by=organizer)
        score_all(slot, panel, ["80", "90", "85", "70", "95"] if slot == first else ["60"] * 5)
    services.correct_live_score(score=LiveScore.objects.get(slot=second, judge__seat=1), new_score=Decimal("66"),
                                reason="评委口误，当场更正", by=organizer)  # fmt: skip

    ranking = board_state(session)["ranking"]

    assert [(r["position"], r["result"], r["corrected"]) for r in ranking] == [
        (first.position, "85.00", False),
        (second.position, "60.00", True),
    ]


def test_board_state_closed_by_the_chair_shows_who_did_not_score(ningbo):
    session, _, panel, organizer = session_with(
        ningbo, entries=1, judges=5, status="live", aggregation="mean"
    )
    slot = slots_in_order(session)[0]
    services.open_slot(slot=slot, by=organizer)
    score_all(slot, panel[:4], ["80", "90", "85", "85"])

    services.close_slot(slot=slot, by=organizer, reason="评委 5 临时离场")
    current = board_state(session)["current"]

    assert [(s["seat"], s["score"]) for s in current["scores"]] == [
        (1, "80.00"), (2, "90.00"), (3, "85.00"), (4, "85.00"), (5, None)
    ]  # fmt: skip
    assert (current["result"], current["close_reason"], current["close_note"]) == (
        "85.00",
        "chair",
        "评委 5 临时离场",
    )


def test_board_state_counts_only_the_judges_without_a_conflict(ningbo):
    session, _, panel, organizer = session_with(
        ningbo, entries=1, judges=5, status="live", aggregation="mean"
    )
    slot = slots_in_order(session)[0]
    Conflict.objects.create(
        expert=panel[4], entry=slot.entry, kind="pinned", source="organizer", reason="同一单位"
    )  # no round here: pin_conflict needs one
    services.open_slot(slot=slot, by=organizer)

    assert board_state(session)["current"]["judges"] == 4
    score_all(slot, panel[:4], ["80", "90", "85", "85"])
    current = board_state(session)["current"]

    assert (current["status"], current["result"]) == ("closed", "85.00")
    assert current["scores"][4] == {
        "seat": 5,
        "score": None,
        "dropped": False,
        "corrected": False,
        "recused": True,
    }


def test_board_state_ranks_closed_slots_highest_first(ningbo):
    session, _, panel, organizer = session_with(
        ningbo, entries=3, judges=5, status="live", aggregation="mean"
    )
    first, second, _third = slots_in_order(session)
    for slot, scores in ((first, ["70"] * 5), (second, ["90"] * 5)):
        services.open_slot(slot=slot, by=organizer)
        score_all(slot, panel, scores)

    ranking = board_state(session)["ranking"]

    assert [(r["rank"], r["position"], r["result"]) for r in ranking] == [
        (1, second.position, "90.00"),
        (2, first.position, "70.00"),
    ]


@pytest.mark.parametrize("size", [1, 3])
def test_board_state_query_count_is_constant(ningbo, django_assert_num_queries, size):
    session, _, panel, organizer = session_with(ningbo, entries=size, judges=size + 4, status="live")
    for slot in slots_in_order(session):
        services.open_slot(slot=slot, by=organizer)
        score_all(slot, panel, [str(80 + i) for i in range(len(panel))])
    assert SessionJudge.objects.filter(session=session).count() == size + 4

    with django_assert_num_queries(5):
        state = board_state(session)

    assert len(state["slots"]) == len(state["ranking"]) == size
