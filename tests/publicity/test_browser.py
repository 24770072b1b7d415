"""Someone on a phone (375 px) finds a list on notice, watches the countdown, verifies the phone
with a texted code, files an objection with a photo as evidence, keeps the receipt's tracking code
and looks the objection up."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from contest.core import sms
from contest.publicity.models import Objection

from .builders import advancement_round, file_verified, published_list

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def phone(restore_divisions):
    """A phone-sized page in Chinese and Beijing time (the browser is stopped before the database
    teardown; see tests/e2e/conftest.py for why the connections are closed inside its loop)."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                          locale="zh-CN", timezone_id="Asia/Shanghai")  # fmt: skip
            context.set_default_timeout(10_000)
            yield context.new_page()
            context.close()
        finally:
            browser.close()
            connections.close_all()


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_objection_filed_on_a_phone_and_looked_up(live_server, ningbo, phone, artifacts_dir, tmp_path):
    round_, best, organizer = advancement_round(ningbo, n=3, advance=2)
    notice = published_list(ningbo, organizer, round_=round_)
    page = phone
    shots = iter(range(1, 100))

    def shot(name: str) -> None:
        assert no_horizontal_scroll(page), name
        page.screenshot(path=artifacts_dir / f"publicity-{next(shots):02d}-{name}.png", full_page=True)

    page.goto(live_server.url + "/notices/")
    expect(page.locator("#section-open .pub-card")).to_have_count(1)
    shot("index")

    page.get_by_role("link", name=notice.title).click()
    page.wait_for_url(re.compile(rf"/notices/{notice.pk}/$"))
    expect(page.locator("#countdown")).to_have_text(re.compile(r"^4 天 23:59:\d\d$"))
    expect(page.locator("#rows tbody tr")).to_have_count(2)
    expect(page.locator("#version-hash")).to_have_text(notice.current_version.sha256)
    shot("detail")

    page.get_by_role("link", name="对名单提出异议").click()
    # step 1: the phone, verified by a texted code
    page.get_by_label("联系电话（手机号）").fill("110")
    page.get_by_role("button", name="获取短信验证码").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator("li")).to_have_text(["联系电话（手机号）：请输入有效的中国大陆手机号。"])
    summary.get_by_role("link", name="联系电话（手机号）：请输入有效的中国大陆手机号。").click()
    expect(page.get_by_label("联系电话（手机号）")).to_be_focused()
    page.get_by_label("联系电话（手机号）").fill("13812345678")
    page.get_by_role("button", name="获取短信验证码").click()
    expect(page.locator("#code-sent")).to_have_text("验证码已发送至 138****5678，10 分钟内有效。")
    code = re.search(r"验证码为 (\d{6})", sms.outbox[-1].text).group(1)
    shot("code-sent")
    # step 2: the code and the objection; every problem is listed at once
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="提交异议").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator("li")).to_have_text(["真实姓名：请填写真实姓名。", "异议理由：请填写异议理由。"])
    box = summary.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= 812  # seen without scrolling
    expect(page.locator(".field-error")).to_have_count(2)
    expect(page.locator("#phone-verified")).to_have_text("手机号已验证。")
    shot("form-errors")
    summary.get_by_role("link", name="真实姓名：请填写真实姓名。").click()
    expect(page.get_by_label("真实姓名")).to_be_focused()
    page.get_by_label("真实姓名").fill("李明")
    page.get_by_label("涉及项目（选填）").select_option(best[1].number)
    page.get_by_label("异议理由").fill("该项目的专利权属存在争议。")
    evidence = tmp_path / "证据.png"
    evidence.write_bytes(PNG)
    page.get_by_label("证据材料（选填，PDF、JPG 或 PNG，不超过 10 MB）").set_input_files(str(evidence))
    shot("form")
    page.get_by_role("button", name="提交异议").click()
    # a redirect keeps the fragment the summary's link left (#id_name)
    page.wait_for_url(re.compile(r"/notices/objections/receipt/(#id_name)?$"))
    objection = Objection.objects.get()
    expect(page.locator("#tracking-code")).to_have_text(objection.tracking_code)
    assert (objection.row_number, objection.evidence_content_type) == (best[1].number, "image/png")
    shot("receipt")

    page.get_by_role("link", name="查询处理进度").click()
    page.get_by_label("查询码").fill(objection.tracking_code)
    page.get_by_label("提交时填写的手机号").fill("138 1234 5678")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#objection-status")).to_have_text("待答复")
    shot("status")


def test_console_list_page_fits_a_phone(live_server, ningbo, phone, artifacts_dir):
    """/console/notices/<id>/ with two versions (long hashes) and a seven-column list at 375 px:
    the tables scroll inside their own boxes, the page itself never sideways."""
    from django.conf import settings
    from django.test import Client

    from contest.publicity import services

    from .builders import objection_data

    round_, _best, organizer = advancement_round(ningbo, n=3, advance=2)
    notice = published_list(ningbo, organizer, round_=round_)
    objection = file_verified(by=None, notice=notice, data=objection_data())
    services.answer_objection(by=organizer, objection=objection, status="upheld", response="属实。")
    services.publish_version(by=organizer, notice=notice, items=notice.current_version.items[:1],
                             reason="异议成立，删除第二行。", objections=[objection])  # fmt: skip
    client = Client()
    client.force_login(organizer)
    phone.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                                "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])  # fmt: skip

    phone.goto(f"{live_server.url}/console/notices/{notice.pk}/")
    expect(phone.locator("#versions tbody tr")).to_have_count(2)
    expect(phone.locator("#rows tbody tr")).to_have_count(1)
    phone.screenshot(path=artifacts_dir / "notice-console-375.png", full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
