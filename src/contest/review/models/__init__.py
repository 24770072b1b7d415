from .experts import Conflict, Expert
from .recommendations import (
    Recommendation,
    RecommendationDeadline,
    RecommendationQuota,
    RecommendationTransition,
    recommendation_scope,
)
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
    "Recommendation", "RecommendationDeadline", "RecommendationQuota", "RecommendationTransition", "ReviewRound",
    "RoundEntry", "RoundJudge", "ScoreSheet", "criterion_label", "recommendation_scope", "round_scope",
]  # fmt: skip
