"""Helpers shared by the review services."""

from __future__ import annotations

from contest.review.enums import SheetStatus
from contest.review.matching import ORG_NOISE, normalize_org
from contest.review.models import Assignment, ScoreSheet

__all__ = ["ORG_NOISE", "has_submitted_sheet", "normalize_org"]


def has_submitted_sheet(assignment: Assignment) -> bool:
    return ScoreSheet.objects.filter(assignment=assignment, status=SheetStatus.SUBMITTED).exists()
