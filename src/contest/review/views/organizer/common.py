"""Labels, the console-view decorator and helpers shared by the organizer review pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from contest.core.errors import FieldErrors
from contest.core.views import READ_WRITE, SAFE, WRITE, ConsoleView, Lookup
from contest.review import organizer_selectors as selectors
from contest.review.enums import (
    AssignmentSource,
    ConflictKind,
    ConflictSource,
    RoundStatus,
    RunStatus,
    SheetStatus,
)
from contest.review.models import ReviewRound

__all__ = [
    "CONFLICT_KIND_LABELS", "CONFLICT_SOURCE_LABELS", "EXPORT_LABELS", "IMPORT_SESSION_KEY", "PAGE_SIZE",
    "READ_WRITE", "RUN_LABELS", "SAFE", "SHEET_LABELS", "SOURCE_LABELS", "STATUS_ACTIONS", "STATUS_LABELS", "WRITE",
    "XLSX", "attach_errors", "review_view", "round_context",
]  # fmt: skip

PAGE_SIZE = 50
IMPORT_SESSION_KEY = "review_expert_imports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

STATUS_LABELS = {
    RoundStatus.DRAFT: gettext_lazy("筹备中"),
    RoundStatus.OPEN: gettext_lazy("评审中"),
    RoundStatus.CLOSED: gettext_lazy("评审结束"),
    RoundStatus.PUBLISHED: gettext_lazy("结果已发布"),
}
RUN_LABELS = {
    RunStatus.QUEUED: gettext_lazy("排队中"),
    RunStatus.RUNNING: gettext_lazy("计算中"),
    RunStatus.DONE: gettext_lazy("已完成"),
    RunStatus.FAILED: gettext_lazy("失败"),
}
SOURCE_LABELS = {
    AssignmentSource.AUTO: gettext_lazy("自动分配"),
    AssignmentSource.PINNED: gettext_lazy("组织方指定"),
    AssignmentSource.MANUAL: gettext_lazy("手动调整"),
}
SHEET_LABELS = {
    "pending": gettext_lazy("未评"),
    SheetStatus.DRAFT: gettext_lazy("草稿"),
    SheetStatus.SUBMITTED: gettext_lazy("已提交"),
}
CONFLICT_KIND_LABELS = {
    ConflictKind.SAME_ORGANIZATION: gettext_lazy("与参赛主体同一单位"),
    ConflictKind.SAME_CREDIT_CODE: gettext_lazy("单位信用代码相同"),
    ConflictKind.TEAM_MEMBER: gettext_lazy("本人为团队成员"),
    ConflictKind.SAME_EMPLOYER: gettext_lazy("与团队成员同一工作单位"),
    ConflictKind.DECLARED: gettext_lazy("专家本人申报"),
    ConflictKind.PINNED: gettext_lazy("组织方指定回避"),
}
CONFLICT_SOURCE_LABELS = {
    ConflictSource.DETECTED: gettext_lazy("系统检测"),
    ConflictSource.DECLARED: gettext_lazy("专家申报"),
    ConflictSource.ORGANIZER: gettext_lazy("组织方指定"),
}
#: status → [(target, button label)] offered on the round page; publishing lives on the advancement page
STATUS_ACTIONS = {
    RoundStatus.DRAFT: [(RoundStatus.OPEN, gettext_lazy("开始评审"))],
    RoundStatus.OPEN: [(RoundStatus.CLOSED, gettext_lazy("结束评审"))],
    RoundStatus.CLOSED: [(RoundStatus.OPEN, gettext_lazy("重新开放评审"))],
    RoundStatus.PUBLISHED: [],
}
EXPORT_LABELS = {
    "scores": gettext_lazy("评分表（每位专家一页）"),
    "ranking": gettext_lazy("排名表（含每位专家得分）"),
    "assignments": gettext_lazy("分配表"),
    "conflicts": gettext_lazy("回避关系表"),
}


# -- scope: every lookup answers 404 outside it, to every method ----------------------------------------

ROUND = Lookup("round", lambda request, pk, found: selectors.round_for_user(request.user, pk),
               perm="review.manage_round")  # fmt: skip
EXPERT = Lookup("expert", lambda request, pk, found: selectors.expert_for_user(request.user, pk))
ROUND_ENTRY = Lookup(
    "round_entry", lambda request, pk, found: selectors.round_entry_in_round(found["round"], pk)
)
SNAPSHOT = Lookup("snapshot", lambda request, pk, found: selectors.snapshot_in_round(found["round"], pk))

#: sign-in, then scope (the review console, the round, expert, entry of the round, snapshot of the
#: round), then method: a 405 only ever comes after the scope check. The view receives ``round``,
#: ``expert``, ``round_entry`` and ``snapshot`` in place of the ids in its URL.
review_view = ConsoleView(
    gate=selectors.can_use_review_console, lookups=(ROUND, EXPERT, ROUND_ENTRY, SNAPSHOT)
)


def round_context(round_: ReviewRound, tab: str, **extra) -> dict:
    return {"round": round_, "tab": tab, "status_label": STATUS_LABELS[round_.status], "section": "console",
            "is_published": round_.status == RoundStatus.PUBLISHED, **extra}  # fmt: skip


def attach_errors(form, exc: FieldErrors, *, prefix_errors: list[str] | None = None) -> None:
    """Put a service's field errors on the form's fields; the others on the form itself (or in
    ``prefix_errors`` for the rubric table)."""
    for key, message in exc.fields.items():
        if key in form.fields:
            form.add_error(key, message)
        elif prefix_errors is not None and key.startswith("rubric"):
            prefix_errors.append(message)
        else:
            form.add_error(None, message)
