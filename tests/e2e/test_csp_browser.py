"""In Chromium, under the Content-Security-Policy (contest.core.security): the pages whose scripts
moved out of their templates still work (the rubric's weight sum, the draw's confirmation), and the
public pages, the API docs (Swagger UI) and the admin report no policy violation and no error."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from contest.catalog.models import Event
from contest.finals.models import RoadshowSession
from tests.finals.factories import session_with
from tests.registration.factories import superuser

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-Strong-2024"  # tests.registration.factories.user


class ConsoleWatch:
    """Console messages and page errors of every page in a browser context."""

    def __init__(self, context):
        self.messages: list[str] = []
        context.on("page", self.watch)

    def watch(self, page) -> None:
        page.on("console", lambda message: self.messages.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.messages.append(f"pageerror: {error}"))

    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m or "Permissions-Policy" in m]

    def errors(self) -> list[str]:
        return [m for m in self.messages if m.startswith(("error:", "pageerror:"))]


def sign_in(page, base: str, email: str, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.get_by_label("电子邮箱或手机号").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(next_url) + "$"))


def test_browser_pages_work_without_csp_violations(live_server, ningbo, new_context):
    session, _, _, organizer = session_with(ningbo, entries=2, judges=5, status="draft")
    admin = superuser()
    base = live_server.url
    context = new_context()
    watch = ConsoleWatch(context)
    page = context.new_page()

    # Public pages and the API docs (Swagger UI, its own scripts and styles).
    page.goto(base + "/")
    page.goto(base + "/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("API")
    expect(page.locator(".opblock").first).to_be_visible()

    # The review console's round form: the weights' sum follows the typing (review/rubric_weights.js).
    sign_in(page, base, organizer.email, reverse("review:round_create"))
    weights = page.locator("#rubric input[name$='-weight']")
    for i in range(weights.count()):
        weights.nth(i).fill({0: "60", 1: "40"}.get(i, ""))
    expect(page.locator("#weight-sum")).to_have_text("100")

    # The draw asks first (js/confirm.js): "cancel" keeps the session a draft, "OK" draws.
    draw_url = reverse("finals_console:session_draw", args=[session.pk])
    page.goto(base + draw_url)
    page.get_by_label("现场读出的数值").fill("38 17 05")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="抽签").click()
    page.wait_for_timeout(300)
    assert asked == ["抽签后项目和设置即固定，确定抽签？"]
    assert RoadshowSession.objects.get(pk=session.pk).status == "draft"
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="抽签").click()
    expect(page.locator("#draw-record")).to_be_visible()
    assert RoadshowSession.objects.get(pk=session.pk).status == "drawn"

    # The admin: sign-in, a change list, a change form with its widgets' scripts.
    admin_context = new_context()
    admin_watch = ConsoleWatch(admin_context)
    admin_page = admin_context.new_page()
    admin_page.goto(base + "/admin/login/")
    admin_page.locator("#id_username").fill(admin.username)
    admin_page.locator("#id_password").fill(PASSWORD)
    admin_page.locator("input[type=submit]").click()
    admin_page.wait_for_url(base + "/admin/")
    admin_page.goto(base + reverse("admin:catalog_event_changelist"))
    expect(admin_page.locator("#result_list")).to_be_visible()
    admin_page.goto(base + reverse("admin:core_auditrecord_changelist"))  # no actions: read-only
    expect(admin_page.locator("#result_list")).to_be_visible()
    event = Event.objects.filter(edition=ningbo.edition).order_by("pk").first()
    admin_page.goto(base + reverse("admin:catalog_event_change", args=[event.pk]))
    expect(admin_page.locator("#event_form")).to_be_visible()
    assert admin_page.evaluate(
        "typeof window.django === 'object' && typeof window.django.jQuery === 'function'"
    )

    violations = watch.csp_violations() + admin_watch.csp_violations()
    errors = watch.errors() + admin_watch.errors()
    assert violations == [], "\n".join(violations)
    assert errors == [], "\n".join(errors)
