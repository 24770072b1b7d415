from .experts import Conflict, Expert
from .rounds import (
    AdvancementDecision,
    Assignment,
    AssignmentRun,
    Quota,
    RankingSnapshot,
    ReviewRound,
    RoundEntry,
    RoundJudge,
    ScoreSheet,
    criterion_label,
    round_scope,
)

__all__ = [
    "AdvancementDecision", "Assignment", "AssignmentRun", "Conflict", "Expert", "Quota", "RankingSnapshot",
    "ReviewRound", "RoundEntry", "RoundJudge", "ScoreSheet", "criterion_label", "round_scope",
]  # fmt: skip
