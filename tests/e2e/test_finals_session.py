"""A whole roadshow entry in the hall: five judges score on their phones, the chair runs the stage
from a laptop, and the 1920×1080 big screen and the stage timer follow over server-sent events.

The draw is done (services); the chair opens entry 1 and starts the pitch timer on the chair's
page; each judge submits on the judge page; the big screen shows every judge's score, the two
dropped by the trimmed mean struck through, and the result — without being reloaded (a marker
set in the page survives). Reloaded, it shows the same. The notary's view, opened on its signed
link, refreshes itself to the result too. Screenshots go to the artifacts dir."""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from contest.finals import live, services
from contest.finals.models import LiveScore, RoadshowSession
from contest.finals.views.screens import notary_key
from tests.finals.factories import session_with

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-Strong-2024"  # tests.registration.factories.user
SCORES = ["80", "90", "85", "70", "95"]  # seat 4 (70) and seat 5 (95) are dropped: (80 + 90 + 85) / 3
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
SCREEN = {"viewport": {"width": 1920, "height": 1080}}


def sign_in(page, base: str, email: str, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.get_by_label("电子邮箱或手机号").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(next_url) + "$"))


def version_of(session) -> str:
    return str(RoadshowSession.objects.values_list("version", flat=True).get(pk=session.pk))


