"""Two-factor enrolment on a phone (375 px wide): an organizer signs in, is sent to enrolment, scans
(reads the secret shown for manual entry), confirms with a code, sees ten recovery codes once and
reaches the console; signing in again on another phone, a recovery code stands in for the code."""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import expect

from contest.accounts.enums import RoleKind
from contest.accounts.models import RecoveryCode, Role, TwoFactorDevice
from contest.catalog.models import Organization
from tests.registration.factories import user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-Strong-2024"  # tests.registration.factories.user
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/?next=/console/")
    page.get_by_label("电子邮箱或手机号").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_organizer_enrols_on_a_phone_and_later_signs_in_with_a_recovery_code(
    live_server, new_context, settings, artifacts_dir
):
    settings.TWO_FACTOR_REQUIRED = True  # tests/conftest.py turns it off for browser tests
    organizer = user()
    Role.objects.create(
        user=organizer,
        kind=RoleKind.ORGANIZER,
        organization=Organization.objects.create(name="宁波市中小企业服务中心"),
    )
    base = live_server.url

    page = new_context(**PHONE).new_page()
    sign_in(page, base, organizer.email)
    page.wait_for_url(re.compile(r"/accounts/two-factor/setup/\?next=%2Fconsole%2F$"))
    qr = page.locator("#totp-qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert 150 <= box["width"] <= 375
    assert fits_the_screen(page)
    page.screenshot(path=str(artifacts_dir / "two-factor-enrol-phone.png"), full_page=True)

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="完成绑定").click()
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(set(codes)) == 10
    assert fits_the_screen(page)
    page.get_by_role("link", name="我已保存，继续").click()
    page.wait_for_url(f"{base}/console/")
    assert TwoFactorDevice.objects.filter(user=organizer).count() == 1

    other = new_context(**PHONE).new_page()
    sign_in(other, base, organizer.email)
    other.wait_for_url(re.compile(r"/accounts/two-factor/verify/\?next=%2Fconsole%2F$"))
    other.get_by_role("link", name="手机不在身边？使用恢复码").click()
    other.get_by_label("恢复码").fill(codes[0])
    other.get_by_role("button", name="验证").click()
    other.wait_for_url(f"{base}/console/")
    expect(other.get_by_role("status")).to_contain_text("已使用一个恢复码登录，还剩 9 个。")
    assert RecoveryCode.objects.filter(user=organizer, used_at__isnull=True).count() == 9
