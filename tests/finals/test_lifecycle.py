"""The finals' two lifecycles through ``core.lifecycle.transition``: one audit record per status
change (the transition's, carrying the act's data), the session's ``version`` bumped once per
act as the screens expect, refusals worded by the transition tables, and one ranking."""

from __future__ import annotations

import pytest

from contest.core.errors import Conflict
from contest.core.models import AuditRecord
from contest.finals import selectors, services
from contest.finals.board import board_state
from contest.finals.enums import SessionStatus, SlotStatus
from contest.finals.models import RoadshowSession, SessionSlot
from contest.registration.enums import EntryStatus
from contest.registration.models import Entry
from contest.review import services as review
from contest.review.enums import Decision, RoundStatus

from ..review.factories import expert, qualified_entries
from .factories import STARTS, score_all, session_with

pytestmark = pytest.mark.integration


def audits(action: str, obj) -> list[dict]:
    return [r.data for r in AuditRecord.objects.filter(action=action, object_id=str(obj.pk)).order_by("pk")]


def version_of(session) -> int:
    return RoadshowSession.objects.values_list("version", flat=True).get(pk=session.pk)


# -- the session --------------------------------------------------------------------------------


def test_draw_is_one_audit_record_with_the_transition_and_the_draw(ningbo):
    session, _entries, _panel, _organizer = session_with(ningbo, entries=2, status="drawn")
    record = session.draw

    assert audits("finals.session.drawn", session) == [
        {"before": "draft", "after": "drawn", "algorithm": record.algorithm, "room_value": record.room_value,
         "entries": record.entries, "seed": record.seed, "order": record.order, "witness": "公证员 李明"},
    ]  # fmt: skip


def test_start_and_finish_are_one_audit_record_each(ningbo):
    session, _entries, panel, organizer = session_with(ningbo, entries=1, status="live")
    slot = selectors.slots(session).first()
    services.open_slot(slot=slot, by=organizer)
    score_all(slot, panel, [80, 81, 82, 83, 84])

    services.finish_session(session=session, by=organizer)

    assert audits("finals.session.started", session) == [{"before": "drawn", "after": "live"}]
    assert audits("finals.session.finished", session) == [
        {"before": "live", "after": "finished", "finished_at": session.finished_at.isoformat()}
    ]
    assert (session.status, session.current_slot_id, session.timer_started_at) == (
        SessionStatus.FINISHED, None, None)  # fmt: skip


def test_starting_a_draft_session_is_refused_by_the_table(ningbo):
    session, _entries, _panel, organizer = session_with(ningbo, entries=1)

    with pytest.raises(Conflict) as refused:
        services.start_session(session=session, by=organizer)

    assert refused.value.message == "场次当前为“筹备中”，不能变为“进行中”。"
    assert RoadshowSession.objects.get(pk=session.pk).status == SessionStatus.DRAFT


def test_finishing_a_drawn_session_is_refused_by_the_table_before_counting_slots(ningbo):
    session, _entries, _panel, organizer = session_with(ningbo, entries=2, status="drawn")

    with pytest.raises(Conflict) as refused:
        services.finish_session(session=session, by=organizer)

    assert refused.value.message == "场次当前为“已抽签”，不能变为“已结束”。"


def test_each_status_change_bumps_the_session_version_once(ningbo):
    session, _entries, panel, organizer = session_with(ningbo, entries=2, judges=5)
    versions = [version_of(session)]

    services.draw_speaking_order(session=session, room_value="38 17 05", by=organizer)
    versions.append(version_of(session))
    services.start_session(session=session, by=organizer)
    versions.append(version_of(session))
    first, second = selectors.slots(session)
    services.open_slot(slot=first, by=organizer)
    versions.append(version_of(session))
    score_all(first, panel, [80, 81, 82, 83, 84])  # five writes, the last closes the slot
    versions.append(version_of(session))
    services.mark_slot_absent(slot=second, by=organizer, reason="未到场")
    versions.append(version_of(session))
    services.finish_session(session=session, by=organizer)
    versions.append(version_of(session))

    start = versions[0]
    assert [v - start for v in versions] == [0, 1, 2, 3, 8, 9, 10]
    assert session.version == versions[-1]


# -- the slot -----------------------------------------------------------------------------------


def test_open_and_chair_close_are_one_slot_audit_record_each(ningbo):
    session, _entries, panel, organizer = session_with(ningbo, entries=1, status="live")
    slot = services.open_slot(slot=selectors.slots(session).first(), by=organizer)
    score_all(slot, panel[:3], [80, 90, 70])

    services.close_slot(slot=slot, by=organizer, reason="两位评委离场")

    assert audits("finals.slot.opened", slot) == [
        {"before": "waiting", "after": "open", "session": session.pk, "position": slot.position,
         "entry": slot.entry_id},
    ]  # fmt: skip
    assert audits("finals.slot.closed", slot) == [
        {"before": "open", "after": "closed", "session": session.pk, "reason": "chair", "note": "两位评委离场",
         "result": "80.00", "detail": SessionSlot.objects.get(pk=slot.pk).result_detail},
    ]  # fmt: skip


