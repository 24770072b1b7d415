"""The statistics dashboard in a browser: every chart drawn from the site itself (no CDN), legible on
a phone without sideways scrolling, and each one downloadable as Excel."""

from __future__ import annotations

import io
import re
from urllib.parse import urlparse

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from contest.statistics.dashboard import CHARTS

from ..statistics.season import build_season

pytestmark = pytest.mark.e2e
PASSWORD = "pw-Strong-2024"  # tests.registration.factories.user


def test_dashboard_draws_every_chart_from_the_site_on_a_phone_and_a_desktop(
    live_server, ningbo, new_context, artifacts_dir
):
    season = build_season(ningbo)
    server = urlparse(live_server.url).netloc
    hosts: set[str] = set()
    page = new_context(
        viewport={"width": 375, "height": 812}, is_mobile=True, device_scale_factor=2
    ).new_page()
    page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))

    page.goto(live_server.url + "/accounts/login/?next=/console/stats/")
    page.get_by_label("电子邮箱或手机号").fill(season.secretariat.email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/console/stats/$"))

    cards = page.locator("section.stat-card")
    expect(cards).to_have_count(len(CHARTS))
    expect(page.locator("section.stat-card:not(:has(svg[role=img]))")).to_have_count(0)
    expect(page.locator("#chart-timeline svg[role=img]")).to_have_count(2)  # daily and cumulative
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.screenshot(path=artifacts_dir / "statistics-01-phone.png", full_page=True)

    link = page.locator("#chart-funnel a", has_text="下载 Excel")
    workbook = page.request.get(live_server.url + link.get_attribute("href").replace("&amp;", "&"))
    assert workbook.status == 200
    assert workbook.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(workbook.body()), read_only=True).active
    assert next(sheet.iter_rows(values_only=True))[0] is not None

    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    expect(page.locator("section.stat-card svg[role=img]")).to_have_count(len(CHARTS) + 1)
    page.screenshot(path=artifacts_dir / "statistics-02-desktop.png", full_page=True)
    assert hosts == {server}
