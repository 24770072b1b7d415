"""Organizer and secretariat review pages (/console/review/): the expert pool, rounds, entries and
judges of a round, conflicts, the assignment, progress, rankings and snapshots, advancement, and
the exports a notary signs.

Every page finds its round through the tenancy selector (``review.organizer_selectors``) and
checks ``review.manage_round``; anything outside the user's scope answers 404, never 403 — to
every method. Views parse input, call a service, and show its refusal as a message.
"""

from contest.review.views.organizer.assignments import (
    assignment,
    assignment_entry,
    assignment_status,
    conflicts,
    progress,
)
from contest.review.views.organizer.common import (
    CONFLICT_KIND_LABELS,
    CONFLICT_SOURCE_LABELS,
    EXPORT_LABELS,
    IMPORT_SESSION_KEY,
    PAGE_SIZE,
    READ_WRITE,
    RUN_LABELS,
    SAFE,
    SHEET_LABELS,
    SOURCE_LABELS,
    STATUS_ACTIONS,
    STATUS_LABELS,
    WRITE,
    XLSX,
    review_view,
)
from contest.review.views.organizer.experts import (
    expert_create,
    expert_edit,
    expert_import,
    expert_import_template,
    expert_invite,
    expert_list,
    expert_send_verification,
)
from contest.review.views.organizer.results import (
    advancement,
    export,
    ranking,
    snapshot_detail,
    snapshot_digest,
)
from contest.review.views.organizer.rounds import (
    round_create,
    round_detail,
    round_edit,
    round_entries,
    round_judges,
    round_list,
    round_status,
)

__all__ = [
    "CONFLICT_KIND_LABELS",
    "CONFLICT_SOURCE_LABELS",
    "EXPORT_LABELS",
    "IMPORT_SESSION_KEY",
    "PAGE_SIZE",
    "READ_WRITE",
    "RUN_LABELS",
    "SAFE",
    "SHEET_LABELS",
    "SOURCE_LABELS",
    "STATUS_ACTIONS",
    "STATUS_LABELS",
    "WRITE",
    "XLSX",
    "advancement",
    "assignment",
    "assignment_entry",
    "assignment_status",
    "conflicts",
    "expert_create",
    "expert_edit",
    "expert_import",
    "expert_import_template",
    "expert_invite",
    "expert_list",
    "expert_send_verification",
    "export",
    "progress",
    "ranking",
    "review_view",
    "round_create",
    "round_detail",
    "round_edit",
    "round_entries",
    "round_judges",
    "round_list",
    "round_status",
    "snapshot_detail",
    "snapshot_digest",
]
