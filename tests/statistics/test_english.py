"""The statistics dashboard and its downloads in English: titles, series, headers, labels."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from .season import build_season
from .test_views import bar_labels, chart_url, section

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def season(ningbo):
    return build_season(ningbo)


@pytest.fixture
def english(client, season):
    client.force_login(season.secretariat)
    client.cookies["django_language"] = "en"
    return client


def headers(html: str, slug: str) -> list[str]:
    return re.findall(r'<th scope="col">([^<]*)</th>', section(html, slug))


def test_dashboard_in_english_titles_series_and_headers(english):
    html = english.get(reverse("statistics:dashboard")).content.decode()

    assert ">Registrations by province</a></h2>" in html
    assert 'aria-label="Registrations over time (daily)"' in html
    assert 'aria-label="Registrations over time (cumulative)"' in html
    assert '<text class="legend" x="' in html
    legends = re.findall(r'<text class="legend"[^>]*>([^<]*)</text>', section(html, "timeline"))
    assert legends == ["Created", "Submitted", "Created, cumulative", "Submitted, cumulative"]
    assert headers(html, "timeline") == [
        "Date", "Entries created", "Entries submitted", "Created, cumulative", "Submitted, cumulative"
    ]  # fmt: skip
    assert headers(html, "funnel") == ["Stage", "Entries", "Of registrations (%)", "Of previous stage (%)"]
    assert headers(html, "review") == [
        "Review rounds", "Event", "Stage", "Status", "Entries", "Assignments", "Score sheets submitted",
        "Completion (%)", "Judges finished", "Judges with assignments",
    ]  # fmt: skip


def test_dashboard_in_english_category_labels(english):
    html = english.get(reverse("statistics:dashboard")).content.decode()

    assert bar_labels(section(html, "groups")) == ["Enterprise group", "Maker group"]
    assert bar_labels(section(html, "statuses")) == [
        "Draft", "Submitted", "Returned for changes", "Resubmitted", "Qualified", "Disqualified", "Withdrawn"
    ]  # fmt: skip
    assert bar_labels(section(html, "funnel"))[0].startswith("Registered (created)")


def test_dashboard_in_english_charts_show_no_chinese_labels(english):
    from contest.catalog.models import Division, Event
    from contest.review.models import ReviewRound

    html = english.get(reverse("statistics:dashboard")).content.decode()
    charts = "".join(re.findall(r'<section class="stat-card".*?</section>', html, re.S))
    # Data may stay Chinese: names of events, provinces and review rounds (bar labels are
    # shortened with “…”, so drop those texts and check the group and status bars above).
    charts = re.sub(r'<text class="label"[^>]*>[^<]*</text>', "", charts)
    charts = re.sub(r'font-family="[^"]*"', "", charts)
    names = [
        *Event.objects.values_list("name", flat=True),
        *ReviewRound.objects.values_list("name", flat=True),
    ]
    names += Division.objects.values_list("name", flat=True)
    for name in sorted(names, key=len, reverse=True):
        charts = charts.replace(name, "")

    assert HAN.findall(charts) == []


def test_chart_downloads_in_english_have_english_headers(english):
    book = load_workbook(io.BytesIO(english.get(chart_url("groups", format="xlsx")).content))
    rows = list(book.active.iter_rows(values_only=True))
    text = english.get(chart_url("groups", format="csv")).content.decode("utf-8-sig")

    assert rows[1][0].startswith("Exported: ")
    assert rows[1][0].endswith(" (Beijing time)")
    assert rows[3] == ("Group", "Entries")
    assert rows[4:] == [("Enterprise group", 6), ("Maker group", 1)]
    assert list(csv.reader(io.StringIO(text))) == [
        ["Group", "Entries"],
        ["Enterprise group", "6"],
        ["Maker group", "1"],
    ]