def test_a_session_runs_on_phones_and_the_big_screen(live_server, ningbo, new_context, artifacts_dir):
    session, _, panel, organizer = session_with(ningbo, entries=3, judges=5, status="drawn")
    services.start_session(session=session, by=organizer)
    first = session.slots.select_related("entry").get(position=1)
    base = live_server.url
    screen_url = reverse("finals:screen", args=[session.pk])
    judge_url = reverse("finals:judge", args=[session.pk])

    # The big screen and the stage timer, public, before anything happens.
    screen = new_context(**SCREEN).new_page()
    screen.goto(base + screen_url)
    expect(screen.locator("#connection")).to_have_text("实时")
    expect(screen.locator("#cur-title")).to_have_text("等待下一个项目")
    expect(screen.locator("#ranking-empty")).to_have_text("尚无亮分项目")
    screen.evaluate("window.__notReloaded = true")
    screen.screenshot(path=artifacts_dir / "finals-01-screen-before.png")
    timer = new_context(**SCREEN).new_page()
    timer.goto(base + reverse("finals:timer", args=[session.pk]))
    expect(timer.locator("#timer-clock")).to_have_text("--:--")
    # The notary follows on the signed link, without an account.
    notary = new_context(viewport={"width": 1280, "height": 900}).new_page()
    notary.goto(f"{base}{reverse('finals:notary', args=[session.pk])}?key={notary_key(session)}")
    expect(notary.locator("#draw-verification")).to_contain_text("重新验证：一致")
    expect(notary.locator("#connection")).to_have_text("实时")

    # The chair opens entry 1 and starts the pitch timer (opening an entry resets the timer).
    chair = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(chair, base, organizer.email, reverse("finals:chair", args=[session.pk]))
    chair.locator("#open-next").click()
    expect(chair.locator("#current-status")).to_have_text("评分中")
    chair.get_by_role("button", name="项目路演（480 秒）").click()
    expect(timer.locator("#timer")).to_have_attribute("data-running", "1")
    expect(timer.locator("#timer-label")).to_have_text("项目路演")
    expect(timer.locator("#timer-clock")).to_have_text(re.compile(r"^0[78]:\d\d$"))

    # The screen follows without a reload: entry 1 on stage, nobody has scored yet.
    expect(screen.locator("#cur-position")).to_have_text("第 1 位")
    expect(screen.locator("#cur-title")).to_have_text(first.entry.title)
    expect(screen.locator("#progress")).to_have_text("评分中 · 已提交 0 / 5")
    expect(screen.locator("#timer-label")).to_have_text("项目路演")

    # Five judges sign in on their phones and see the open entry.
    phones = []
    for expert in panel:
        phone = new_context(**PHONE).new_page()
        phone.on("dialog", lambda dialog: dialog.accept())  # 确认提交 … 分？
        sign_in(phone, base, expert.user.email, judge_url)
        expect(phone.locator("#slot-title")).to_have_text(first.entry.title)
        phones.append(phone)

    for i, (phone, score) in enumerate(zip(phones, SCORES, strict=True)):
        # Every phone reloads when the board moves; wait until this one shows the latest board.
        expect(phone.locator("#stage")).to_have_attribute("data-version", version_of(session))
        phone.locator("#score").fill(score)
        if i == 0:
            phone.screenshot(path=artifacts_dir / "finals-02-judge-phone-scoring.png", full_page=True)
        phone.get_by_role("button", name="提交评分").click()
        expect(phone.locator("#locked")).to_have_text(f"已提交：{score}.00")
        if i < len(phones) - 1:
            expect(screen.locator("#progress")).to_have_text(f"评分中 · 已提交 {i + 1} / 5")
            # which seats are in, never what they gave before the close
            expect(screen.locator("#judge-scores .seat__score")).to_have_text(
                ["已提交"] * (i + 1) + ["待评"] * (len(phones) - i - 1)
            )

    # The last submission closed the slot: every score, the dropped two struck, the result.
    expect(screen.locator("#result")).to_have_text("85.00")
    expect(screen.locator("#progress")).to_have_text("已亮分")
    seats = screen.locator("#judge-scores .seat")
    expect(seats.locator(".seat__score")).to_have_text(["80.00", "90.00", "85.00", "70.00", "95.00"])
    expect(seats).to_have_class([re.compile(r"^seat$")] * 3 + [re.compile(r"seat--dropped")] * 2)
    expect(screen.locator("#ranking .ranking__result")).to_have_text(["85.00"])
    assert screen.evaluate("window.__notReloaded === true")
    screen.screenshot(path=artifacts_dir / "finals-03-screen-after.png")
    expect(phones[0].locator(".stage-result")).to_have_text("最终得分 85.00")
    phones[0].screenshot(path=artifacts_dir / "finals-04-judge-phone-result.png", full_page=True)
    assert phones[0].evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    # The chair's page on a phone does not scroll sideways either.
    chair.set_viewport_size(PHONE["viewport"])
    chair.reload()
    assert chair.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    timer.screenshot(path=artifacts_dir / "finals-05-timer.png")
    slot_record = notary.locator(f"#slot-{first.pk}")
    expect(slot_record.locator(".notary-slot__result")).to_have_text("85.00")
    expect(slot_record.locator(".notary-score--dropped")).to_have_text(["70.00", "95.00"])
    notary.screenshot(path=artifacts_dir / "finals-07-notary.png", full_page=True)

    # A reload (or a dropped connection) shows the same board at once.
    screen.reload()
    expect(screen.locator("#result")).to_have_text("85.00")
    expect(screen.locator("#judge-scores .seat__score")).to_have_text(
        ["80.00", "90.00", "85.00", "70.00", "95.00"]
    )
    expect(screen.locator("#connection")).to_have_text("实时")
    screen.screenshot(path=artifacts_dir / "finals-06-screen-reloaded.png")

    # A corrected score is marked on the screen, with the legend, without a reload.
    screen.evaluate("window.__notReloaded = true")
    services.correct_live_score(score=LiveScore.objects.get(slot=first, judge__seat=1), new_score="82",
                                reason="评委口误，当场更正", by=organizer)  # fmt: skip
    expect(screen.locator("#result")).to_have_text("85.67")
    expect(screen.locator("#judge-scores .seat").first).to_have_class(re.compile(r"seat--corrected"))
    expect(screen.locator("#judge-scores .seat").first.locator(".seat__note")).to_have_text("已更正")
    expect(screen.locator("#ranking .ranking__result")).to_have_text(["85.67*"])
    expect(screen.locator("#ranking-legend")).to_be_visible()

    # The session ends: the screen switches to the final ranking, no timer and no waiting text.
    for slot in session.slots.filter(position__in=[2, 3]):
        services.mark_slot_absent(slot=slot, by=organizer, reason="项目方未到场")
    services.finish_session(session=session, by=organizer)
    expect(screen.locator("#final")).to_be_visible()
    expect(screen.locator("#final-ranking .final__row")).to_have_count(1)
    expect(screen.locator("#final-ranking .final__result")).to_have_text(["85.67*"])
    expect(screen.locator("#live-main")).to_be_hidden()
    expect(screen.locator("#session-status")).to_have_text("已结束")
    stage_text = screen.locator(".stage").inner_text()
    assert ("等待下一个项目" in stage_text, "计时未开始" in stage_text, "--:--" in stage_text) == (False,) * 3
    assert screen.evaluate("window.__notReloaded === true")
    screen.screenshot(path=artifacts_dir / "finals-08-screen-finished.png")

    # Close the pages, then let the server's event streams notice and end (each holds a thread
    # and, on PostgreSQL, a connection the test database must not keep at teardown).
    for page in [screen, timer, notary, chair, *phones]:
        page.context.close()
    deadline = time.monotonic() + 15
    while live.wsgi_streams() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert live.wsgi_streams() == 0
