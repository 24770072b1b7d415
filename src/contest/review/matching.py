"""How well an expert fits an entry, and organization names as compared for conflicts and for
judges of one organization (pure functions: the assignment run, conflicts and pages use them)."""

from __future__ import annotations

import re

from contest.registration.models import Entry
from contest.review.models import Expert

ORG_NOISE = re.compile(r"[\s（）()·.,，、]|有限责任公司|股份有限公司|有限公司|公司")


def normalize_org(name: str) -> str:
    return ORG_NOISE.sub("", name or "")


def match_score(expert: Expert, entry: Entry) -> int:
    """Expertise match, 0–100: the entry's industry among the expert's (70), the expert knows the
    entry's region (20), a single-industry specialist on their own industry (10)."""
    score = 0
    if entry.industry in expert.expertise:
        score += 70
        if len(expert.expertise) == 1:
            score += 10
    division = entry.division
    province = None
    if division is not None:
        province = division.code if division.parent_id is None else division.parent.code
    if province and province in expert.regions:
        score += 20
    return score
