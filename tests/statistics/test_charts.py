"""The SVG chart functions: shapes, labels, axes, accessibility, escaping."""

from __future__ import annotations

import re
from datetime import date, timedelta
from xml.etree import ElementTree

import pytest

from contest.statistics import charts

pytestmark = pytest.mark.unit
SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # noqa: S314 — our own output


@pytest.mark.parametrize(
    ("maximum", "ticks"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (7, [0, 2, 4, 6, 8]),
        (10, [0, 2, 4, 6, 8, 10]),
        (123, [0, 50, 100, 150]),
        (40_000, [0, 10_000, 20_000, 30_000, 40_000]),
    ],
)
def test_nice_ticks_start_at_zero_and_cover_the_maximum(maximum, ticks):
    assert charts.nice_ticks(maximum) == ticks


def test_bar_chart_has_one_bar_and_label_per_category():
    svg = charts.bar_chart(title="各省份报名", labels=["浙江省", "天津市", "江苏省"], values=[4, 2, 1])

    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-label") == "各省份报名"
    assert root.get("viewBox").startswith("0 0 400 ")
    assert root.get("width") == "100%"
    assert root.find(f"{SVG}title").text == "各省份报名"
    assert [e.text for e in root.iter(f"{SVG}text") if e.get("class") == "label"] == [
        "浙江省",
        "天津市",
        "江苏省",
    ]
    assert [e.text for e in root.iter(f"{SVG}text") if e.get("class") == "value"] == ["4", "2", "1"]
    bars = [float(e.get("width")) for e in root.iter(f"{SVG}rect") if e.get("class") == "bar"]
    assert bars == [328.0, 164.0, 82.0]  # axis 0–4 over 328 units


def test_bar_chart_escapes_and_shortens_long_labels():
    name = "<script>第九届“创客中国”新疆生产建设兵团中小企业创新创业大赛暨特别长的名字</script>"

    svg = charts.bar_chart(title="a&b", labels=[name], values=[1])

    root = parse(svg)
    assert "<script>" not in svg
    label = next(e.text for e in root.iter(f"{SVG}text") if e.get("class") == "label")
    assert label.endswith("…")
    assert charts.text_width(label) <= 384
    assert name in root.find(f"{SVG}g/{SVG}title").text


def test_empty_charts_say_so():
    for svg in (
        charts.bar_chart(title="t", labels=[], values=[]),
        charts.line_chart(title="t", days=[], series=[]),
        charts.funnel_chart(title="t", labels=[], values=[], notes=[]),
    ):
        assert "暂无数据" in svg
        assert 'class="bar"' not in svg


def test_line_chart_draws_each_series_over_the_days():
    days = [date(2024, 7, 1) + timedelta(days=i) for i in range(30)]

    svg = charts.line_chart(
        title="报名趋势",
        days=days,
        series=[charts.Series("新建", list(range(30))), charts.Series("提交", [1] * 30)],
        area=True,
    )

    root = parse(svg)
    lines = [e for e in root.iter(f"{SVG}polyline") if e.get("class") == "series"]
    assert [len(e.get("points").split()) for e in lines] == [30, 30]
    assert len(list(root.iter(f"{SVG}polygon"))) == 2
    ticks = [e.text for e in root.iter(f"{SVG}text") if e.get("class") == "tick"]
    assert ticks == ["07-01", "07-06", "07-11", "07-16", "07-21", "07-26", "07-30"]
    assert [e.text for e in root.iter(f"{SVG}text") if e.get("class") == "legend"] == ["新建", "提交"]


def test_line_chart_with_one_day_and_across_years():
    one = charts.line_chart(title="t", days=[date(2024, 7, 1)], series=[charts.Series("新建", [3])])
    years = charts.line_chart(
        title="t", days=[date(2024, 12, 31), date(2025, 1, 1)], series=[charts.Series("a", [1, 2])]
    )

    assert re.findall(r'class="tick"[^>]*>([^<]*)<', one) == ["07-01"]
    assert re.findall(r'class="tick"[^>]*>([^<]*)<', years) == ["2024-12-31", "2025-01-01"]


def test_funnel_bars_are_proportional_and_centred():
    svg = charts.funnel_chart(
        title="漏斗", labels=["报名", "提交", "获奖"], values=[10, 5, 0], notes=["", "50.0%", "0.0%"]
    )

    root = parse(svg)
    bars = [e for e in root.iter(f"{SVG}rect") if e.get("class") == "bar"]
    assert [float(e.get("width")) for e in bars] == [384.0, 192.0, 0.0]
    assert [float(e.get("x")) for e in bars] == [8.0, 104.0, 200.0]
    assert [e.text for e in root.iter(f"{SVG}text") if e.get("class") == "label"] == [
        "报名  10 项",
        "提交  5 项（50.0%）",
        "获奖  0 项（0.0%）",
    ]


def test_a_long_value_at_a_full_bar_goes_inside_the_bar():
    svg = charts.bar_chart(
        title="评审进度",
        labels=["宁波 · 网络初评", "天津 · 网络初评"],
        values=[100, 10],
        maximum=100,
        value_text=lambda i: ["100.0%（4/4）· 专家 2/2", "10.0%（1/10）· 专家 0/3"][i],
    )

    values = [e for e in parse(svg).iter(f"{SVG}text") if e.get("class") == "value"]
    assert [(e.text, e.get("text-anchor"), e.get("fill")) for e in values] == [
        ("100.0%（4/4）· 专家 2/2", "end", "#ffffff"),
        ("10.0%（1/10）· 专家 0/3", None, None),
    ]
