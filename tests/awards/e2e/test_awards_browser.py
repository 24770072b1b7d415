"""Awards in a browser: the organizer generates certificates; the entrant finds theirs on a phone
and opens its verification page; a stranger types a code. Screenshots go to the artifacts."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from contest.awards import codes, services
from contest.awards.models import Certificate
from tests.awards.builders import confirmed_awards

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-Strong-2024"  # tests.registration.factories.user
PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "is_mobile": True}


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def sign_in(page, base: str, user, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.get_by_label("电子邮箱或手机号").fill(user.email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(next_url) + "$"))


def test_certificates_from_the_console_to_the_entrants_phone(live_server, ningbo, new_context, artifacts_dir):
    awards, organizer = confirmed_awards(ningbo, ["一等奖", "二等奖"])
    entrant = awards[0].entry.owner

    # The organizer generates the group's certificates and sees the batch finish.
    desk = new_context(viewport={"width": 1280, "height": 900}).new_page()
    table = reverse("awards_console:table", args=[ningbo.pk, "enterprise"])
    sign_in(desk, live_server.url, organizer, table)
    desk.get_by_role("button", name="生成证书").click()
    desk.wait_for_url(re.compile(r"/certificates/batches/\d+/$"))
    expect(desk.locator("#batch-status")).to_have_text("已完成")
    expect(desk.locator("#batch-count")).to_have_text("2/2")
    desk.screenshot(path=artifacts_dir / "awards-01-batch.png", full_page=True)
    certificate = Certificate.objects.get(award=awards[0])
    assert certificate.verify_url == f"{live_server.url}/certificates/verify/{certificate.code}/"

    # The entrant, on a phone, finds the certificate and opens its verification page.
    phone = new_context(**PHONE).new_page()
    sign_in(phone, live_server.url, entrant, "/certificates/mine/")
    expect(phone.locator("#my-certificates .panel")).to_have_count(1)
    assert no_horizontal_scroll(phone)
    phone.screenshot(path=artifacts_dir / "awards-02-mine-phone.png", full_page=True)
    phone.get_by_role("link", name="核验页").click()
    phone.wait_for_url(re.compile(rf"/certificates/verify/{certificate.code}/$"))
    expect(phone.locator("#verify-result")).to_have_text("有效：此证书由本平台签发。")
    expect(phone.locator(".verify-hash")).to_have_text(certificate.sha256)
    assert no_horizontal_scroll(phone)
    phone.screenshot(path=artifacts_dir / "awards-03-verify-phone.png", full_page=True)

    # Revoked: the same page says so, with the reason.
    services.revoke_award(by=organizer, award=awards[0], reason="经复核，申报材料不实")
    phone.reload()
    expect(phone.locator("#verify-result")).to_have_text("已作废：经复核，申报材料不实")
    phone.screenshot(path=artifacts_dir / "awards-04-revoked-phone.png", full_page=True)


def test_a_stranger_types_a_code_on_a_phone(live_server, ningbo, new_context, artifacts_dir):
    awards, organizer = confirmed_awards(ningbo, ["三等奖"])
    certificate = services.issue_certificate(by=organizer, award=awards[0], site_url=live_server.url)
    page = new_context(**PHONE).new_page()

    page.goto(live_server.url + reverse("awards:verify_form"))
    page.get_by_label("核验码").fill(codes.display(certificate.code).lower())
    page.get_by_role("button", name="核验").click()

    page.wait_for_url(re.compile(rf"/certificates/verify/{certificate.code}/$"))
    expect(page.locator("#verify-result")).to_have_text("有效：此证书由本平台签发。")
    assert no_horizontal_scroll(page)

    unknown = codes.new_code()
    response = page.goto(live_server.url + reverse("awards:verify", args=[unknown]))
    assert response.status == 404
    expect(page.locator("#verify-result")).to_contain_text("没有与此核验码对应的证书")
    assert no_horizontal_scroll(page)
    page.screenshot(path=artifacts_dir / "awards-05-unknown-phone.png", full_page=True)
