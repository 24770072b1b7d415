from .entrant import Enterprise, MakerTeam, TeamMember
from .entry import DuplicateFlag, Entry, EntryImage, EntryTransition, Submission
from .rules import EligibilityRule, RegistrationWindow

__all__ = [
    "DuplicateFlag", "EligibilityRule", "Enterprise", "Entry", "EntryImage", "EntryTransition", "MakerTeam",
    "RegistrationWindow", "Submission", "TeamMember",
]  # fmt: skip
