"""Charts drawn on the server as inline SVG: no JavaScript, no chart library, no CDN.

Three shapes: ``line_chart`` (a time series; ``area=True`` fills under each line),
``bar_chart`` (horizontal bars, one per category, the label above its bar so long Chinese event
names fit on a phone) and ``funnel_chart`` (centred bars, widest first). Every chart:

* scales with its container (``viewBox``, ``width="100%"``), 480 units wide so text stays
  legible when a phone shows it at 340 px;
* is an image to assistive technology (``role="img"``, ``aria-label``, ``<title>``, ``<desc>``);
  the page puts the same numbers in a table under ``<details>``;
* uses the site's CJK font stack and colours with AA contrast;
* marks each bar ``class="bar"`` and each data label ``class="label"`` (tests count them).

Pure functions: numbers in, markup out (``SafeString``); every text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

WIDTH = 400
FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"
INK, MUTED, GRID = "#1b1f24", "#4a5260", "#d3d9e2"
COLORS = ("#0b3f7a", "#b3261e", "#1a5c2e", "#7a3e00")  # brand, accent, green, brown: ≥ 4.5:1 on white
FONT_SIZE = 14


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[int]


def nice_ticks(maximum: float, count: int = 5) -> list[int]:
    """Axis ticks from 0 in steps of 1, 2 or 5 × 10ⁿ, the last at or above ``maximum``."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if raw <= m * magnitude)
    step = max(1, round(step))
    top = math.ceil(maximum / step) * step
    return list(range(0, top + 1, step))


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """A width estimate: CJK and full-width characters one em, others about 0.6 em."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.6 for ch in text)


def fit(text: str, width: float, size: float = FONT_SIZE) -> str:
    """``text`` shortened with “…” to about ``width`` units (the full text stays in ``<title>``)."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _number(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _open(title: str, summary: str, height: float) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="stat-chart" viewBox="0 0 {WIDTH} {height:g}" '
        f'width="100%" role="img" aria-label="{escape(title)}" font-family="{FONT}" font-size="{FONT_SIZE}" '
        f'fill="{INK}" preserveAspectRatio="xMidYMin meet">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(summary)}</desc>",
    ]


def _close(parts: list[str]) -> SafeString:
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above went through escape()


def _empty(title: str) -> SafeString:
    empty = gettext("暂无数据")
    parts = _open(title, empty, 60)
    parts.append(f'<text x="{WIDTH / 2:g}" y="36" text-anchor="middle" fill="{MUTED}">{escape(empty)}</text>')
    return _close(parts)


def _value(text: str, end: float, y: float) -> str:
    """A bar's value after its end, or inside it (white on the bar) when it would run off the chart."""
    if end + 4 + text_width(text, 13) <= WIDTH:
        return f'<text class="value" x="{end + 4:.1f}" y="{y:g}" font-size="13">{escape(text)}</text>'
    return (
        f'<text class="value" x="{end - 4:.1f}" y="{y:g}" font-size="13" text-anchor="end" fill="#ffffff">'
        f"{escape(text)}</text>"
    )


# -- horizontal bars ------------------------------------------------------------------------------


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[int | float],
    unit: str | None = None,
    maximum: float | None = None,
    value_text: Callable[[int], str] | None = None,
) -> SafeString:
    """One bar per category, the label on a line above its bar, the value after the bar, an x
    axis with ticks and grid lines below. ``maximum`` fixes the axis (100 for per cents);
    ``value_text(i)`` replaces the value label of bar ``i``."""
    if not labels:
        return _empty(title)
    if unit is None:
        unit = pgettext("chart unit after a count", "项")
    row, top, left, right = 44, 8, 8, 64
    ticks = nice_ticks(maximum if maximum is not None else max(values))
    span = WIDTH - left - right
    height = top + row * len(labels) + 26

    def x(v: float) -> float:
        return left + span * float(v) / ticks[-1]

    summary = gettext("；").join(
        f"{label} {_number(v)}{unit}" for label, v in zip(labels, values, strict=True)
    )
    parts = _open(title, summary, height)
    bottom = top + row * len(labels)
    for t in ticks:
        parts.append(f'<line x1="{x(t):.1f}" y1="{top}" x2="{x(t):.1f}" y2="{bottom}" stroke="{GRID}"/>')
        anchor = "start" if t == 0 else ("end" if t == ticks[-1] else "middle")
        parts.append(
            f'<text x="{x(t):.1f}" y="{bottom + 18}" text-anchor="{anchor}" fill="{MUTED}" font-size="12">'
            f"{_number(t)}</text>"
        )
    colon = gettext("：")
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row
        shown = value_text(i) if value_text else f"{_number(value)}"
        parts.append(
            f"<g><title>{escape(label)}{escape(colon)}{escape(shown)}{escape(unit) if not value_text else ''}</title>"
        )
        parts.append(
            f'<text class="label" x="{left}" y="{y + 16}">{escape(fit(label, WIDTH - left * 2))}</text>'
        )
        width = max(x(value) - left, 0)
        parts.append(
            f'<rect class="bar" x="{left}" y="{y + 22}" width="{width:.1f}" height="16" rx="2" '
            f'fill="{COLORS[0]}"/>'
        )
        parts.append(_value(shown, left + width, y + 35))
        parts.append("</g>")
    return _close(parts)


