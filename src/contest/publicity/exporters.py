"""Exports of a list version and of a list's objections register, through the core registry
(spreadsheet cells are neutralised against formula injection there)."""

from __future__ import annotations

from contest.core.exporters import Exporter, register
from contest.core.privacy import mask_email, mask_phone
from contest.publicity.models import Notice, NoticeVersion
from contest.publicity.sources import COLUMN_LABELS

STATUS = {"filed": "待答复", "upheld": "异议成立", "dismissed": "异议不成立"}


def item_columns(version: NoticeVersion) -> list[str]:
    return ["序号", *[COLUMN_LABELS[c] for c in version.columns]]


def version_rows(*, version: NoticeVersion):
    for i, row in enumerate(version.items, start=1):
        yield {"序号": i, **{COLUMN_LABELS[c]: row.get(c, "") for c in version.columns}}


#: the columns vary with the list's kind; ``item_columns`` gives the ones of a version
ITEMS = register(Exporter("publicity_items", columns=(), rows=version_rows, title="公示名单"))

OBJECTION_COLUMNS = ("查询码", "针对版本", "涉及项目", "异议人", "联系电话", "电子邮箱", "异议理由", "证据文件",
                     "证据SHA-256", "提交时间", "状态", "答复", "答复人", "答复时间", "体现于版本")  # fmt: skip


def objection_rows(*, notice: Notice):
    objections = (
        notice.objections.select_related("version", "answered_by")
        .prefetch_related("resolved_in")
        .order_by("filed_at", "pk")
    )
    for o in objections:
        yield {
            "查询码": o.tracking_code, "针对版本": o.version.number, "涉及项目": o.row_number, "异议人": o.name,
            "联系电话": mask_phone(o.phone), "电子邮箱": mask_email(o.email), "异议理由": o.reason, "证据文件": o.evidence_name,
            "证据SHA-256": o.evidence_sha256, "提交时间": o.filed_at, "状态": STATUS[o.status],
            "答复": o.response, "答复人": o.answered_by.get_username() if o.answered_by else "",
            "答复时间": o.answered_at, "体现于版本": "、".join(str(v.number) for v in o.resolved_in.all()),
        }  # fmt: skip


OBJECTIONS = register(
    Exporter("publicity_objections", columns=OBJECTION_COLUMNS, rows=objection_rows, title="异议登记")
)
