"""Rows stored with instants at the ends of the calendar (year 1 and year 9999: saved before inputs were
bounded, or through the admin or SQL) never make a page or an API answer fail.

Every date-time column of the competition's models in the demo season is set directly through the ORM
(bypassing the services) to 0001-01-01 00:00 UTC or 9999-12-31 23:59 UTC; then every page each role
can reach is crawled, and the API's reads are fetched. Local time (+08:00) of the latter does not exist:
``localtime`` overflows, which is what these pages used to answer with a 500."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.template import Context, Template
from django.test import Client

from contest.accounts.models import User
from contest.accounts.tokens import issue_api_token
from contest.core.api import local
from contest.publicity.models import Notice, NoticeVersion

from ..crawl import ROLES, crawl

pytestmark = pytest.mark.integration

LOWEST = datetime(1, 1, 1, 0, 0, tzinfo=UTC)
HIGHEST = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
#: the apps whose rows the pages show (the audit chain, sessions and accounts are left as they are)
APPS = ("catalog", "registration", "review", "finals", "awards", "publicity", "packages", "portal")


def push_every_moment_to(moment: datetime) -> dict[str, int]:
    """Set every date-time column of ``APPS``' models to within minutes of ``moment`` (a minute apart,
    in the order the model declares them, so that a start stays before its end): rows per model."""
    changed = {}
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            fields = [f.name for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)]
            if not fields or not model._meta.managed:
                continue
            first = moment if moment.year == 1 else moment - timedelta(minutes=len(fields) - 1)
            values = {name: first + timedelta(minutes=i) for i, name in enumerate(fields)}
            # a plain queryset: append-only models (published notice versions) refuse updates through theirs
            changed[model._meta.label] = models.QuerySet(model).update(**values)
    return changed


@pytest.fixture
def demo_season(edition9):
    call_command("seed_demo", stdout=io.StringIO())


def site_pages(starts: tuple[str, ...]) -> tuple[str, ...]:
    """The site's own pages: Django's admin (``display_for_field``) is not covered here."""
    return tuple(start for start in starts if not start.startswith("/admin/"))


@pytest.mark.parametrize("moment", [pytest.param(LOWEST, id="year-1"), pytest.param(HIGHEST, id="year-9999")])
def test_no_page_fails_on_an_instant_at_either_end_of_the_calendar(demo_season, moment):
    changed = push_every_moment_to(moment)
    errors = {}
    for role, (username, starts) in ROLES.items():
        client = Client(raise_request_exception=False)  # every failing page, not only the first
        if username:
            client.force_login(User.objects.get(username=username))
        found = crawl(client, site_pages(starts)).server_errors
        errors[role] = [error for error in found if not error.split()[1].startswith("/admin/")]

    assert sum(changed.values()) > 100
    assert errors == {role: [] for role in ROLES}


#: the API's reads, with the list answers that give the ids of the detail reads
API_LISTS = ("/editions", "/events?limit=200", "/me/entries", "/me/enterprise", "/me/team", "/rounds",
             "/judge/assignments", "/finals/sessions", "/portal/summary", "/tokens")  # fmt: skip
API_DETAILS = {
    "/me/entries": ("/me/entries/{id}",),
    "/rounds": ("/rounds/{id}", "/rounds/{id}/ranking"),
    "/judge/assignments": ("/judge/assignments/{id}",),
    "/finals/sessions": ("/finals/sessions/{id}",),
    "/events?limit=200": ("/events/{id}", "/events/{id}/entries"),
}


def api_reads(client: Client, key: str) -> dict[str, int]:
    """Every read of the API a role reaches (details of the first three of each list): path → status."""
    headers = {"Authorization": f"Bearer {key}"}
    statuses = {}
    for path in API_LISTS:
        response = client.get(f"/api/v1{path}", headers=headers)
        statuses[path] = response.status_code
        rows = response.json() if response.status_code == 200 else []
        for row in rows[:3] if isinstance(rows, list) else []:
            for detail in API_DETAILS.get(path, ()):
                url = detail.format(id=row["id"])
                statuses[url] = client.get(f"/api/v1{url}", headers=headers).status_code
    return statuses


@pytest.mark.parametrize("moment", [LOWEST, HIGHEST], ids=["year-1", "year-9999"])
def test_no_api_read_fails_on_an_instant_at_either_end_of_the_calendar(demo_season, moment):
    push_every_moment_to(moment)
    failed, reads = {}, 0
    for role, (username, _starts) in ROLES.items():
        if username is None:
            continue
        statuses = api_reads(Client(raise_request_exception=False), issue_api_token(
            by=User.objects.get(username=username), name="extreme dates")[1])  # fmt: skip
        reads += len(statuses)
        failed[role] = sorted(path for path, status in statuses.items() if status >= 500)

    assert reads > 60
    assert failed == {role: [] for role, (username, _starts) in ROLES.items() if username}


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (HIGHEST, "9999-12-31 23:59 UTC"),
        (LOWEST, "0001-01-01 08:05"),  # Shanghai's local mean time then: +08:05:43
        (datetime(2026, 3, 1, 1, 30, tzinfo=UTC), "2026-03-01 09:30"),
    ],
    ids=["year-9999", "year-1", "ordinary"],
)
def test_the_date_filter_shows_an_instant_local_time_cannot_hold_in_utc(value, shown):
    rendered = Template('{{ value|date:"Y-m-d H:i" }}').render(Context({"value": value}))

    assert rendered == shown


@pytest.mark.parametrize(
    ("template", "shown"),
    [
        ('{{ value|date:"c" }}', "9999-12-31T23:59:00+00:00"),
        ('{{ value|date:"U" }}', "253402300740"),
        ('{{ value|time:"H:i" }}', "9999-12-31 23:59 UTC"),
        ("{{ value|date }}", "9999-12-31 23:59 UTC"),
    ],
)
def test_a_format_a_program_reads_gets_the_utc_instant_in_that_format(template, shown):
    assert Template(template).render(Context({"value": HIGHEST})) == shown


def test_the_public_notice_shows_a_period_ending_in_year_9999_in_utc(demo_season):
    notice = Notice.objects.filter(status="published").first()
    models.QuerySet(NoticeVersion).filter(pk=notice.current_version_id).update(period_ends_at=HIGHEST)

    response = Client().get(f"/notices/{notice.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "— 9999-12-31 23:59 UTC（北京时间）" in " ".join(page.split())
    assert 'data-ends="9999-12-31T23:59:00+00:00"' in page


def test_the_api_shows_an_instant_local_time_cannot_hold_as_it_is():
    assert (local(HIGHEST), local(LOWEST).isoformat()) == (HIGHEST, "0001-01-01T08:05:43+08:05:43")
