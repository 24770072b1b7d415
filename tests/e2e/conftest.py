"""Browser fixtures: Debian's chromium driven by Playwright's sync API (never `playwright install`)."""

from __future__ import annotations

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser():
    """One browser per test, stopped before the test's database teardown.

    While Playwright's sync API runs, the test thread has a running event loop and Django's
    ``connections`` (an asgiref ``Local``) hands out other connection objects; a browser kept
    for the whole session would leak that into every later test.
    """
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            # Database work the test did while Playwright's loop ran went through connections
            # bound to that loop's context; close them here, inside it, or PostgreSQL refuses to
            # drop the test database at the end ("being accessed by other users").
            connections.close_all()


@pytest.fixture(autouse=True)
def divisions(transactional_db):
    """The divisions a migration loads, reloaded if an earlier transactional test flushed them.

    Browser tests need ``transactional_db`` (the live server runs in another thread), and
    every transactional test ends with a flush that empties tables filled by data migrations.
    """
    from contest.catalog.divisions import load_divisions
    from contest.catalog.models import Division

    if not Division.objects.exists():
        load_divisions(Division)


@pytest.fixture
def new_context(browser):
    """Contexts of a first-time visitor whose browser asks for Simplified Chinese."""
    contexts = []

    def make(**kwargs):
        kwargs.setdefault("locale", "zh-CN")
        kwargs.setdefault("timezone_id", "Asia/Shanghai")
        context = browser.new_context(**kwargs)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
