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
    assert 'aria-label="Registration trend (daily)"' in html
    assert 'aria-label="Registration trend (cumulative)"' in html
    assert '<text class="legend" x="' in html
    legends = re.findall(r'<text class="legend"[^>]*>([^<]*)</text>', section(html, "timeline"))
    assert legends == ["Created", "Submitted", "Created, cumulative", "Submitted, cumulative"]
    assert headers(html, "timeline") == [
        "Date", "Entries created", "Entries submitted", "Created, cumulative", "Submitted, cumulative"
    ]  # fmt: skip
    assert headers(html, "funnel") == ["Stage", "Entries", "Of registrations (%)", "Of previous stage (%)"]
    assert headers(html, "review") == [
        "Review round", "Event", "Stage", "Status", "Entries", "Assignments", "Score sheets submitted",
        "Completion (%)", "Judges finished", "Judges with assignments",
    ]  # fmt: skip


def test_dashboard_in_english_category_labels(english):
    html = english.get(reverse("statistics:dashboard")).content.decode()

    assert bar_labels(section(html, "groups")) == ["Enterprise group", "Maker group"]
    assert bar_labels(section(html, "statuses")) == [
        "Draft", "Submitted", "Returned for changes", "Resubmitted", "Qualified", "Disqualified", "Withdrawn"
    ]  # fmt: skip
    assert bar_labels(section(html, "funnel"))[0].startswith("Registered (created)")


def test_dashboard_in_english_shows_no_chinese_outside_data(english, season):
    html = english.get(reverse("statistics:dashboard")).content.decode()
    # Data may stay Chinese: the edition's title, event, organisation, province and round names.
    for name in re.findall(r"第九届[^<\"·]*|[\u4e00-\u9fff]+(?:省|市|自治区)", html):
        html = html.replace(name, "")
    for data in ("网络初评", "评委", "研究院", "宁波", "天津", "浙江", "创客中国"):
        html = html.replace(data, "")
    html = re.sub(r'font-family="[^"]*"', "", html)

    assert HAN.findall(html) == []


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
