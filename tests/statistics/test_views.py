"""The dashboard's pages and downloads: what they show, who may see them, how many queries."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from contest.statistics import selectors
from contest.statistics.dashboard import CHARTS
from contest.statistics.scope import stats_scope_for_user

from ..registration.factories import organizer_for, submitted_entry, superuser
from .season import build_season, secretariat_of

pytestmark = pytest.mark.integration
SLUGS = [c.slug for c in CHARTS]


@pytest.fixture
def season(ningbo):
    return build_season(ningbo)


def chart_url(slug: str, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("statistics:chart", args=[slug]) + (f"?{query}" if query else "")


def section(html: str, slug: str) -> str:
    match = re.search(rf'<section class="stat-card" id="chart-{slug}".*?</section>', html, re.S)
    assert match is not None, slug
    return match.group(0)


def bar_labels(svg: str) -> list[str]:
    return re.findall(r'<text class="label"[^>]*>([^<]*)</text>', svg)


def test_dashboard_shows_every_chart_with_a_table_and_downloads(client, season):
    client.force_login(season.secretariat)

    html = client.get(reverse("statistics:dashboard")).content.decode()

    assert re.findall(r'<section class="stat-card" id="chart-([a-z]+)"', html) == SLUGS
    assert html.count('role="img"') == len(SLUGS) + 1  # the timeline draws daily and cumulative
    assert html.count("<details") == len(SLUGS)
    for slug in SLUGS:
        part = section(html, slug)
        assert f"{chart_url(slug)}?edition=9&amp;format=xlsx" in part
    assert reverse("console:home") in html


def test_dashboard_bars_and_labels_match_the_numbers(client, season):
    client.force_login(season.secretariat)

    html = client.get(reverse("statistics:dashboard")).content.decode()

    provinces = section(html, "provinces")
    assert provinces.count('class="bar"') == 3
    assert bar_labels(provinces) == ["浙江省", "天津市", "江苏省"]
    assert re.findall(r'<text class="value"[^>]*>([^<]*)</text>', provinces) == ["4", "2", "1"]
    assert section(html, "events").count('class="bar"') == 50
    assert section(html, "statuses").count('class="bar"') == 7
    funnel = section(html, "funnel")
    assert funnel.count('class="bar"') == len(selectors.FUNNEL_STAGES)
    assert bar_labels(funnel)[:3] == [
        "报名（已创建）  9 项",
        "已提交  8 项（占报名 88.9%）",
        "资格审查通过  3 项（占报名 33.3%）",
    ]
    timeline = section(html, "timeline")
    assert timeline.count('class="series"') == 4
    assert re.findall(r'<text class="tick"[^>]*>([^<]*)</text>', timeline)[:4] == [
        "07-01",
        "07-02",
        "07-03",
        "07-04",
    ]


def test_chart_page_of_an_organizer_with_filters(client, season):
    client.force_login(season.ningbo_org)

    response = client.get(chart_url("groups", event=season.ningbo.pk, group="enterprise"))

    html = response.content.decode()
    assert response.context["scope"].event == season.ningbo
    assert bar_labels(section(html, "groups")) == ["企业组"]
    assert re.findall(r"<td class=\"num\">(\d+)</td>", section(html, "groups")) == ["4"]


@pytest.mark.parametrize("slug", SLUGS)
def test_excel_download_equals_the_selector_output(client, season, slug):
    client.force_login(season.secretariat)
    definition = next(c for c in CHARTS if c.slug == slug)
    expected = definition.rows(stats_scope_for_user(season.secretariat))

    response = client.get(chart_url(slug, edition=9, format="xlsx"))

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == f"{definition.title} · 第九届“创客中国”中小企业创新创业大赛 · 全部赛事 · 全部组别"
    assert rows[3] == definition.columns
    assert [list(r) for r in rows[4:]] == [[_cell(row[c]) for c in definition.columns] for row in expected]


def _cell(value):
    """openpyxl reads a Decimal back as an int or a float."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    return value


def test_excel_of_the_funnel_has_the_exact_numbers(client, season):
    client.force_login(season.ningbo_org)

    response = client.get(chart_url("funnel", format="xlsx"))

    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0].startswith("从报名到决赛 · 第九届“创客中国”中小企业创新创业大赛 · 我的赛事")
    assert [r[:2] for r in rows[4:10]] == [
        ("报名（已创建）", 7),
        ("已提交", 6),
        ("资格审查通过", 2),
        ("已评审", 2),
        ("晋级", 1),
        ("进入路演决赛", 1),
    ]
    assert rows[5][2:] == (85.7, 85.7)


