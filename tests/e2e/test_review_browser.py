"""A judge on a phone signs in, opens an assigned entry, scores it with the live total in view and
submits; the organizer then publishes the round's advancement, and the judge's pages say so.

The organizer's part runs in the review console (/console/review/…): close, quota, stage, publish."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from contest.review import services
from contest.review.enums import RoundStatus
from tests.registration.factories import SHANGHAI
from tests.review.factories import expert, qualified_entries
from tests.review.judging import FULL, assignment_of, judging_round

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-Strong-2024"  # tests.registration.factories.user


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_judge_scores_on_a_phone_and_sees_the_result_published(
    live_server, ningbo, new_context, artifacts_dir
):
    entries, organizer = qualified_entries(ningbo, 2)
    judges = [expert(organizer, name="王芳", org="研究院甲"), expert(organizer, name="李强", org="研究院乙")]
    round_ = judging_round(ningbo, organizer, entries=entries, judges=judges,
                           pairs=[(0, 0), (1, 0), (0, 1), (1, 1)],
                           closes_at=datetime(2030, 9, 10, 18, 0, tzinfo=SHANGHAI))  # fmt: skip
    first = min((assignment_of(round_, e, judges[0]) for e in entries), key=lambda a: a.round_entry.code)
    code = first.round_entry.code
    page = new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    ).new_page()
    shots = iter(range(1, 100))

    def shot(name: str) -> None:
        assert no_horizontal_scroll(page), name
        page.screenshot(path=artifacts_dir / f"review-judge-{next(shots):02d}-{name}.png", full_page=True)

    # Sign in and land on the judge's workspace.
    page.goto(live_server.url + "/accounts/login/?next=/judge/")
    page.get_by_label("电子邮箱或手机号").fill(judges[0].user.email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/judge/$"))
    expect(page.locator(".judge-card__progress")).to_have_text("已提交 0 / 2 · 未评 2")
    expect(page.locator(".judge-card__deadline")).to_have_text("评审截止：2030-09-10 18:00（北京时间）")
    shot("home")

    # The round lists both entries by anonymous code.
    page.get_by_role("link", name="网络初评").click()
    page.wait_for_url(re.compile(rf"/judge/rounds/{round_.pk}/$"))
    expect(page.locator(".assignment__state")).to_have_text(["未评", "未评"])
    shot("round")

    # The entry: materials, then the form; the plan opens as the judge's stamped copy.
    page.locator(".assignment__link", has_text=code).click()
    page.wait_for_url(re.compile(rf"/judge/rounds/{round_.pk}/entries/{code}/$"))
    expect(page.locator("h1")).to_have_text(first.round_entry.entry.title)
    expect(page.locator("#sheet-status")).to_have_text("未评")
    plan = page.request.get(live_server.url + page.locator("#plan-link").get_attribute("href"))
    assert (plan.status, plan.headers["content-type"]) == (200, "application/pdf")
    assert "王芳 · 手机尾号" in PdfReader(io.BytesIO(plan.body())).pages[0].extract_text()
    shot("entry")

    # Scores typed one by one: the total follows, and says how many are missing.
    inputs = page.locator("input.score-input")
    expect(inputs).to_have_count(5)
    assert inputs.first.get_attribute("inputmode") == "decimal"
    page.get_by_label("技术创新（0–30 分）").fill("25")
    page.get_by_label("商业模式（0–20 分）").fill("15")
    expect(page.locator("#live-total")).to_have_text("40.00")
    expect(page.locator("#live-total-note")).to_have_text("还有 3 项未打分")
    page.get_by_label("市场前景（0–20 分）").fill("16")
    page.get_by_label("团队能力（0–20 分）").fill("17.5")
    page.get_by_label("财务与社会效益（0–10 分）").fill("8")
    expect(page.locator("#live-total")).to_have_text("81.50")
    expect(page.locator("#live-total-note")).to_have_text("")
    page.get_by_label("评语").fill("技术路线清晰，市场验证不足。")
    page.get_by_label("团队能力（0–20 分）").scroll_into_view_if_needed()
    shot("scoring")

    page.get_by_role("button", name="提交评分").click()
    page.wait_for_url(re.compile(rf"/judge/rounds/{round_.pk}/entries/{code}/$"))
    expect(page.locator(".messages li")).to_have_text("评分已提交。")
    expect(page.locator("#sheet-status")).to_have_text("已提交")
    expect(page.locator("#live-total")).to_have_text("81.50")
    expect(page.get_by_role("button", name="更新评分")).to_be_visible()
    shot("submitted")

    # The rest of the panel scores.
    other = next(assignment_of(round_, e, judges[0]) for e in entries if e.pk != first.round_entry.entry_id)
    services.save_sheet(by=judges[0].user, assignment=other, scores=FULL, submit=True)
    for e in entries:
        services.save_sheet(
            by=judges[1].user, assignment=assignment_of(round_, e, judges[1]), scores=FULL, submit=True
        )

    # The organizer, at a desk, closes the round, sets the quota, stages the cut line and publishes.
    desk = new_context(viewport={"width": 1280, "height": 900}).new_page()
    desk.goto(live_server.url + "/accounts/login/?next=" + reverse("review:advancement", args=[round_.pk]))
    desk.get_by_label("电子邮箱或手机号").fill(organizer.email)
    desk.get_by_label("密码").fill(PASSWORD)
    desk.get_by_role("button", name="登录").click()
    desk.wait_for_url(re.compile(rf"/console/review/rounds/{round_.pk}/advancement$"))
    desk.get_by_role("button", name="结束评审").click()
    expect(desk.get_by_role("status")).to_have_text("评审已结束。")
    quota = desk.locator("#quota-enterprise")
    quota.get_by_label("名额方式").select_option("count")
    quota.get_by_label("名额", exact=True).fill("1")
    quota.get_by_role("button", name="保存名额").click()
    expect(desk.get_by_role("status")).to_have_text("晋级名额已保存。")
    desk.get_by_role("button", name="暂存晋级决定").click()
    expect(desk.get_by_role("status")).to_have_text("已暂存 2 个晋级决定（其中晋级 1 个），发布前仍可修改。")
    desk.get_by_role("button", name="发布晋级结果").click()
    expect(desk.get_by_role("status")).to_have_text("晋级结果已发布：共 1 个项目晋级。")
    desk.screenshot(
        path=artifacts_dir / f"review-judge-{next(shots):02d}-organizer-published.png", full_page=True
    )
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PUBLISHED

    page.goto(live_server.url + "/judge/")
    expect(page.locator(".judge-card .status")).to_have_text("结果已发布")
    expect(page.locator(".judge-card__progress")).to_have_text("已提交 2 / 2")
    shot("published")
    page.get_by_role("link", name="网络初评").click()
    expect(page.locator("#round-status")).to_have_text("结果已发布")
    page.locator(".assignment__link", has_text=code).click()
    expect(page.locator("#phase")).to_have_text("本轮结果已发布，评分不能再修改。")
    expect(page.get_by_role("button", name="提交评分")).to_have_count(0)
    shot("published-entry")


def test_judge_peer_table_is_readable_on_a_375_px_phone(live_server, ningbo, new_context, artifacts_dir):
    entries, organizer = qualified_entries(ningbo, 1)
    judges = [expert(organizer, name=f"评委{c}", org=f"研究院{c}") for c in "ABC"]
    round_ = judging_round(ningbo, organizer, entries=entries, judges=judges, pairs=[(0, 0), (0, 1), (0, 2)],
                           judges_per_entry=3, judges_see_others=True)  # fmt: skip
    for judge in judges:
        services.save_sheet(by=judge.user, assignment=assignment_of(round_, entries[0], judge), scores=FULL,
                            submit=True)  # fmt: skip
    code = assignment_of(round_, entries[0], judges[0]).round_entry.code
    page = new_context(
        viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True
    ).new_page()
    page.goto(live_server.url + "/accounts/login/?next=/judge/")
    page.get_by_label("电子邮箱或手机号").fill(judges[0].user.email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/judge/$"))

    for path in (f"/judge/rounds/{round_.pk}/", f"/judge/rounds/{round_.pk}/entries/{code}/"):
        page.goto(live_server.url + path)
        assert no_horizontal_scroll(page), path
    table = page.locator("#peer-table")
    table.scroll_into_view_if_needed()
    page.screenshot(path=artifacts_dir / "review-judge-375.png", full_page=True)

    # every visible label (a criterion's name before its score, or the judge) sits on one or two lines
    line = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight) || 24")
    heights = page.evaluate(
        """() => [...document.querySelectorAll('#peer-table tbody th, #peer-table tbody td')]
              .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height > 0)
              .map(el => el.getBoundingClientRect().height)"""
    )
    assert len(heights) == 2 * 7  # two peers × (judge + five criteria + total)
    assert max(heights) <= 2 * line + 12, heights
    # the column headers give way to each score's own label: out of sight, not squeezed one character a line
    assert page.evaluate("document.querySelector('#peer-table thead').getBoundingClientRect().height") <= 1
    cells = page.locator("#peer-table tr.peer-row").first.locator("td")
    expect(cells.first).to_have_attribute("data-label", "技术创新")
    expect(cells.first).to_have_text("25.00")
    table_box = table.bounding_box()
    assert table_box["x"] + table_box["width"] <= 375
