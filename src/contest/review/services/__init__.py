"""Writes for expert review: pool, conflicts, rounds, assignment, scoring, rankings, advancement.

Every service: validate → lock → write → audit → on_commit for mail and tasks.

The package re-exports every public name of its submodules, so callers keep writing
``services.<name>``: common (shared helpers), experts, importing (experts from a table),
conflicts, rounds, assignments, scoring, rankings, advancement. The ranking computation and the
arithmetic of quotas are reads (``review.rankings``); they are re-exported here for callers that
write with them.
"""

from contest.review.rankings import RankingRow, compute_rows, outlier_judges, ranking_buckets
from contest.review.services.advancement import (
    CutLine,
    cut_line,
    proportional_quotas,
    publish_advancement,
    publish_decisions,
    quota_size,
    set_proportional_quota,
    set_quota,
    stage_decisions,
    zone_of,
)
from contest.review.services.assignments import (
    hand_over_unfinished,
    match_score,
    pin_assignment,
    reassign_unfinished,
    remove_assignment,
    replace_judge,
    request_assignment,
    run_assignment,
    swap_assignment,
    withdraw_assignment,
)
from contest.review.services.common import ORG_NOISE, normalize_org
from contest.review.services.conflicts import (
    declare_conflict,
    detect_conflicts,
    detect_conflicts_for,
    pin_conflict,
    recuse_from_assignment,
)
from contest.review.services.experts import add_expert, clean_expert, invite_expert, update_expert
from contest.review.services.importing import (
    EXPERT_COMPARED,
    EXPERT_HEADERS,
    EXPERT_IMPORT_COLUMNS,
    EXPERT_IMPORT_ROW_LIMIT,
    EXPERT_KIND_CELLS,
    ExpertImportRefused,
    ExpertImportReport,
    ExpertImportRow,
    import_experts,
    industry_cells,
)
from contest.review.services.rankings import recompute_rankings, snapshot_ranking
from contest.review.services.rounds import (
    ROUND_FIELDS,
    ROUND_PLACES_MAX,
    add_entries,
    add_judges,
    anonymous_code,
    clean_rubric,
    create_round,
    rubric_of,
    set_round_judge,
    set_round_status,
    update_round,
)
from contest.review.services.scoring import ensure_round_open, parse_scores, remind_judges, save_sheet

__all__ = [
    "EXPERT_COMPARED",
    "EXPERT_HEADERS",
    "EXPERT_IMPORT_COLUMNS",
    "EXPERT_IMPORT_ROW_LIMIT",
    "EXPERT_KIND_CELLS",
    "ORG_NOISE",
    "ROUND_FIELDS",
    "ROUND_PLACES_MAX",
    "CutLine",
    "ExpertImportRefused",
    "ExpertImportReport",
    "ExpertImportRow",
    "RankingRow",
    "add_entries",
    "add_expert",
    "add_judges",
    "anonymous_code",
    "clean_expert",
    "clean_rubric",
    "compute_rows",
    "create_round",
    "cut_line",
    "declare_conflict",
    "detect_conflicts",
    "detect_conflicts_for",
    "ensure_round_open",
    "hand_over_unfinished",
    "import_experts",
    "industry_cells",
    "invite_expert",
    "match_score",
    "normalize_org",
    "outlier_judges",
    "parse_scores",
    "pin_assignment",
    "pin_conflict",
    "proportional_quotas",
    "publish_advancement",
    "publish_decisions",
    "quota_size",
    "ranking_buckets",
    "reassign_unfinished",
    "recompute_rankings",
    "recuse_from_assignment",
    "remind_judges",
    "remove_assignment",
    "replace_judge",
    "request_assignment",
    "rubric_of",
    "run_assignment",
    "save_sheet",
    "set_proportional_quota",
    "set_quota",
    "set_round_judge",
    "set_round_status",
    "snapshot_ranking",
    "stage_decisions",
    "swap_assignment",
    "update_expert",
    "update_round",
    "withdraw_assignment",
    "zone_of",
]
