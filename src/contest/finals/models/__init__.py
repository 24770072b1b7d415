from contest.finals.models.sessions import (
    DrawRecord,
    LiveScore,
    RoadshowSession,
    ScoreCorrection,
    SessionJudge,
    SessionSlot,
)

__all__ = ["DrawRecord", "LiveScore", "RoadshowSession", "ScoreCorrection", "SessionJudge", "SessionSlot"]
