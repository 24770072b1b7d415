"""An SME founder on a phone signs up, registers the enterprise, enters 宁波's event and submits;
the organizer returns it in the console; the founder revises, resubmits and sees it qualified."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from contest.registration.models import Entry, Submission
from tests.registration.factories import ENTRY, credit_code, organizer_for, pdf_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NINGBO = "第九届“创客中国”宁波市中小企业创新创业大赛"
PASSWORD = "Chuangke-2024!"


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_founder_registers_submits_revises_and_is_qualified_on_a_phone(
    live_server, ningbo, new_context, artifacts_dir, tmp_path
):
    page = new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    ).new_page()
    shots = iter(range(1, 100))

    def shot(name: str, on=None) -> None:
        on = on or page
        assert no_horizontal_scroll(on), name
        on.screenshot(path=artifacts_dir / f"registration-{next(shots):02d}-{name}.png", full_page=True)

    # Sign up with an e-mail address.
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="注册", exact=True).click()
    page.wait_for_url(re.compile(r"/accounts/signup/$"))
    page.get_by_label("电子邮箱或手机号").fill("Founder@Example.cn")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password_confirm").fill(PASSWORD)
    page.get_by_label("我已阅读并同意《个人信息保护政策》").check()
    shot("signup")
    page.get_by_role("button", name="注册").click()

    # Choose 企业 and fill the profile; the credit code's division appears for confirmation.
    page.wait_for_url(re.compile(r"/me/profile/$"))
    assert (
        page.locator(".messages li").inner_text().startswith("注册成功。验证邮件已发送到 founder@example.cn")
    )
    page.get_by_role("link", name=re.compile("^企业")).click()
    page.wait_for_url(re.compile(r"/me/profile/enterprise/$"))
    # A mistyped code, saved with the rest still empty: every error at once, summarised at the top.
    good_code = credit_code("330203")
    wrong_digit = "0" if good_code[-1] != "0" else "1"
    page.get_by_label("企业名称").fill("宁波创新科技有限公司")
    page.get_by_label("统一社会信用代码").fill(good_code[:-1] + wrong_digit)
    page.get_by_role("button", name="保存企业信息").click()
    summary = page.locator("#form-errors li")
    expect(summary.first).to_be_visible()
    assert summary.count() == page.locator(".field .field-error").count() > 3
    code_error = page.locator("#id_credit_code_error")
    assert "校验" in code_error.inner_text()
    shot("enterprise-errors")
    # Corrected, the code's stale error goes (beside the field and in the summary).
    page.get_by_label("统一社会信用代码").fill(good_code)
    expect(page.locator("#division-label")).to_have_text("登记地：浙江省 宁波市（330203）")
    expect(code_error).to_have_count(0)
    expect(page.locator('#form-errors a[href="#id_credit_code"]')).to_have_count(0)
    assert page.locator("#id_credit_code").get_attribute("aria-invalid") is None
    page.get_by_label("登记地正确").check()
    page.get_by_label("成立日期").fill("2020-05-01")
    page.get_by_label("所属行业").select_option("C")
    page.get_by_label("注册资本（万元）").fill("500")
    page.get_by_label("从业人数").fill("45")
    page.get_by_label("上年营业收入（万元）").fill("3200.5")
    page.get_by_label("联系人", exact=True).fill("张伟")
    page.get_by_label("联系人手机").fill("13812345678")
    shot("enterprise")
    page.get_by_role("button", name="保存企业信息").click()

    # The new entry suggests 宁波's regional event (not 浙江's).
    page.wait_for_url(re.compile(r"/me/entries/new/$"))
    assert page.locator(".suggestion__event").inner_text() == NINGBO
    assert page.get_by_label("参加的赛事").evaluate("s => s.options[s.selectedIndex].value") == str(ningbo.pk)
    page.get_by_label("项目名称").fill(ENTRY["title"])
    shot("new-entry")
    page.get_by_role("button", name="创建草稿").click()

    # Fill the draft, upload the business plan, save.
    page.wait_for_url(re.compile(r"/me/entries/\d+/$"))
    entry = Entry.objects.get(owner__username="founder@example.cn")
    assert page.locator(".deadline-line strong").inner_text() == "报名截止：2030-07-31 24:00（北京时间）"
    page.get_by_label("行业领域").select_option("I")
    for label, key in [("项目简介", "summary"), ("技术与创新", "innovation"), ("市场前景", "market"),
                       ("商业模式", "business_model"), ("团队情况", "team_description")]:  # fmt: skip
        page.get_by_label(label, exact=True).fill(ENTRY[key])
    for i, row in enumerate(ENTRY["finances"], start=1):
        page.locator(f"#id_finances-{i}-revenue").fill(row["revenue"])
        page.locator(f"#id_finances-{i}-profit").fill(row["profit"])
    plan = tmp_path / "计划书.pdf"
    plan.write_bytes(pdf_bytes(3))
    page.get_by_label("商业计划书（PDF）").set_input_files(plan)
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url(re.compile(r"/me/entries/\d+/$"))
    assert page.locator(".messages li").inner_text().startswith("草稿已保存")
    assert page.locator(".business-plan-name").inner_text() == "计划书.pdf"
    assert page.locator(".business-plan-meta").inner_text().startswith("3 页，")
    shot("draft")

    # Submit: the receipt shows the number, the time and the SHA-256.
    page.get_by_role("button", name="提交报名").click()
    page.wait_for_url(re.compile(r"/me/entries/\d+/receipts/\d+/$"))
    submission = Submission.objects.get(entry=entry)
    assert page.locator("h1").inner_text() == "报名提交回执"
    assert page.locator(".receipt-number").inner_text() == f"CK9-R30-{entry.pk:06d}-1"
    assert page.locator(".receipt-hash").inner_text() == submission.sha256
    assert page.get_by_role("button", name="打印回执").is_visible()
    shot("receipt")

    # The organizer, at a desk, returns it with a comment in the console.
    organizer = organizer_for(ningbo)
    desk = new_context(viewport={"width": 1280, "height": 900}).new_page()
    desk.goto(f"{live_server.url}/accounts/login/?next=/console/entries/{entry.pk}/")
    desk.get_by_label("电子邮箱或手机号").fill(organizer.email)
    desk.locator("#id_password").fill("pw-Strong-2024")
    desk.get_by_role("button", name="登录").click()
    desk.wait_for_url(re.compile(rf"/console/entries/{entry.pk}/$"))
    returning = desk.locator("form.review-action").filter(
        has=desk.locator("input[name=action][value=return]")
    )
    returning.locator("textarea").fill("请在市场前景中补充长三角以外的客户情况。")
    returning.get_by_role("button", name="退回修改").click()
    expect(desk.locator("#entry-status")).to_have_text("退回修改")
    shot("organizer-returns", on=desk)

    page.get_by_role("link", name="我的报名").click()
    page.wait_for_url(re.compile(r"/me/entries/$"))
    assert page.locator(".entry-card__status").inner_text().startswith("退回修改")
    page.get_by_role("link", name="继续填写").click()
    assert page.locator(".organizer-comment__text").inner_text() == "请在市场前景中补充长三角以外的客户情况。"
    shot("returned")
    page.get_by_label("市场前景", exact=True).fill("长三角、珠三角及东南亚电子制造企业")
    page.get_by_role("button", name="重新提交").click()
    page.wait_for_url(re.compile(r"/me/entries/\d+/receipts/\d+/$"))
    assert page.locator(".receipt-number").inner_text() == f"CK9-R30-{entry.pk:06d}-2"

    # The organizer qualifies it; the entrant sees the final status.
    entry.refresh_from_db()
    assert (entry.status, entry.market) == ("resubmitted", "长三角、珠三角及东南亚电子制造企业")
    desk.reload()
    desk.locator("form.review-action").filter(
        has=desk.locator("input[name=action][value=qualify]")
    ).get_by_role("button", name="资格审查通过").click()
    expect(desk.locator("#entry-status")).to_have_text("资格审查通过")
    page.get_by_role("link", name="返回报名").click()
    page.wait_for_url(re.compile(r"/me/entries/\d+/$"))
    assert page.locator("#entry-status").inner_text() == "资格审查通过"
    assert page.locator(".withdraw-link").count() == 0
    shot("qualified")
