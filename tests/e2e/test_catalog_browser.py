"""A first-time visitor finds 深圳's regional event from the home page through the province filter."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHENZHEN = "第九届“创客中国”深圳市中小企业创新创业大赛"


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_visitor_finds_shenzhen_event_through_the_province_filter(
    live_server, edition9, new_context, artifacts_dir
):
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    stylesheets = []
    page.on(
        "response",
        lambda r: stylesheets.append((r.url, r.status)) if r.url.endswith(".css") else None,
    )

    page.goto(live_server.url + "/")

    assert page.locator("h1").inner_text() == "第九届“创客中国”中小企业创新创业大赛"
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert stylesheets == [(live_server.url + "/static/css/site.css", 200)]
    assert "PingFang SC" in page.evaluate("getComputedStyle(document.body).fontFamily")

    page.get_by_role("link", name="查看全部赛事").click()
    page.wait_for_url(re.compile(r"/editions/9/events/$"))
    assert page.locator("h1").inner_text() == "赛事列表"
    assert page.locator(".result-count").inner_text() == "共 50 场赛事"

    page.get_by_label("省份").select_option(label="广东省")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"province=440000"))

    assert page.locator(".result-count").inner_text() == "共 6 场赛事"
    assert page.locator("#tier-regional ~ .card-list .event-card__name").all_inner_texts() == [
        "第九届“创客中国”广东省中小企业创新创业大赛",
        SHENZHEN,
    ]
    page.screenshot(path=artifacts_dir / "catalog-guangdong-filter.png", full_page=True)

    page.get_by_role("link", name=SHENZHEN).click()
    page.wait_for_url(re.compile(r"/editions/9/events/\d+/$"))

    assert page.locator("h1").inner_text() == SHENZHEN
    registration = page.locator("#registration-heading ~ .reg-links li")
    assert registration.all_inner_texts() == ["大赛官网 www.cnmaker.org.cn"]
    link = page.get_by_role("link", name="www.cnmaker.org.cn")
    assert link.get_attribute("href") == "http://www.cnmaker.org.cn"
    assert link.get_attribute("target") == "_blank"
    assert page.locator(".registration-mode").inner_text() == "报名方式：本平台（大赛官网）报名"
    page.screenshot(path=artifacts_dir / "catalog-shenzhen.png", full_page=True)


def test_event_page_fits_a_phone_screen(live_server, edition9, new_context, artifacts_dir):
    context = new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()

    page.goto(live_server.url + "/editions/9/events/?province=440000")
    assert no_horizontal_scroll(page)
    page.get_by_role("link", name=SHENZHEN).click()
    page.wait_for_url(re.compile(r"/editions/9/events/\d+/$"))

    assert page.locator("h1").inner_text() == SHENZHEN
    assert no_horizontal_scroll(page)
    page.screenshot(path=artifacts_dir / "catalog-shenzhen-phone.png", full_page=True)

    page.set_viewport_size({"width": 375, "height": 812})
    for path in [
        "/",
        "/editions/9/events/",
        "/editions/9/mine/?province=650000&city=660000",
        "/organizations/",
    ]:
        page.goto(live_server.url + path)
        assert no_horizontal_scroll(page), path


def test_visitor_switches_to_english_and_back(live_server, edition9, new_context):
    page = new_context().new_page()
    page.goto(live_server.url + "/editions/9/events/")

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()

    assert page.locator("h1").inner_text() == "Events"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url == live_server.url + "/editions/9/events/"

    page.get_by_role("button", name="切换到简体中文").click()
    page.wait_for_load_state()

    assert page.locator("h1").inner_text() == "赛事列表"


def test_keyboard_user_can_skip_to_the_content(live_server, edition9, new_context):
    page = new_context().new_page()
    page.goto(live_server.url + "/")

    page.keyboard.press("Tab")

    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.inner_text() == "跳到主要内容"
    assert skip.bounding_box()["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
