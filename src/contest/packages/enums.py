"""The lifecycle of an event package import: upload → check (a background job) → confirm → write (a
second job). Every status change goes through ``contest.core.lifecycle.transition`` with this table."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队校验")
    CHECKING = "checking", _("校验中")
    CHECKED = "checked", _("校验通过，待确认")
    REJECTED = "rejected", _("未通过，未写入")
    CONFIRMED = "confirmed", _("已确认，排队写入")
    WRITING = "writing", _("写入中")
    IMPORTED = "imported", _("已导入")
    FAILED = "failed", _("后台任务失败")
    CANCELLED = "cancelled", _("已取消")


S = ImportStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.QUEUED: frozenset({S.CHECKING, S.FAILED, S.CANCELLED}),
    S.CHECKING: frozenset({S.CHECKED, S.REJECTED, S.FAILED}),
    S.CHECKED: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.WRITING, S.FAILED}),
    S.WRITING: frozenset({S.IMPORTED, S.REJECTED, S.FAILED}),
    S.REJECTED: frozenset(),
    S.IMPORTED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}
#: a background job runs (or waits for a worker) in these: one at a time per event
BUSY = frozenset({S.QUEUED, S.CHECKING, S.CONFIRMED, S.WRITING})
#: nothing more happens to the import; its stored package is deleted
FINISHED = frozenset({S.REJECTED, S.IMPORTED, S.FAILED, S.CANCELLED})
