"""What the hall and the notary read: the draw algorithm in plain words (never the code's
docstring), the finished session's big screen, the seats' progress and corrections on the big
screen, and the screens and the chair's page complete in English."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from contest.finals import draw as drawing
from contest.finals import selectors, services
from contest.finals.board import board_state
from contest.finals.draw_text import ALGORITHM_STEPS
from contest.finals.models import LiveScore

from .factories import score_all, session_with

pytestmark = pytest.mark.integration

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
DOCSTRING_SENTENCE = "Anyone can re-derive an order from what was announced in the hall"


def steps(language: str) -> list[str]:
    with translation.override(language):
        return [str(step) for step in ALGORITHM_STEPS]


def visible(html: str, start: str) -> str:
    """The page from ``start`` on, without scripts (their JSON is data, not text on the page)."""
    return re.sub(r"<script\b.*?</script>", "", html[html.index(start) :], flags=re.DOTALL)


def english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def without_data(text: str, session, *more: str) -> str:
    """``text`` without what organizers and entrants typed (names, titles, places, segments)."""
    words = [session.name, session.venue, *(s["label"] for s in session.segments), *more]
    for slot in selectors.slots(session):
        words += [slot.entry.title, slot.entry.entrant_name, slot.entry.group.name]
    for word in sorted(set(words), key=len, reverse=True):
        text = text.replace(word, "")
    return text


# -- the draw algorithm ------------------------------------------------------------------------------


def test_draw_tab_describes_the_algorithm_in_numbered_chinese_steps(ningbo, client):
    session, _entries, _panel, organizer = session_with(ningbo, entries=3, status="drawn")
    client.force_login(organizer)

    html = client.get(reverse("finals_console:session_draw", args=[session.pk])).content.decode()

    listed = re.search(r'<ol class="finals-algorithm" id="draw-algorithm">(.*?)</ol>', html, re.DOTALL)
    items = [unescape(item) for item in re.findall(r"<li>(.*?)</li>", listed.group(1), re.DOTALL)]
    assert items == steps("zh-hans")
    assert "``" not in html
    assert DOCSTRING_SENTENCE not in html
    assert "SHA-256" in steps("zh-hans")[2]


def test_draw_tab_in_english_describes_the_algorithm_in_english(ningbo, client):
    session, _entries, _panel, organizer = session_with(ningbo, entries=3, status="drawn")
    client.force_login(organizer)
    english(client)

    html = client.get(reverse("finals_console:session_draw", args=[session.pk])).content.decode()

    listed = re.search(r'<ol class="finals-algorithm" id="draw-algorithm">(.*?)</ol>', html, re.DOTALL)
    items = [unescape(item) for item in re.findall(r"<li>(.*?)</li>", listed.group(1), re.DOTALL)]
    assert items == steps("en")
    assert items[0].startswith("Entry list: take the registration numbers")
    assert [CJK.findall(item) for item in items] == [[]] * len(ALGORITHM_STEPS)
    assert "``" not in html


def test_algorithm_steps_name_what_the_code_computes():
    zh = "".join(steps("zh-hans"))
    assert f"“{drawing.ALGORITHM}”" in zh
    assert "2⁶⁴ − (2⁶⁴ mod (i+1))" in zh  # the rejection bound of draw.draw
    assert "8 字节大端" in zh  # the counter and the integers of draw._stream
    assert "manage.py verify_draw" in zh
    assert len(steps("en")) == len(steps("zh-hans")) == 7


def test_report_pdf_describes_the_algorithm_in_chinese_without_the_docstring(ningbo, client):
    session, _entries, _panel, organizer = session_with(ningbo, entries=2, status="drawn")
    client.force_login(organizer)
    english(client)  # the report is one Chinese document whoever downloads it

    response = client.get(reverse("finals_console:session_report", args=[session.pk]))

    pages = PdfReader(io.BytesIO(response.content)).pages
    flat = re.sub(r"\s+", "", "".join(page.extract_text() for page in pages))
    for step in steps("zh-hans"):
        assert re.sub(r"\s+", "", step) in flat
    assert "``" not in flat
    assert re.sub(r"\s+", "", DOCSTRING_SENTENCE) not in flat
    assert "Entrylist" not in flat


# -- the big screen ------------------------------------------------------------------------------------


def finished_session(ningbo):
    session, _, panel, organizer = session_with(
        ningbo, entries=3, judges=5, status="live", aggregation="mean"
    )
    first, second, third = selectors.slots(session)
    for slot, scores in ((first, ["70"] * 5), (second, ["90"] * 5)):
        services.open_slot(slot=slot, by=organizer)
        score_all(slot, panel, scores)
    services.correct_live_score(score=LiveScore.objects.get(slot=first, judge__seat=1), new_score=Decimal("75"),
                                reason="评委口误，当场更正", by=organizer)  # fmt: skip
    services.mark_slot_absent(slot=third, by=organizer, reason="项目方未到场")
    services.finish_session(session=session, by=organizer)
    session.refresh_from_db()
    return session, (first, second, third), organizer


def test_board_state_of_a_finished_session_carries_the_final_ranking(ningbo):
    session, (first, second, _third), _organizer = finished_session(ningbo)

    with translation.override("zh-hans"):
        state = board_state(session)

    assert (state["session"]["status"], state["session"]["status_label"]) == ("finished", "已结束")
    assert [(r["rank"], r["title"], r["entrant"], r["result"], r["corrected"]) for r in state["ranking"]] == [
        (1, second.entry.title, second.entry.entrant_name, "90.00", False),
        (2, first.entry.title, first.entry.entrant_name, "71.00", True),
    ]


def test_big_screen_of_a_finished_session_shows_the_final_ranking_and_no_timer(ningbo, client):
    session, (first, second, _third), _organizer = finished_session(ningbo)

    html = client.get(reverse("finals:screen", args=[session.pk])).content.decode()

    page = visible(html, '<div class="stage-viewport">')
    rows = re.findall(r'<tr class="final__row">(.*?)</tr>', page, re.DOTALL)
    cells = [[text for text in re.findall(r">([^<>]*)<", row) if text] for row in rows]
    assert cells == [
        ["1", second.entry.title, second.entry.entrant_name, "90.00"],
        ["2", first.entry.title, first.entry.entrant_name, "71.00", "*"],
    ]
    assert "最终排名" in page
    assert re.search(
        r'<p class="screen__legend" id="final-legend"><span class="mark">\*</span> 已更正</p>', page
    )
    assert 'id="final" aria-labelledby="final-heading" hidden' not in page
    for text in ("等待下一个项目", "计时未开始", "--:--", 'id="timer"', 'id="cur-title"', "实时排名"):
        assert text not in page
    assert '场次状态：<span id="session-status">已结束</span>' in page


def test_big_screen_of_a_live_session_keeps_the_final_ranking_hidden(ningbo, client):
    session, _, _panel, _organizer = session_with(ningbo, entries=2, judges=5, status="live")

    html = client.get(reverse("finals:screen", args=[session.pk])).content.decode()

    assert '<section class="screen__final" id="final" aria-labelledby="final-heading" hidden>' in html
    assert 'id="timer"' in html
    assert '<p class="screen__legend" id="ranking-legend" hidden>' in html


def test_big_screen_labels_name_the_seat_states_for_its_script(ningbo, client):
    session, _, _panel, _organizer = session_with(ningbo, entries=2, judges=5, status="live")

    response = client.get(reverse("finals:screen", args=[session.pk]))

    labels = response.context["labels"]
    assert (str(labels["seat_submitted"]), str(labels["seat_waiting"]), str(labels["corrected"])) == (
        "已提交",
        "待评",
        "已更正",
    )
    assert {k: str(v) for k, v in labels["slot_status"].items()} == {
        "waiting": "待上场", "open": "评分中", "closed": "已亮分", "absent": "缺席"}  # fmt: skip


# -- English -------------------------------------------------------------------------------------------


def test_big_screen_in_english_has_english_labels_only(ningbo, client):
    session, _slots, _organizer = finished_session(ningbo)
    english(client)

    response = client.get(reverse("finals:screen", args=[session.pk]))

    html = response.content.decode()
    page = visible(html, '<div class="stage-viewport">')
    assert "Final ranking" in page
    assert '<span id="session-status">Finished</span>' in page
    assert '<span class="mark">*</span> corrected</p>' in page
    assert CJK.findall(without_data(page, session)) == []
    labels = {k: v if isinstance(v, dict) else str(v) for k, v in response.context["labels"].items()}
    assert (labels["waiting"], labels["timer_idle"], labels["seat_submitted"], labels["seat_waiting"]) == (
        "Waiting for the next entry", "Timer not started", "Submitted", "Waiting")  # fmt: skip
    assert {k: str(v) for k, v in labels["session_status"].items()} == {
        "draft": "In preparation", "drawn": "Drawn", "live": "Live", "finished": "Finished"}  # fmt: skip
    assert [CJK.findall(str(v)) for v in labels.values() if not isinstance(v, dict)] == [[]] * (
        len(labels) - 2
    )


def test_live_big_screen_in_english_has_english_labels_only(ningbo, client):
    session, _, _panel, _organizer = session_with(ningbo, entries=2, judges=5, status="live")
    english(client)

    page = visible(client.get(reverse("finals:screen", args=[session.pk])).content.decode(),
                   '<div class="stage-viewport">')  # fmt: skip

    assert "Live ranking" in page
    assert CJK.findall(without_data(page, session)) == []


def test_chair_page_in_english_has_english_labels_only(ningbo, client):
    session, _, panel, organizer = session_with(ningbo, entries=2, judges=5, status="live")
    first = selectors.slots(session)[0]
    services.open_slot(slot=first, by=organizer)
    services.submit_live_score(slot=first, by=panel[0].user, score=Decimal("80"))
    client.force_login(organizer)
    english(client)

    html = client.get(reverse("finals:chair", args=[session.pk])).content.decode()

    page = visible(html, '<div id="stage"')
    assert '<span class="status status--live">Live</span>' in page
    assert '<span class="status status--open" id="current-status">Scoring</span>' in page
    assert "<td>Waiting</td>" in page
    assert CJK.findall(without_data(page, session)) == []


def test_judge_page_in_english_has_english_labels_only(ningbo, client):
    session, _, panel, organizer = session_with(ningbo, entries=2, judges=5, status="live")
    first = selectors.slots(session)[0]
    services.open_slot(slot=first, by=organizer)
    client.force_login(panel[0].user)
    english(client)

    html = client.get(reverse("finals:judge", args=[session.pk])).content.decode()

    page = visible(html, '<div id="stage"')
    assert '<span class="status status--open" id="slot-status">Scoring</span>' in page
    assert CJK.findall(without_data(page, session)) == []


def test_timer_page_in_english_has_english_labels_only(ningbo, client):
    session, _, _panel, organizer = session_with(ningbo, entries=2, judges=5, status="live")
    services.start_timer(session=session, segment=0, by=organizer)
    english(client)

    response = client.get(reverse("finals:timer", args=[session.pk]))

    page = visible(response.content.decode(), '<div class="stage-viewport">')
    labels = response.context["labels"]
    assert (str(labels["paused"]), str(labels["overtime"]), str(labels["next"])) == (
        "paused", "Overtime", "Next: %s")  # fmt: skip
    assert CJK.findall(without_data(page, session)) == []
