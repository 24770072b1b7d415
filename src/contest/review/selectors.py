"""Judge-side reads: a judge's rounds and assignments, and what a judge may see of an entry.

A judge sees only their own assignments, and only in rounds that have left the draft stage (the
assignment of a draft round is still provisional). What an entry shows depends on the round:

* blind round (``ReviewRound.blind``): the anonymous ``RoundEntry.code`` and the project's content
  (title, industry, summary, innovation, market, business model, team, finances, funding sought,
  IP). Never the enterprise or team name, credit code, contact, members, registration number,
  division, video link, file names or PDF metadata. Free text is entrant-written, so every
  identity string the platform knows about the entrant is blanked out of it as well;
* open round: the same content unredacted, plus the entrant's name and the video link.

The decision is made here, once; templates render what they are given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from contest.core.inputs import local
from contest.registration.enums import EntryStatus
from contest.registration.identity import identity_strings, redactor
from contest.registration.models import Entry, TeamMember
from contest.review.enums import Decision, RoundStatus, SheetStatus
from contest.review.models import AdvancementDecision, Assignment, ReviewRound, ScoreSheet

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Rounds a judge sees. A draft round's assignment may still change; the judge waits for it to open.
VISIBLE_TO_JUDGES = (RoundStatus.OPEN, RoundStatus.CLOSED, RoundStatus.PUBLISHED)


# -- a judge's assignments ----------------------------------------------------------------------------


def _members() -> Prefetch:
    return Prefetch("round_entry__entry__team__members", queryset=TeamMember.objects.order_by("order", "id"))


def assignments_for_judge(user, round: ReviewRound | None = None) -> QuerySet[Assignment]:
    """The user's assignments in visible rounds, with the sheet, the round entry and what
    redaction needs (enterprise, team and members), in a constant number of queries."""
    if not getattr(user, "is_authenticated", False):
        return Assignment.objects.none()
    qs = Assignment.objects.filter(expert__user=user, round__status__in=VISIBLE_TO_JUDGES)
    if round is not None:
        qs = qs.filter(round=round)
    return (
        qs.select_related(
            "round__event",
            "round_entry__entry__enterprise",
            "round_entry__entry__team",
            "round_entry__entry__owner",  # the account's e-mail and phone are identity too
            "expert",
            "sheet",
        )
        .prefetch_related(_members())
        .order_by("round_id", "round_entry__code")
    )


def assignment_for_judge(user, *, round_id: int, code: str) -> Assignment | None:
    """One of the user's assignments by round and anonymous code, or None (the view answers 404)."""
    assignment = assignments_for_judge(user).filter(round_id=round_id, round_entry__code=code).first()
    if assignment is None or not user.has_perm("review.score_entry", assignment):
        return None
    return assignment


def sheet_of(assignment: Assignment) -> ScoreSheet | None:
    try:
        return assignment.sheet
    except ScoreSheet.DoesNotExist:
        return None


def sheet_state(assignment: Assignment) -> str:
    """``pending`` (未评), ``draft`` (草稿) or ``submitted`` (已提交)."""
    sheet = sheet_of(assignment)
    if sheet is None:
        return "pending"
    return "submitted" if sheet.status == SheetStatus.SUBMITTED else "draft"


@dataclass(frozen=True)
class RoundProgress:
    round: ReviewRound
    total: int
    submitted: int
    drafts: int

    @property
    def pending(self) -> int:
        return self.total - self.submitted - self.drafts

    @property
    def closes_at(self) -> datetime | None:
        return local(self.round.closes_at) if self.round.closes_at else None


def rounds_for_judge(user) -> list[RoundProgress]:
    """The user's visible rounds with their progress, newest first (two queries)."""
    if not getattr(user, "is_authenticated", False):
        return []
    counts = {
        row["round_id"]: row
        for row in Assignment.objects.filter(expert__user=user, round__status__in=VISIBLE_TO_JUDGES)
        .values("round_id")
        .annotate(
            total=Count("id"),
            submitted=Count("id", filter=Q(sheet__status=SheetStatus.SUBMITTED)),
            drafts=Count("id", filter=Q(sheet__status=SheetStatus.DRAFT)),
        )
    }
    rounds = (
        ReviewRound.objects.filter(pk__in=counts).select_related("event", "edition").order_by("-created_at")
    )
    return [
        RoundProgress(r, counts[r.pk]["total"], counts[r.pk]["submitted"], counts[r.pk]["drafts"])
        for r in rounds
    ]


def round_for_judge(user, round_id: int) -> ReviewRound | None:
    """A visible round in which the user has at least one assignment, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        ReviewRound.objects.filter(pk=round_id, status__in=VISIBLE_TO_JUDGES, assignments__expert__user=user)
        .select_related("event", "edition")
        .distinct()
        .first()
    )


# -- what a judge sees of an entry -------------------------------------------------------------------


def judge_title(assignment: Assignment) -> str:
    """The project title as the judge sees it in lists (redacted in a blind round)."""
    entry = assignment.round_entry.entry
    if not assignment.round.blind:
        return entry.title
    return redactor(identity_strings(entry))(entry.title)


@dataclass(frozen=True)
class JudgeEntryView:
    """Everything a judge may see of one entry; nothing else reaches the judge's pages."""

    code: str
    blind: bool
    title: str
    industry: str
    summary: str
    innovation: str
    market: str
    business_model: str
    team_description: str
    finances: list[dict] = field(default_factory=list)
    funding_sought: Decimal | None = None
    ip_list: list[dict] = field(default_factory=list)
    has_plan: bool = False
    plan_pages: int | None = None
    plan_size: int | None = None
    plan_filename: str = ""
    entrant_name: str = ""  # open rounds only
    pitch_video_url: str = ""  # open rounds only


