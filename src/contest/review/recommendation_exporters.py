"""The recommendation checklist as a spreadsheet, registered in the one export registry
(``contest.core.exporters``): one row per feeding event and group, as the checklist page shows it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from contest.catalog.enums import Tier
from contest.core.exporters import Exporter, register
from contest.registration.enums import chinese_label
from contest.review.recommendation_selectors import Checklist

COLUMNS = ("赛事类别", "序号", "赛事", "组别", "已推荐", "推荐名额", "尚缺", "缺商业计划书", "逾期推荐", "逾期未完成",
           "状态")  # fmt: skip
STATES = {"complete": "已完成", "partial": "未完成", "missing": "未推荐", "none": "未设名额"}


def checklist_rows(*, sheet: Checklist) -> Iterator[dict[str, Any]]:
    """The rows of a computed checklist (``recommendation_selectors.checklist``), in its order."""
    for row in sheet.rows:
        yield {
            "赛事类别": chinese_label(Tier(row.event.tier)),
            "序号": row.event.seq,
            "赛事": row.event.name,
            "组别": row.group_name,
            "已推荐": row.recommended,
            "推荐名额": row.quota,
            "尚缺": row.short if row.quota is not None else None,
            "缺商业计划书": row.missing_materials,
            "逾期推荐": row.late,
            "逾期未完成": "是" if row.overdue else "否",
            "状态": STATES[row.state],
        }


CHECKLIST = register(
    Exporter(name="review.recommendation_checklist", columns=COLUMNS, rows=checklist_rows, title="推荐情况")
)