def test_the_last_judge_closes_the_slot_through_the_table(ningbo):
    session, _entries, panel, organizer = session_with(ningbo, entries=1, status="live")
    slot = services.open_slot(slot=selectors.slots(session).first(), by=organizer)

    score_all(slot, panel, [80, 81, 82, 83, 84])

    slot.refresh_from_db()
    assert (slot.status, slot.close_reason, slot.result) == (SlotStatus.CLOSED, "all_submitted", 82)
    assert audits("finals.slot.closed", slot) == [
        {"before": "open", "after": "closed", "session": session.pk, "reason": "all_submitted", "result": "82.00",
         "detail": slot.result_detail},
    ]  # fmt: skip
    closing = AuditRecord.objects.get(action="finals.score.submitted", data__closed=True)
    assert closing.pk < AuditRecord.objects.get(action="finals.slot.closed").pk


def test_slot_version_counts_each_change(ningbo):
    session, _entries, panel, organizer = session_with(ningbo, entries=1, status="live")
    slot = selectors.slots(session).first()
    start = slot.version

    slot = services.open_slot(slot=slot, by=organizer)
    score_all(slot, panel, [80, 81, 82, 83, 84])

    assert (slot.version, SessionSlot.objects.get(pk=slot.pk).version) == (start + 1, start + 6)


def test_absent_slot_is_one_audit_record(ningbo):
    session, _entries, _panel, organizer = session_with(ningbo, entries=1, status="drawn")
    slot = selectors.slots(session).first()

    slot = services.mark_slot_absent(slot=slot, by=organizer, reason="未到场")

    assert audits("finals.slot.absent", slot) == [
        {
            "before": "waiting",
            "after": "absent",
            "session": session.pk,
            "position": slot.position,
            "note": "未到场",
        }
    ]


def test_marking_an_open_slot_absent_is_refused_by_the_table(ningbo):
    session, _entries, _panel, organizer = session_with(ningbo, entries=1, status="live")
    slot = services.open_slot(slot=selectors.slots(session).first(), by=organizer)

    with pytest.raises(Conflict) as refused:
        services.mark_slot_absent(slot=slot, by=organizer, reason="未到场")

    assert refused.value.message == "项目当前为“评分中”，不能变为“缺席”。"


def test_reopening_a_closed_slot_is_refused_by_the_table(ningbo):
    session, _entries, panel, organizer = session_with(ningbo, entries=1, status="live")
    slot = services.open_slot(slot=selectors.slots(session).first(), by=organizer)
    score_all(slot, panel, [80, 81, 82, 83, 84])

    with pytest.raises(Conflict) as refused:
        services.open_slot(slot=slot, by=organizer)

    assert refused.value.message == "项目当前为“已亮分”，不能变为“评分中”。"


# -- entries a round advanced ---------------------------------------------------------------------


def test_add_slots_from_round_leaves_out_an_advanced_entry_no_longer_qualified(ningbo):
    entries, organizer = qualified_entries(ningbo, 2)
    round_ = review.create_round(by=organizer, edition=ningbo.edition, event=ningbo,
                                 data={"name": "复赛", "stage": "semifinal", "judges_per_entry": 1})  # fmt: skip
    review.add_entries(by=organizer, round=round_, entries=entries)
    judge = expert(organizer)
    review.add_judges(by=organizer, round=round_, experts=[judge])
    for round_entry in round_.round_entries.all():  # review starts only once something is assigned
        review.pin_assignment(by=organizer, round_entry=round_entry, expert=judge)
    review.set_round_status(by=organizer, round=round_, to=RoundStatus.OPEN)
    review.set_round_status(by=organizer, round=round_, to=RoundStatus.CLOSED)
    review.set_quota(by=organizer, round=round_, group_code="enterprise", kind="count", count=2)
    review.publish_decisions(by=organizer, round=round_, acknowledged_too_few=2, decisions={
        entries[0].pk: Decision.ADVANCE, entries[1].pk: Decision.ADVANCE})  # fmt: skip
    Entry.objects.filter(pk=entries[1].pk).update(status=EntryStatus.WITHDRAWN)  # withdrawn after advancing
    session = services.create_session(by=organizer, event=ningbo, name="决赛", venue="宁波", starts_at=STARTS,
                                      source_round=round_)  # fmt: skip

    assert services.add_slots_from_round(session=session, by=organizer) == 1
    assert list(session.slots.values_list("entry_id", flat=True)) == [entries[0].pk]


# -- one ranking ----------------------------------------------------------------------------------


def test_board_console_and_awards_rank_with_the_same_tie_breaks(ningbo):
    session, _entries, panel, organizer = session_with(ningbo, entries=3, status="live")
    first, second, third = selectors.slots(session)
    for slot, scores in ((first, [80, 80, 80, 80, 80]), (second, [60, 80, 80, 80, 100]),
                         (third, [80, 80, 80, 80, 80])):  # fmt: skip
        services.open_slot(slot=slot, by=organizer)
        score_all(slot, panel, scores)

    board = board_state(session)["ranking"]
    ranked = selectors.session_ranking(session)

    assert [(r["rank"], r["position"]) for r in board] == [(r.rank, r.position) for r in ranked] == [
        (1, second.position), (2, first.position), (3, third.position)]  # fmt: skip
    assert [r["entrant"] for r in board] == [s.entry.entrant_name for s in (second, first, third)]