def judge_entry_view(assignment: Assignment) -> JudgeEntryView:
    round_, round_entry = assignment.round, assignment.round_entry
    entry = round_entry.entry
    clean = redactor(identity_strings(entry)) if round_.blind else (lambda text: text or "")
    finances = [
        {"year": str(row.get("year") or ""), "revenue": clean(str(row.get("revenue") or "")),
         "profit": clean(str(row.get("profit") or ""))}
        for row in entry.finances or [] if isinstance(row, dict)
    ]  # fmt: skip
    ip_list = [
        {"kind": clean(str(item.get("kind") or "")), "name": clean(str(item.get("name") or "")),
         "number": clean(str(item.get("number") or ""))}
        for item in entry.ip_list or [] if isinstance(item, dict)
    ]  # fmt: skip
    return JudgeEntryView(
        code=round_entry.code,
        blind=round_.blind,
        title=clean(entry.title),
        industry=entry.get_industry_display(),
        summary=clean(entry.summary),
        innovation=clean(entry.innovation),
        market=clean(entry.market),
        business_model=clean(entry.business_model),
        team_description=clean(entry.team_description),
        finances=finances,
        funding_sought=entry.funding_sought,
        ip_list=ip_list,
        has_plan=bool(entry.business_plan),
        plan_pages=entry.business_plan_pages,
        plan_size=entry.business_plan_size,
        plan_filename=plan_filename(assignment),
        entrant_name="" if round_.blind else entry.entrant_name,
        pitch_video_url="" if round_.blind else entry.pitch_video_url,
    )


def plan_filename(assignment: Assignment) -> str:
    """The neutral name the judge's copy of the business plan is served under."""
    return f"{assignment.round_entry.code}.pdf"


# -- other judges' scores --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerSheet:
    label: str  # 评审 A, 评审 B, … never a name
    scores: dict[str, str]
    total: Decimal | None


def peer_sheets(assignment: Assignment) -> list[PeerSheet] | None:
    """Other judges' submitted sheets for the same entry, anonymously labelled; None when the
    judge may not see them: the round does not allow it, or the judge has not submitted yet."""
    mine = sheet_of(assignment)
    if not assignment.round.judges_see_others or mine is None or mine.status != SheetStatus.SUBMITTED:
        return None
    others = (
        ScoreSheet.objects.filter(
            assignment__round_entry_id=assignment.round_entry_id, status=SheetStatus.SUBMITTED
        )
        .exclude(assignment_id=assignment.pk)
        .order_by("assignment_id")
    )
    return [
        PeerSheet(
            label=_("评审 %(letter)s") % {"letter": chr(ord("A") + i % 26)}, scores=s.scores, total=s.total
        )
        for i, s in enumerate(others)
    ]


def next_pending(user, assignment: Assignment) -> Assignment | None:
    """The judge's next unsubmitted entry in the same round (by code), to move on after submitting."""
    rest = (
        Assignment.objects.filter(expert__user=user, round_id=assignment.round_id)
        .exclude(pk=assignment.pk)
        .exclude(sheet__status=SheetStatus.SUBMITTED)
        .select_related("round_entry")
        .order_by("round_entry__code")
    )
    after = rest.filter(round_entry__code__gt=assignment.round_entry.code).first()
    return after or rest.first()


# -- advancement: the one definition of which entries advanced ------------------------------------------


def advanced_decisions(round: ReviewRound | None = None) -> QuerySet[AdvancementDecision]:
    """Published "advance" decisions whose entry still stands qualified: THE definition of an entry
    that advanced, used by the next round, finals, 公示, statistics and the national review. An entry
    withdrawn, disqualified or reopened after the decision no longer counts. ``round`` narrows it
    to one round's decisions; without it, every round's."""
    decisions = AdvancementDecision.objects.filter(
        decision=Decision.ADVANCE,
        published_at__isnull=False,
        round_entry__entry__status=EntryStatus.QUALIFIED,
    )
    return decisions if round is None else decisions.filter(round_id=round.pk)


def advanced_entries(round: ReviewRound) -> QuerySet[Entry]:
    """The entries ``round`` advanced (see :func:`advanced_decisions`)."""
    return Entry.objects.filter(pk__in=advanced_decisions(round).values("round_entry__entry_id"))


def recommended_decisions(edition_id: int) -> QuerySet[AdvancementDecision]:
    """What the events of an edition recommend to the national review: the advance decisions of
    each event's last round (a round no later round follows)."""
    return advanced_decisions().filter(
        round__edition_id=edition_id, round__event__isnull=False, round__next_rounds__isnull=True
    )
