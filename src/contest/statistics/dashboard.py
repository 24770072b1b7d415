"""The dashboard's charts: for each, the table of numbers (what the page's data table and the
spreadsheet show) and the SVG drawn from that same table — chart and download cannot disagree.

``CHARTS`` is the registry the views and exporters walk, in page order; ``build(definition,
scope)`` runs the chart's one selector and returns a ``Chart``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contest.statistics import charts, selectors
from contest.statistics.scope import StatsScope

Row = dict[str, Any]


@dataclass(frozen=True)
class ChartDef:
    slug: str
    title: Promise | str
    note: Promise | str
    columns: tuple[str, ...]
    rows: Callable[[StatsScope], list[Row]]
    draw: Callable[[str, list[Row]], list[SafeString]]


@dataclass(frozen=True)
class Chart:
    definition: ChartDef
    rows: list[Row]
    figures: list[SafeString]

    @property
    def slug(self) -> str:
        return self.definition.slug

    @property
    def title(self) -> str:
        return str(self.definition.title)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.definition.columns

    @property
    def headers(self) -> list[str]:
        """The columns as the reader's language names them (rows keep the Chinese keys)."""
        return [str(COLUMN_LABELS.get(c, c)) for c in self.columns]

    def table(self) -> list[list[Any]]:
        return [[row[c] for c in self.columns] for row in self.rows]


def build(definition: ChartDef, scope: StatsScope) -> Chart:
    rows = definition.rows(scope)
    return Chart(definition, rows, definition.draw(str(definition.title), rows))


def _pct(value) -> str:
    return "—" if value is None else f"{value}%"


# -- entries over time --------------------------------------------------------------------------

TIMELINE = ("日期", "新建项目", "提交项目", "累计新建", "累计提交")


def timeline_rows(scope: StatsScope) -> list[Row]:
    return [
        dict(
            zip(
                TIMELINE,
                (r.day.isoformat(), r.created, r.submitted, r.created_total, r.submitted_total),
                strict=True,
            )
        )
        for r in selectors.entries_over_time(scope)
    ]


def timeline_draw(title: str, rows: list[Row]) -> list[SafeString]:
    days = [date.fromisoformat(r["日期"]) for r in rows]

    def series(column: str, label: str) -> charts.Series:
        return charts.Series(label, [r[column] for r in rows])

    return [
        charts.line_chart(
            title=gettext("%(title)s（每日）") % {"title": title},
            days=days,
            series=[series("新建项目", gettext("新建")), series("提交项目", gettext("提交"))],
        ),
        charts.line_chart(
            title=gettext("%(title)s（累计）") % {"title": title},
            days=days,
            area=True,
            series=[series("累计新建", gettext("累计新建")), series("累计提交", gettext("累计提交"))],
        ),
    ]


# -- categories ---------------------------------------------------------------------------------


def _count_rows(column: str, selector) -> Callable[[StatsScope], list[Row]]:
    def rows(scope: StatsScope) -> list[Row]:
        return [{column: r.label, "项目数": r.count} for r in selector(scope)]

    return rows


def _bars(column: str) -> Callable[[str, list[Row]], list[SafeString]]:
    def draw(title: str, rows: list[Row]) -> list[SafeString]:
        return [
            charts.bar_chart(
                title=title, labels=[r[column] for r in rows], values=[r["项目数"] for r in rows]
            )
        ]

    return draw


def _category(slug: str, title, column: str, selector, note) -> ChartDef:
    return ChartDef(slug, title, note, (column, "项目数"), _count_rows(column, selector), _bars(column))


# -- review progress ----------------------------------------------------------------------------

REVIEW = (
    "评审轮次",
    "赛事",
    "阶段",
    "状态",
    "项目数",
    "评审任务",
    "已提交评分表",
    "完成率（%）",
    "已完成专家",
    "有任务专家",
)


def review_rows(scope: StatsScope) -> list[Row]:
    return [
        dict(
            zip(
                REVIEW,
                (
                    r.name,
                    r.event,
                    r.stage,
                    r.status,
                    r.entries,
                    r.assignments,
                    r.submitted,
                    r.complete,
                    r.judges_done,
                    r.judges_total,
                ),
                strict=True,
            )
        )
        for r in selectors.review_progress(scope)
    ]


