"""Accessibility in the real browser: axe-core (from npm, installed by scripts/setup.sh) on every kind
of page each role reaches in the demo season, at a phone's 375 px and a laptop's 1366 px. No serious
or critical violation is allowed."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from contest.accounts.models import User

from ..crawl import ROLES, crawl, pattern_of

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VIEWPORTS = {"phone": {"width": 375, "height": 812}, "laptop": {"width": 1366, "height": 768}}
BLOCKING = ("serious", "critical")
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""


def one_page_per_kind(paths: list[str], seen: set[str]) -> list[str]:
    """One page of each URL pattern not checked yet (by any role). Django's own admin is left out:
    its markup is Django's, not ours."""
    pages = []
    for path in paths:
        kind = pattern_of(path)
        if kind not in seen and not path.startswith("/admin/"):
            seen.add(kind)
            pages.append(path)
    return pages


def test_no_serious_accessibility_violation_on_any_page(live_server, new_context, edition9):
    assert AXE.exists(), "axe-core is missing: run `bash scripts/setup.sh` (it runs `npm ci`)"
    ARTIFACTS.mkdir(exist_ok=True)
    call_command("seed_demo", stdout=io.StringIO())
    violations: dict[str, list] = {}
    checked = 0
    seen: set[str] = set()
    for role, (username, starts) in ROLES.items():
        client = Client()
        if username:
            client.force_login(User.objects.get(username=username))
        pages = one_page_per_kind(crawl(client, starts, per_pattern=1).html_pages(), seen)
        cookies = []
        if username:
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            cookies = [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        for viewport_name, viewport in VIEWPORTS.items():
            # axe-core is injected as an inline script, which the site's CSP refuses: only the test
            # tool bypasses it (tests/e2e/test_csp_browser.py checks the pages under the real policy).
            context = new_context(viewport=viewport, bypass_csp=True)
            context.add_cookies(cookies)
            page = context.new_page()
            for path in pages:
                page.goto(live_server.url + path, wait_until="load")
                page.add_script_tag(path=str(AXE))
                found = [v for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]
                checked += 1
                if found:
                    violations[f"{role} {viewport_name} {path}"] = found
            context.close()

    (ARTIFACTS / "axe-violations.json").write_text(json.dumps(violations, ensure_ascii=False, indent=1))
    assert violations == {}
    assert checked >= 40