def test_csv_download_has_the_header_and_rows(client, season):
    client.force_login(season.secretariat)

    response = client.get(chart_url("industries", format="csv"))

    text = response.content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        ["行业", "项目数"],
        ["I 信息传输、软件和信息技术服务业", "3"],
        ["C 制造业", "2"],
        ["M 科学研究和技术服务业", "2"],
    ]


def test_spreadsheet_cells_are_safe_against_formulas(client, ningbo):
    from contest.review import services as review

    organizer = organizer_for(ningbo)
    review.create_round(
        by=organizer,
        edition=ningbo.edition,
        event=ningbo,
        data={"name": '=HYPERLINK("x")', "stage": "preliminary"},
    )
    client.force_login(organizer)

    response = client.get(chart_url("review", format="xlsx"))

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert (sheet["A5"].value, sheet["A5"].data_type) == ('=HYPERLINK("x")', "s")  # text, never a formula


# -- tenancy ---------------------------------------------------------------------------------------


def every_url(**params) -> list[str]:
    urls = [
        reverse("statistics:dashboard")
        + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
    ]
    for slug in SLUGS:
        for fmt in (None, "xlsx", "csv"):
            extra = {**params, **({"format": fmt} if fmt else {})}
            urls.append(chart_url(slug, **extra))
    return urls


def test_every_url_is_404_for_entrants_and_judges(client, season):
    for person in (season.e["n1"].owner, season.judges[0].user):
        client.force_login(person)
        assert {client.get(url).status_code for url in every_url()} == {404}
        assert client.post(reverse("statistics:dashboard")).status_code == 404


def test_every_url_is_404_for_an_organizer_filtering_another_event(client, season):
    client.force_login(season.ningbo_org)

    assert {client.get(url).status_code for url in every_url(event=season.tianjin.pk)} == {404}
    assert {client.get(url).status_code for url in every_url(event=season.ningbo.pk)} == {200}


def test_anonymous_visitors_are_sent_to_sign_in(client, season):
    response = client.get(reverse("statistics:dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_unknown_chart_format_or_method(client, season):
    client.force_login(season.ningbo_org)

    assert client.get(chart_url("nope")).status_code == 404
    assert client.get(chart_url("events", format="pdf")).status_code == 404
    assert client.post(reverse("statistics:dashboard")).status_code == 405


def test_an_event_of_another_edition_in_reach_is_dropped(client, ningbo):
    from contest.catalog.models import Edition

    Edition.objects.create(number=10, year=2025, title="第十届“创客中国”中小企业创新创业大赛")
    client.force_login(superuser())

    response = client.get(reverse("statistics:dashboard") + f"?edition=10&event={ningbo.pk}")

    assert response.status_code == 200
    assert (response.context["scope"].edition.number, response.context["scope"].event) == (10, None)


# -- queries ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3])
def test_dashboard_runs_a_fixed_number_of_queries(client, ningbo, django_assert_num_queries, n):
    secretariat = secretariat_of(ningbo.edition)
    for _ in range(n):
        submitted_entry(ningbo)
    client.force_login(secretariat)

    with django_assert_num_queries(18):
        response = client.get(reverse("statistics:dashboard"))

    assert response.context["charts"][1].rows[0]["项目数"] == n


@pytest.mark.parametrize("n", [1, 3])
def test_chart_download_runs_a_fixed_number_of_queries(client, ningbo, django_assert_num_queries, n):
    organizer = organizer_for(ningbo)
    for _ in range(n):
        submitted_entry(ningbo)
    client.force_login(organizer)

    with django_assert_num_queries(8):
        response = client.get(chart_url("events", format="xlsx"))

    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[4] == (ningbo.name, n)


def test_dashboard_in_english(client, ningbo):
    client.force_login(secretariat_of(ningbo.edition))
    client.cookies["django_language"] = "en"

    html = client.get(reverse("statistics:dashboard")).content.decode()

    assert "<h1>Statistics</h1>" in html
    assert ">Registrations by province</a></h2>" in html
    assert "Download Excel" in html


def test_every_chart_is_in_the_export_registry(season):
    from contest.core.exporters import REGISTRY, render

    scope = stats_scope_for_user(season.secretariat)

    with translation.override("zh-hans"):  # an earlier English request may have left "en" active
        data = render(REGISTRY["statistics.groups"], "json", scope=scope)

    assert {f"statistics.{slug}" for slug in SLUGS} <= set(REGISTRY)
    assert (
        data.decode()
        == '[\n  {\n    "组别": "企业组",\n    "项目数": 6\n  },\n  {\n    "组别": "创客组",\n    "项目数": 1\n  }\n]\n'
    )
