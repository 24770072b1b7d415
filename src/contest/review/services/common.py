"""Helpers shared by the review services: permission check, organization names, audit scope."""

from __future__ import annotations

import re

from contest.core.errors import NotFound
from contest.review.enums import SheetStatus
from contest.review.models import Assignment, ReviewRound, ScoreSheet

ORG_NOISE = re.compile(r"[\s（）()·.,，、]|有限责任公司|股份有限公司|有限公司|公司")


def _require(user, perm: str, obj=None) -> None:
    if user is None or not user.has_perm(perm, obj):
        raise NotFound("未找到。")


def normalize_org(name: str) -> str:
    return ORG_NOISE.sub("", name or "")


def _has_submitted_sheet(assignment: Assignment) -> bool:
    return ScoreSheet.objects.filter(assignment=assignment, status=SheetStatus.SUBMITTED).exists()


def _scope(round: ReviewRound) -> str:
    return f"event:{round.event_id}" if round.event_id else f"edition:{round.edition_id}"