# -- time series ----------------------------------------------------------------------------------


def _day_label(day: date, with_year: bool) -> str:
    return day.strftime("%Y-%m-%d") if with_year else day.strftime("%m-%d")


def line_chart(
    *, title: str, days: Sequence[date], series: Sequence[Series], area: bool = False
) -> SafeString:
    """One line per series over consecutive days (filled below with ``area``), a legend on top,
    y ticks at nice numbers, at most seven dated ticks on the x axis."""
    if not days:
        return _empty(title)
    height, left, right, top, bottom = 240, 40, 14, 34, 210
    ticks = nice_ticks(max(max(s.values) for s in series))
    n = len(days)

    def x(i: int) -> float:
        return (left + WIDTH - right) / 2 if n == 1 else left + (WIDTH - left - right) * i / (n - 1)

    def y(v: float) -> float:
        return bottom - (bottom - top) * float(v) / ticks[-1]

    summary = gettext("；").join(
        gettext("%(series)s：%(first)s 至 %(last)s 最高 %(top)s")
        % {
            "series": s.label,
            "first": _day_label(days[0], True),
            "last": _day_label(days[-1], True),
            "top": _number(max(s.values)),
        }
        for s in series
    )
    parts = _open(title, summary, height)
    for i, s in enumerate(series):  # legend
        lx = left + i * 120
        parts.append(f'<rect x="{lx}" y="6" width="14" height="14" fill="{COLORS[i % len(COLORS)]}"/>')
        parts.append(f'<text class="legend" x="{lx + 19}" y="18">{escape(s.label)}</text>')
    for t in ticks:
        parts.append(
            f'<line x1="{left}" y1="{y(t):.1f}" x2="{WIDTH - right}" y2="{y(t):.1f}" stroke="{GRID}"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end" fill="{MUTED}" font-size="12">'
            f"{_number(t)}</text>"
        )
    with_year = days[0].year != days[-1].year
    step = max(1, math.ceil((n - 1) / 6))
    marks = list(range(0, n, step))
    if marks[-1] != n - 1:  # the last day always gets its date; a mark too close to it gives way
        marks[-1:] = [marks[-1], n - 1] if (n - 1 - marks[-1]) * 2 >= step else [n - 1]
    for i in marks:
        anchor = "middle" if n == 1 else ("start" if i == 0 else ("end" if i == n - 1 else "middle"))
        parts.append(
            f'<text class="tick" x="{x(i):.1f}" y="{bottom + 18}" text-anchor="{anchor}" fill="{MUTED}" '
            f'font-size="12">{_day_label(days[i], with_year)}</text>'
        )
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - right}" y2="{bottom}" stroke="{MUTED}"/>')
    for k, s in enumerate(series):
        color = COLORS[k % len(COLORS)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        if area:
            polygon = f"{x(0):.1f},{bottom} {points} {x(n - 1):.1f},{bottom}"
            parts.append(f'<polygon points="{polygon}" fill="{color}" fill-opacity="0.12" stroke="none"/>')
        parts.append(
            f'<polyline class="series" points="{points}" fill="none" stroke="{color}" stroke-width="2"/>'
        )
        if n <= 62:  # a dot per day, with its figure for pointer and screen-reader users
            for i, v in enumerate(s.values):
                parts.append(
                    f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{color}"><title>'
                    f"{_day_label(days[i], True)} {escape(s.label)} {_number(v)}</title></circle>"
                )
    return _close(parts)


# -- funnel ---------------------------------------------------------------------------------------


def funnel_chart(
    *, title: str, labels: Sequence[str], values: Sequence[int], notes: Sequence[str]
) -> SafeString:
    """One centred bar per stage, its width proportional to the count (the first stage full
    width), the stage, count and ``notes[i]`` (e.g. the share of registrations) above it."""
    if not labels:
        return _empty(title)
    row, top, margin = 46, 6, 8
    height = top + row * len(labels) + 4
    widest = max(values) or 1
    summary = gettext("；").join(
        gettext("%(label)s %(count)s 项") % {"label": label, "count": _number(v)}
        for label, v in zip(labels, values, strict=True)
    )
    parts = _open(title, summary, height)
    for i, (label, value, note) in enumerate(zip(labels, values, notes, strict=True)):
        y = top + i * row
        text = gettext("%(label)s  %(count)s 项") % {"label": label, "count": _number(value)}
        if note:
            text += gettext("（%(note)s）") % {"note": note}
        width = (WIDTH - margin * 2) * value / widest
        if value and width < 2:
            width = 2
        parts.append(f"<g><title>{escape(text)}</title>")
        parts.append(
            f'<text class="label" x="{WIDTH / 2:g}" y="{y + 15}" text-anchor="middle">{escape(fit(text, WIDTH - margin * 2))}</text>'
        )
        parts.append(
            f'<rect class="bar" x="{(WIDTH - width) / 2:.1f}" y="{y + 21}" width="{width:.1f}" height="20" '
            f'rx="2" fill="{COLORS[0]}" fill-opacity="{1 - 0.08 * i:.2f}"/>'
        )
        parts.append("</g>")
    return _close(parts)