def review_draw(title: str, rows: list[Row]) -> list[SafeString]:
    def shown(i: int) -> str:
        r = rows[i]
        return gettext("%(pct)s（%(sheets)s/%(tasks)s）· 专家 %(done)s/%(judges)s") % {
            "pct": _pct(r["完成率（%）"]),
            "sheets": r["已提交评分表"],
            "tasks": r["评审任务"],
            "done": r["已完成专家"],
            "judges": r["有任务专家"],
        }

    labels = [f"{r['赛事']} · {r['评审轮次']}" for r in rows]
    values = [float(r["完成率（%）"] or 0) for r in rows]
    return [
        charts.bar_chart(title=title, labels=labels, values=values, unit="%", maximum=100, value_text=shown)
    ]


# -- the funnel ---------------------------------------------------------------------------------

FUNNEL = ("阶段", "项目数", "占报名（%）", "占上一阶段（%）")


def funnel_rows(scope: StatsScope) -> list[Row]:
    return [
        dict(zip(FUNNEL, (s.label, s.count, s.of_registered, s.of_previous), strict=True))
        for s in selectors.funnel(scope)
    ]


def funnel_draw(title: str, rows: list[Row]) -> list[SafeString]:
    notes = [
        "" if i == 0 else gettext("占报名 %(pct)s") % {"pct": _pct(r["占报名（%）"])}
        for i, r in enumerate(rows)
    ]
    return [
        charts.funnel_chart(
            title=title, labels=[r["阶段"] for r in rows], values=[r["项目数"] for r in rows], notes=notes
        )
    ]


# The table columns are the rows' keys (Chinese, also the JSON export's keys); these are the
# headers the page and the downloads show in the reader's language.
COLUMN_LABELS = {
    "日期": _("日期"),
    "新建项目": _("新建项目"),
    "提交项目": _("提交项目"),
    "累计新建": _("累计新建"),
    "累计提交": _("累计提交"),
    "项目数": _("项目数"),
    "赛事": _("赛事"),
    "省份": _("省份"),
    "组别": _("组别"),
    "行业": _("行业"),
    "状态": _("状态"),
    "评审轮次": _("评审轮次"),
    "阶段": _("阶段"),
    "评审任务": _("评审任务"),
    "已提交评分表": _("已提交评分表"),
    "完成率（%）": _("完成率（%）"),
    "已完成专家": _("已完成专家"),
    "有任务专家": _("有任务专家"),
    "占报名（%）": _("占报名（%）"),
    "占上一阶段（%）": _("占上一阶段（%）"),
}
BASIS = _("有效报名：不含草稿和已撤回的项目。")
CHARTS: tuple[ChartDef, ...] = (
    ChartDef(
        "timeline",
        _("报名趋势"),
        _("按北京时间逐日统计：新建（创建）与提交的项目数及累计数；提交时间以最近一次提交为准。"),
        TIMELINE,
        timeline_rows,
        timeline_draw,
    ),
    ChartDef(
        "funnel",
        _("从报名到决赛"),
        _("各阶段分别统计不同项目数，定义见统计说明。"),
        FUNNEL,
        funnel_rows,
        funnel_draw,
    ),
    _category("events", _("各赛事报名"), "赛事", selectors.entries_by_event, BASIS),
    _category(
        "provinces",
        _("各省份报名"),
        "省份",
        selectors.entries_by_province,
        _("按项目登记地所属省级区划统计（地级市计入所在省）。有效报名：不含草稿和已撤回的项目。"),
    ),
    _category("groups", _("各组别报名"), "组别", selectors.entries_by_group, BASIS),
    _category(
        "industries",
        _("各行业报名"),
        "行业",
        selectors.entries_by_industry,
        _("按国民经济行业分类（GB/T 4754）门类统计。有效报名：不含草稿和已撤回的项目。"),
    ),
    _category(
        "statuses",
        _("项目状态"),
        "状态",
        selectors.entries_by_status,
        _("全部项目（含草稿和已撤回）按当前状态统计。"),
    ),
    ChartDef(
        "review",
        _("评审进度"),
        _("完成率 = 已提交评分表 ÷ 评审任务；专家的全部任务都已提交即为已完成。"),
        REVIEW,
        review_rows,
        review_draw,
    ),
)
BY_SLUG = {c.slug: c for c in CHARTS}
