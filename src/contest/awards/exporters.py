"""The award list as a spreadsheet, registered in the one export registry (formula-safe cells)."""

from __future__ import annotations

from contest.awards.selectors import award_list_rows
from contest.core.exporters import Exporter, register

COLUMNS = ("等级", "报名编号", "项目名称", "参赛主体", "所属省份", "组别")


def award_list(*, event, group=None):
    for row in award_list_rows(event=event, group=group):
        yield {"等级": row["level"], "报名编号": row["number"], "项目名称": row["title"], "参赛主体": row["entrant"],
               "所属省份": row["province"], "组别": row["group"]}  # fmt: skip


AWARD_LIST = register(Exporter(name="awards.award_list", columns=COLUMNS, rows=award_list, title="获奖名单"))
