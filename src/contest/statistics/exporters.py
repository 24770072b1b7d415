"""Every dashboard chart as a download, registered in the one export registry
(``contest.core.exporters``) as ``statistics.<slug>`` with ``rows(scope=...)``.

The spreadsheet opens with a title row (the chart, the filter), a row with the time of export,
an empty row, then the chart's own table: the header and the very numbers the chart draws.
Text cells stay text, numbers stay numbers (``contest.core.exporters``); per cents are
``Decimal`` with one decimal. CSV is the registry's plain writer (header and rows).
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext

from contest.core.exporters import Exporter, Sheet, register, write_csv, write_workbook
from contest.statistics.dashboard import CHARTS, Chart
from contest.statistics.scope import StatsScope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_ROW = 4  # 1-based row of the table's header in the workbook


def _exporter(definition) -> Exporter:
    def rows(*, scope: StatsScope):
        return definition.rows(scope)

    return register(Exporter(name=f"statistics.{definition.slug}", columns=definition.columns, rows=rows))


EXPORTERS = {d.slug: _exporter(d) for d in CHARTS}


def title_of(chart: Chart, scope: StatsScope) -> str:
    return f"{chart.title} · {scope.describe()}"


def workbook(chart: Chart, scope: StatsScope, *, now: datetime) -> bytes:
    stamp = timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S")
    preamble = [title_of(chart, scope), gettext("导出时间：%(time)s（北京时间）") % {"time": stamp}, ""]
    keyed = (dict(zip(chart.headers, (row[c] for c in chart.columns), strict=True)) for row in chart.rows)
    return write_workbook([Sheet(title=chart.title, columns=chart.headers, rows=keyed, preamble=preamble)])


def csv_bytes(chart: Chart) -> bytes:
    """The registry's CSV writer, the header row in the reader's language."""
    keyed = [
        {header: row[c] for header, c in zip(chart.headers, chart.columns, strict=True)} for row in chart.rows
    ]
    return write_csv(chart.headers, keyed)


def filename(chart: Chart, scope: StatsScope, now: datetime, ext: str) -> str:
    parts = [gettext("第%(number)s届") % {"number": scope.edition.number}, chart.title]
    if scope.event is not None:
        parts.append(scope.event.name)
    if scope.group is not None:
        parts.append(scope.group.name)
    return "-".join(parts) + f"-{timezone.localtime(now).strftime('%Y%m%d-%H%M')}.{ext}"
