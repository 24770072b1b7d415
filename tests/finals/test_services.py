"""Finals services: who may do what, the state machine, live scoring, corrections, the timer."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from contest.catalog.models import Event
from contest.core.errors import Closed, Conflict, FieldErrors, NotFound, ValidationFailed
from contest.core.models import AuditRecord
from contest.finals import selectors, services
from contest.finals.enums import CloseReason, SessionStatus, SlotStatus
from contest.finals.models import LiveScore, RoadshowSession, ScoreCorrection
from contest.review import services as review
from contest.review.enums import Decision, RoundStatus

from ..registration.factories import organizer_for, submitted_entry, user
from ..review.factories import expert, qualified_entries
from .factories import STARTS, conflict_between, score_all, session_with

pytestmark = pytest.mark.integration


def _open_first(session, organizer):
    slot = selectors.slots(session).first()
    services.open_slot(slot=slot, by=organizer)
    slot.refresh_from_db()
    return slot


# -- building a session ------------------------------------------------------------------------------


def test_create_session_is_refused_as_not_found_to_another_events_organizer(ningbo, edition9):
    other = organizer_for(Event.objects.get(edition=edition9, tier="regional", seq=33))
    with pytest.raises(NotFound):
        services.create_session(by=other, event=ningbo, name="决赛", venue="宁波", starts_at=STARTS)


def test_create_session_names_every_bad_field(ningbo):
    _entries, organizer = qualified_entries(ningbo, 1)
    with pytest.raises(FieldErrors) as caught:
        services.create_session(by=organizer, event=ningbo, name=" ", venue="宁波", starts_at=STARTS,
                                segments="路演 90 分钟", score_min=Decimal(100), score_max=Decimal(10), places=7)  # fmt: skip
    assert caught.value.fields == {
        "name": "请填写场次名称。",
        "segments": "第 1 个环节的时长应在 1 秒到 60 分钟之间。",
        "places": "保留小数位应为 0 到 4。",
        "score_max": "最高分须大于最低分。",
    }


def test_create_session_parses_segments_text_and_audits(ningbo):
    _entries, organizer = qualified_entries(ningbo, 1)
    session = services.create_session(by=organizer, event=ningbo, name="决赛", venue="宁波", starts_at=STARTS,
                                      segments="项目路演 6 分钟 + 评委问答 3 分钟")  # fmt: skip
    assert session.segments == [{"label": "项目路演", "seconds": 360}, {"label": "评委问答", "seconds": 180}]
    assert AuditRecord.objects.filter(action="finals.session.created", object_id=str(session.pk)).count() == 1


def test_add_slot_refuses_an_entry_that_is_not_qualified(ningbo):
    session, _entries, _panel, organizer = session_with(ningbo, entries=1, judges=0)
    pending = submitted_entry(ningbo)
    with pytest.raises(ValidationFailed, match="只能加入资格审查通过的项目。"):
        services.add_slot(session=session, entry=pending, by=organizer)


def test_add_slot_twice_is_a_conflict(ningbo):
    session, entries, _panel, organizer = session_with(ningbo, entries=1, judges=0)
    with pytest.raises(Conflict, match="已在本场次"):
        services.add_slot(session=session, entry=entries[0], by=organizer)


def test_add_slots_from_round_takes_published_advancing_entries_only(ningbo):
    entries, organizer = qualified_entries(ningbo, 3)
    judge = expert(organizer)
    round_ = review.create_round(by=organizer, edition=ningbo.edition, event=ningbo,
                                 data={"name": "复赛", "stage": "semifinal", "judges_per_entry": 1})  # fmt: skip
    review.add_entries(by=organizer, round=round_, entries=entries)
    review.add_judges(by=organizer, round=round_, experts=[judge])
    for round_entry in round_.round_entries.all():  # review starts only once something is assigned
        review.pin_assignment(by=organizer, round_entry=round_entry, expert=judge)
    review.set_round_status(by=organizer, round=round_, to=RoundStatus.OPEN)
    review.set_round_status(by=organizer, round=round_, to=RoundStatus.CLOSED)
    review.set_quota(by=organizer, round=round_, group_code="enterprise", kind="count", count=2)
    review.publish_decisions(by=organizer, round=round_, acknowledged_too_few=3, decisions={
        entries[0].pk: Decision.ADVANCE, entries[1].pk: Decision.ADVANCE, entries[2].pk: Decision.HOLD})  # fmt: skip
    session = services.create_session(by=organizer, event=ningbo, name="决赛", venue="宁波", starts_at=STARTS,
                                      source_round=round_)  # fmt: skip
    assert services.add_slots_from_round(session=session, by=organizer) == 2
    assert services.add_slots_from_round(session=session, by=organizer) == 0
    assert set(session.slots.values_list("entry_id", flat=True)) == {entries[0].pk, entries[1].pk}


def test_add_judge_refuses_an_expert_without_an_account(ningbo):
    session, _entries, _panel, organizer = session_with(ningbo, entries=1, judges=0)
    nobody = expert(organizer, name="李四", with_user=False)
    with pytest.raises(ValidationFailed, match="李四 还没有平台账号"):
        services.add_judge(session=session, expert=nobody, seat=1, by=organizer)


def test_add_judge_refuses_a_taken_seat(ningbo):
    session, _entries, _panel, organizer = session_with(ningbo, entries=1, judges=1)
    with pytest.raises(Conflict, match="1 号席位已有评委。"):
        services.add_judge(session=session, expert=expert(organizer), seat=1, by=organizer)


def test_add_judge_refuses_a_sixteenth_judge(ningbo):
    session, _entries, _panel, organizer = session_with(ningbo, entries=1, judges=15)
    with pytest.raises(Conflict, match="每个场次最多 15 位评委。"):
        services.add_judge(session=session, expert=expert(organizer), seat=16, by=organizer)


# -- the draw ----------------------------------------------------------------------------------------


def test_draw_sets_positions_in_the_recorded_order(ningbo):
    session, _entries, _panel, _organizer = session_with(ningbo, entries=4, status="drawn")
    record = session.draw
    assert session.status == SessionStatus.DRAWN
    assert [s.entry.number for s in selectors.slots(session)] == record.order
    assert list(selectors.slots(session).values_list("position", flat=True)) == [1, 2, 3, 4]
    assert record.entries == sorted(record.order)
    assert record.witness == "公证员 李明"


def test_draw_needs_at_least_five_judges(ningbo):
    session, _entries, _panel, organizer = session_with(ningbo, entries=2, judges=4)
    with pytest.raises(ValidationFailed, match="评委应为 5–15 位，目前 4 位。"):
        services.draw_speaking_order(session=session, room_value="1 2 3", by=organizer)


def test_draw_twice_is_refused(ningbo):
    session, _entries, _panel, organizer = session_with(ningbo, entries=2, status="drawn")
    with pytest.raises(Conflict, match="不能抽签"):
        services.draw_speaking_order(session=session, room_value="9", by=organizer)


def test_draw_refuses_an_empty_room_value(ningbo):
    session, _entries, _panel, organizer = session_with(ningbo, entries=2)
    with pytest.raises(ValidationFailed, match="请填写现场读出的数值。"):
        services.draw_speaking_order(session=session, room_value="  ", by=organizer)


def test_slots_and_settings_are_fixed_after_the_draw(ningbo):
    session, _entries, _panel, organizer = session_with(ningbo, entries=2, status="drawn")
    with pytest.raises(Conflict):
        services.remove_slot(slot=session.slots.first(), by=organizer)
    with pytest.raises(Conflict):
        services.update_session(session=session, by=organizer, name="改名")


# -- live scoring ------------------------------------------------------------------------------------


def test_last_judge_closes_the_slot_with_the_trimmed_mean(ningbo):
    session, _entries, panel, organizer = session_with(ningbo, entries=2, status="live")
    slot = _open_first(session, organizer)
    score_all(slot, panel[:4], ["80", "90", "85.5", "70"])
    slot.refresh_from_db()
    assert slot.status == SlotStatus.OPEN
    services.submit_live_score(slot=slot, by=panel[4].user, score="95")
    slot.refresh_from_db()
    assert slot.status == SlotStatus.CLOSED
    assert slot.close_reason == CloseReason.ALL_SUBMITTED
    assert slot.result == Decimal("85.17")  # (80 + 90 + 85.5) / 3, ROUND_HALF_UP
    assert slot.result_detail["counted"] == [1, 2, 3]
    assert slot.result_detail["dropped"] == [4, 5]


def test_mean_aggregation_uses_every_score(ningbo):
    session, _entries, panel, organizer = session_with(
        ningbo, entries=1, status="live", aggregation="mean", places=1
    )
    slot = _open_first(session, organizer)
    score_all(slot, panel, ["80", "90", "85", "70", "96"])
    slot.refresh_from_db()
    assert slot.result == Decimal("84.2")


def test_a_submitted_score_is_locked(ningbo):
    session, _entries, panel, organizer = session_with(ningbo, entries=1, status="live")
    slot = _open_first(session, organizer)
    services.submit_live_score(slot=slot, by=panel[0].user, score="80")
    with pytest.raises(Conflict, match="您已提交该项目的评分，不能修改。"):
        services.submit_live_score(slot=slot, by=panel[0].user, score="85")
    assert list(LiveScore.objects.values_list("score", flat=True)) == [Decimal("80.00")]


@pytest.mark.parametrize(("raw", "message"), [("101", "分数应在 0 到 100 之间。"), ("abc", "分数应为数字"),
                                              ("80.125", "分数最多保留两位小数。"), ("", "请填写分数。"),
                                              ("NaN", "分数应为数字")])  # fmt: skip
def test_a_bad_score_is_refused_with_a_message(ningbo, raw, message):
    session, _entries, panel, organizer = session_with(ningbo, entries=1, status="live")
    slot = _open_first(session, organizer)
    with pytest.raises(ValidationFailed, match=message):
        services.submit_live_score(slot=slot, by=panel[0].user, score=raw)


def test_scoring_a_slot_that_is_not_open_is_closed(ningbo):
    session, _entries, panel, _organizer = session_with(ningbo, entries=1, status="live")
    slot = selectors.slots(session).first()
    with pytest.raises(Closed, match="该项目当前不在评分中。"):
        services.submit_live_score(slot=slot, by=panel[0].user, score="80")


def test_someone_off_the_panel_cannot_score(ningbo):
    session, _entries, _panel, organizer = session_with(ningbo, entries=1, status="live")
    slot = _open_first(session, organizer)
    with pytest.raises(NotFound):
        services.submit_live_score(slot=slot, by=user(), score="80")
    with pytest.raises(NotFound):
        services.submit_live_score(slot=slot, by=organizer, score="80")


def test_a_conflicted_judge_is_not_expected_and_cannot_score(ningbo):
    session, entries, panel, organizer = session_with(ningbo, entries=1, status="live")
    conflict_between(organizer, panel[2], entries[0])
    slot = _open_first(session, organizer)
    with pytest.raises(Conflict, match="回避"):
        services.submit_live_score(slot=slot, by=panel[2].user, score="80")
    score_all(slot, [panel[0], panel[1], panel[3], panel[4]], ["70", "80", "90", "100"])
    slot.refresh_from_db()
    assert (slot.status, slot.result, slot.result_detail["n"]) == (SlotStatus.CLOSED, Decimal("85.00"), 4)


def test_one_open_slot_at_a_time(ningbo):
    session, _entries, _panel, organizer = session_with(ningbo, entries=2, status="live")
    first, second = selectors.slots(session)
    services.open_slot(slot=first, by=organizer)
    with pytest.raises(Conflict, match="第 1 位出场的项目仍在评分中"):
        services.open_slot(slot=second, by=organizer)
    session.refresh_from_db()
    assert session.current_slot_id == first.pk


def test_chair_closes_early_with_a_reason(ningbo):
    session, _entries, panel, organizer = session_with(ningbo, entries=1, status="live")
    slot = _open_first(session, organizer)
    score_all(slot, panel[:2], ["80", "90"])
    with pytest.raises(ValidationFailed, match="请填写提前亮分的原因。"):
        services.close_slot(slot=slot, by=organizer, reason=" ")
    services.close_slot(slot=slot, by=organizer, reason="3 号评委临时离场")
    slot.refresh_from_db()
    assert (slot.status, slot.close_reason, slot.close_note) == (SlotStatus.CLOSED, CloseReason.CHAIR,
                                                                 "3 号评委临时离场")  # fmt: skip
    assert slot.result == Decimal("85.00")
    assert slot.result_detail["method"] == "trimmed_fallback"


def test_chair_cannot_close_without_any_score(ningbo):
    session, _entries, _panel, organizer = session_with(ningbo, entries=1, status="live")
    slot = _open_first(session, organizer)
    with pytest.raises(ValidationFailed, match="还没有评委提交评分"):
        services.close_slot(slot=slot, by=organizer, reason="无人评分")


def test_the_named_chair_runs_the_stage_but_cannot_finish(ningbo):
    chair = user("chair")
    session, _entries, panel, _organizer = session_with(ningbo, entries=1, status="live", chair=chair)
    slot = selectors.slots(session).first()
    services.open_slot(slot=slot, by=chair)
    score_all(slot, panel, [80, 80, 80, 80, 80])
    with pytest.raises(NotFound):
        services.finish_session(session=session, by=chair)


def test_a_judge_cannot_act_as_chair(ningbo):
    session, _entries, panel, _organizer = session_with(ningbo, entries=1, status="live")
    with pytest.raises(NotFound):
        services.open_slot(slot=selectors.slots(session).first(), by=panel[0].user)


def test_absent_slot_is_skipped_and_finish_needs_every_slot_done(ningbo):
    session, _entries, panel, organizer = session_with(ningbo, entries=2, status="live")
    first, second = selectors.slots(session)
    services.open_slot(slot=first, by=organizer)
    score_all(first, panel, [80, 81, 82, 83, 84])
    with pytest.raises(Conflict, match="还有 1 个项目未亮分或标记缺席（出场序号 2）。"):
        services.finish_session(session=session, by=organizer)
    services.mark_slot_absent(slot=second, by=organizer, reason="未到场")
    services.finish_session(session=session, by=organizer)
    session.refresh_from_db()
    assert session.status == SessionStatus.FINISHED
    assert [r.slot.pk for r in selectors.session_ranking(session)] == [first.pk]


def test_every_write_bumps_the_version(ningbo):
    session, _entries, panel, organizer = session_with(ningbo, entries=1, status="live")
    before = RoadshowSession.objects.get(pk=session.pk).version
    slot = _open_first(session, organizer)
    services.submit_live_score(slot=slot, by=panel[0].user, score="80")
    services.start_timer(session=session, segment=0, by=organizer)
    assert RoadshowSession.objects.get(pk=session.pk).version == before + 3


# -- corrections -------------------------------------------------------------------------------------


def test_correction_recomputes_the_result_and_is_audited(ningbo):
    session, _entries, panel, organizer = session_with(ningbo, entries=1, status="live")
    slot = _open_first(session, organizer)
    score_all(slot, panel, ["80", "90", "85", "70", "95"])
    score = LiveScore.objects.get(slot=slot, judge__seat=2)
    correction = services.correct_live_score(score=score, new_score="60", reason="评委 2 误按", by=organizer)
    slot.refresh_from_db()
    score.refresh_from_db()
    assert (correction.old_score, correction.new_score, correction.reason) == (Decimal("90.00"), Decimal("60.00"),
                                                                               "评委 2 误按")  # fmt: skip
    assert (score.score, score.corrected) == (Decimal("60.00"), True)
    assert slot.result == Decimal("78.33")  # 80, 85, 70 after dropping 60 and 95
    record = AuditRecord.objects.get(action="finals.score.corrected")
    assert Decimal(record.data["old_result"]) == Decimal("85.00")
    assert Decimal(record.data["new_result"]) == Decimal("78.33")


def test_correction_needs_a_reason_and_the_chair(ningbo):
    session, _entries, panel, organizer = session_with(ningbo, entries=1, status="live")
    slot = _open_first(session, organizer)
    services.submit_live_score(slot=slot, by=panel[0].user, score="80")
    score = LiveScore.objects.get()
    with pytest.raises(ValidationFailed, match="请填写更正理由。"):
        services.correct_live_score(score=score, new_score="70", reason="", by=organizer)
    with pytest.raises(NotFound):
        services.correct_live_score(score=score, new_score="70", reason="误按", by=panel[0].user)
    assert ScoreCorrection.objects.count() == 0


def test_correction_is_refused_once_the_session_is_finished(ningbo):
    session, _entries, panel, organizer = session_with(ningbo, entries=1, status="live")
    slot = _open_first(session, organizer)
    score_all(slot, panel, [80, 81, 82, 83, 84])
    services.finish_session(session=session, by=organizer)
    with pytest.raises(Conflict, match="不能更正评分"):
        services.correct_live_score(
            score=LiveScore.objects.first(), new_score="70", reason="误按", by=organizer
        )


def test_correction_to_the_same_value_is_refused(ningbo):
    session, _entries, panel, organizer = session_with(ningbo, entries=1, status="live")
    slot = _open_first(session, organizer)
    services.submit_live_score(slot=slot, by=panel[0].user, score="80")
    with pytest.raises(ValidationFailed, match="新分数与原分数相同。"):
        services.correct_live_score(
            score=LiveScore.objects.get(), new_score="80.00", reason="核对", by=organizer
        )


# -- the stage timer ---------------------------------------------------------------------------------


def test_timer_starts_pauses_resumes_and_resets(ningbo):
    session, _entries, _panel, organizer = session_with(ningbo, entries=1, status="live")
    with time_machine.travel(STARTS, tick=False) as clock:
        services.start_timer(session=session, segment=0, by=organizer)
        clock.shift(timedelta(seconds=90))
        services.pause_timer(session=session, by=organizer)
        session.refresh_from_db()
        assert (session.timer_segment, session.timer_started_at, session.timer_elapsed_ms) == (
            0,
            None,
            90_000,
        )
        services.start_timer(session=session, segment=0, by=organizer)
        clock.shift(timedelta(seconds=10))
        services.pause_timer(session=session, by=organizer)
        session.refresh_from_db()
        assert session.timer_elapsed_ms == 100_000
        services.start_timer(session=session, segment=1, by=organizer)
        session.refresh_from_db()
        assert (session.timer_segment, session.timer_elapsed_ms) == (1, 0)
        services.reset_timer(session=session, by=organizer)
        session.refresh_from_db()
        assert (session.timer_started_at, session.timer_elapsed_ms) == (None, 0)


def test_timer_refuses_an_unknown_segment(ningbo):
    session, _entries, _panel, organizer = session_with(ningbo, entries=1, status="live")
    with pytest.raises(ValidationFailed, match="请选择环节。"):
        services.start_timer(session=session, segment=5, by=organizer)


def test_pausing_a_stopped_timer_is_a_conflict(ningbo):
    session, _entries, _panel, organizer = session_with(ningbo, entries=1, status="live")
    with pytest.raises(Conflict, match="计时未在进行。"):
        services.pause_timer(session=session, by=organizer)


# -- ranking -----------------------------------------------------------------------------------------


def test_ranking_breaks_a_tie_on_the_highest_score_then_position(ningbo):
    session, _entries, panel, organizer = session_with(ningbo, entries=3, status="live")
    first, second, third = selectors.slots(session)
    for slot, scores in ((first, [80, 80, 80, 80, 80]), (second, [60, 80, 80, 80, 100]),
                         (third, [80, 80, 80, 80, 80])):  # fmt: skip
        services.open_slot(slot=slot, by=organizer)
        score_all(slot, panel, scores)
    rows = selectors.session_ranking(session)
    assert [(r.rank, r.slot.pk, r.result, r.decided_by, r.tied_on_result) for r in rows] == [
        (1, second.pk, Decimal("80.00"), "", False),
        (2, first.pk, Decimal("80.00"), "max", True),
        (3, third.pk, Decimal("80.00"), "position", True),
    ]
