"""Every page reachable from the navigation, as every role sees the demo season, answers without a
server error, and every link on it resolves (no 4xx behind a link the site itself shows)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from contest.accounts.models import User

from .crawl import ROLES, crawl

pytestmark = pytest.mark.integration


@pytest.fixture
def demo_season(edition9):
    call_command("seed_demo", stdout=io.StringIO())


def test_every_page_answers_and_every_link_resolves_for_every_role(demo_season):
    problems, pages = {}, {}
    for role, (username, starts) in ROLES.items():
        client = Client()
        if username:
            client.force_login(User.objects.get(username=username))
        result = crawl(client, starts)
        problems[role] = result.server_errors + result.broken_links
        pages[role] = len(result.html_pages())

    assert problems == {role: [] for role in ROLES}
    assert all(count >= 3 for count in pages.values()), pages
