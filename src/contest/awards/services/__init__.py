"""Writes for awards and certificates. Every service: validate → permission → lock → write → audit."""

from contest.awards.services.awards import (
    add_custom_level,
    confirm_awards,
    ensure_default_levels,
    plan_awards,
    ranking_from_session,
    ranking_from_snapshot,
    remove_staged_award,
    revoke_award,
    stage_award,
    stage_awards_from_plan,
    update_staged_award,
)
from contest.awards.services.certificates import (
    expire_stale_batches,
    issue_certificate,
    request_certificates,
    revoke_certificate,
    run_certificate_batch,
)

__all__ = [
    "add_custom_level",
    "confirm_awards",
    "ensure_default_levels",
    "expire_stale_batches",
    "issue_certificate",
    "plan_awards",
    "ranking_from_session",
    "ranking_from_snapshot",
    "remove_staged_award",
    "request_certificates",
    "revoke_award",
    "revoke_certificate",
    "run_certificate_batch",
    "stage_award",
    "stage_awards_from_plan",
    "update_staged_award",
]
