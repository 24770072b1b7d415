"""API shapes for review. Presentation only: the services decide what is valid, the selectors what
a caller may see (``selectors.judge_entry_view`` for a judge, the tenancy selector for organizers).

Scores, weights and aggregates are ``Decimal`` in the services and strings here ("25.5",
"81.0000"), never JSON numbers, so no client rounds them through a float. Inputs accept a JSON
number or a string of plain digits for a score (``25.5`` or ``"25.5"``; not ``true``, ``"1_0"``
or ``"1e3"``: ``core.api.Number``).

A judge's view of an entry in a blind round has no ``entrant`` key at all (the operation drops
unset fields): not the enterprise or team name, credit code, contacts, members, registration
number, region, video link or file names, and the free text comes redacted.
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from contest.catalog.schemas import EDITION_MAX, ID_MAX
from contest.core.api import InputSchema, Moment, integer, number, text
from contest.registration.schemas import GROUP_CODE, INT_MAX
from contest.review.enums import (
    Aggregation,
    CarryOver,
    Decision,
    QuotaKind,
    RoundStage,
    RoundStatus,
    RunStatus,
)

Id = integer(ge=1, le=ID_MAX)
#: A score as typed by a judge: a JSON number or a string of plain digits, at most 12 digits.
ScoreIn = number(max_digits=12)
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")]


# -- shared pieces ------------------------------------------------------------------------------------


class CriterionOut(Schema):
    code: str
    name: str
    max: str
    weight: str


class EventRef(Schema):
    id: int
    name: str


class SheetOut(Schema):
    status: Literal["draft", "submitted"]
    scores: dict[str, str]
    total: str | None = Field(description="加权总分（4 位小数）；有未填的项时为空")
    comment: str
    version: int = Field(description="保存时带上它作为 expected_version，防止覆盖别处的修改")
    submitted_at: datetime | None


# -- the judge's side ------------------------------------------------------------------------------------


class JudgeRoundOut(Schema):
    id: int
    name: str
    stage: RoundStage
    status: RoundStatus
    blind: bool
    opens_at: datetime | None
    closes_at: datetime | None


class JudgeQuery(InputSchema):
    round: integer(ge=1, le=ID_MAX, description="只看这一轮") | None = None


class JudgeAssignmentOut(Schema):
    """One line of the judge's list."""

    id: int
    round: JudgeRoundOut
    code: str = Field(description="匿名编号")
    title: str = Field(description="项目名称（匿名评审时隐去参赛主体信息）")
    industry: str
    state: Literal["pending", "draft", "submitted"]
    total: str | None


class FinanceRowOut(Schema):
    year: str
    revenue: str
    profit: str


class IpOut(Schema):
    kind: str
    name: str
    number: str


class EntrantOut(Schema):
    name: str
    pitch_video_url: str


class JudgeEntryOut(Schema):
    code: str
    title: str
    industry: str
    industry_label: str
    summary: str
    innovation: str
    market: str
    business_model: str
    team_description: str
    finances: list[FinanceRowOut]
    funding_sought: str | None
    ip_list: list[IpOut]
    business_plan_pages: int | None
    entrant: EntrantOut | None = Field(None, description="仅公开评审的轮次；匿名评审时没有这个字段")


class JudgeAssignmentDetailOut(Schema):
    id: int
    round: JudgeRoundOut
    rubric: list[CriterionOut]
    entry: JudgeEntryOut
    sheet: SheetOut | None


class SheetIn(InputSchema):
    scores: dict[Code, ScoreIn | None] = Field(
        default_factory=dict,
        max_length=50,
        description="评分项代码 → 分数（JSON 数值或数字字符串；空为未填）",
    )
    comment: text(3000, "评语") = ""
    expected_version: integer(ge=1, le=INT_MAX, description="读到的 version；已在别处修改时答 409") | None = (
        None
    )


class SubmitIn(InputSchema):
    scores: dict[Code, ScoreIn | None] | None = Field(
        None, max_length=50, description="不传时提交已保存的草稿"
    )
    comment: text(3000, "评语") | None = None
    expected_version: integer(ge=1, le=INT_MAX) | None = None


class DeclareConflictIn(InputSchema):
    reason: text(300, "回避原因，组织方可见", filled=True)


class DeclaredOut(Schema):
    assignment_id: int
    code: str
    kind: str
    reason: str
    withdrawn: bool = Field(description="该分配已撤回（已提交评分的分配保留，由组织方处理）")


# -- the organizer's side -----------------------------------------------------------------------------------


class CriterionIn(InputSchema):
    code: Code
    name: text(50, "名称", filled=True)
    max: number(max_digits=8, description="满分，大于 0")
    weight: number(max_digits=8, ge=0, description="权重，各项之和为 100")


class RoundIn(InputSchema):
    event_id: Id | None = Field(None, description="赛事；不填为全国评审（须为该届秘书处）")
    edition: integer(ge=1, le=EDITION_MAX, description="全国评审的届次") | None = None
    name: text(100, "名称", filled=True)
    stage: RoundStage
    judges_per_entry: integer(ge=1, le=50) = 5
    default_max_load: integer(ge=1, le=10_000) = 30
    blind: bool = True
    judges_see_others: bool = False
    opens_at: Moment | None = Field(None, description="带时区，如 2024-08-01T09:00:00+08:00")
    closes_at: Moment | None = Field(None, description="带时区")
    aggregation: Aggregation = Aggregation.MEAN
    normalize: bool = False
    places: integer(ge=0, le=4) = 2
    rank_by_industry: bool = False
    require_investor: bool = False
    distinct_organizations: bool = False
    carry_over: CarryOver = CarryOver.FRESH
    carry_weight: number(ge=0, le=1, max_digits=4, decimal_places=3) = Decimal(0)
    rubric: list[CriterionIn] | None = Field(None, max_length=20, description="不填用默认的五项细则")


class QuotaOut(Schema):
    group: str
    kind: QuotaKind
    count: int | None
    percent: str | None
    floor: int | None
    cap: int | None
    total: int | None
    taken: int


class RoundCounts(Schema):
    entries: int
    judges: int
    assignments: int
    submitted: int


class RoundOut(Schema):
    id: int
    edition: int
    event: EventRef | None
    name: str
    stage: RoundStage
    status: RoundStatus
    status_label: str
    judges_per_entry: int
    default_max_load: int
    blind: bool
    judges_see_others: bool
    opens_at: datetime | None
    closes_at: datetime | None
    aggregation: Aggregation
    normalize: bool
    places: int
    rank_by_industry: bool
    require_investor: bool
    distinct_organizations: bool
    carry_over: CarryOver
    carry_weight: str
    previous_id: int | None
    rubric: list[CriterionOut]
    counts: RoundCounts
    quotas: list[QuotaOut]


class EntriesIn(InputSchema):
    """A JSON object: ``{}`` puts the default entries in. Anything else — a list, a number,
    ``null``, or an object with a misspelt key — is refused (422), never read as ``{}`` (which
    would put every qualified entry in)."""

    # a misspelt key is refused too (``InputSchema`` refuses what is not an object)
    model_config = ConfigDict(extra="forbid")

    entry_ids: list[Id] | None = Field(
        None, max_length=5000, description="不填：本赛事资格审查通过的项目（全国评审：各赛事推荐的项目）"
    )


class AddedOut(Schema):
    added: int
    total: int


class JudgesIn(InputSchema):
    expert_ids: list[Id] = Field(..., min_length=1, max_length=2000)
    max_load: integer(ge=1, le=10_000, description="不填用本轮的默认上限") | None = None


class DetectedOut(Schema):
    detected: int = Field(description="新发现的回避关系数")


class RunOut(Schema):
    id: int
    round_id: int
    status: RunStatus
    status_label: str
    progress: int
    message: str
    finished: bool
    stats: dict[str, Any]
    created_at: datetime
    finished_at: datetime | None


class RankingRowOut(Schema):
    rank: int
    entry_id: int
    code: str
    number: str
    title: str
    group: str
    industry: str
    value: str
    exact: str
    n_scores: int
    too_few: bool
    tied_with: list[int]


class RankingOut(Schema):
    round_id: int
    aggregation: Aggregation
    normalize: bool
    places: int
    rows: list[RankingRowOut]


class QuotaIn(InputSchema):
    group: str = Field(..., max_length=30, pattern=GROUP_CODE)
    kind: QuotaKind
    count: integer(ge=0, le=INT_MAX) | None = None
    percent: number(ge=0, le=100, max_digits=5, decimal_places=2) | None = None
    floor: integer(ge=0, le=INT_MAX) | None = None
    cap: integer(ge=0, le=INT_MAX) | None = None
    total: integer(ge=0, le=INT_MAX, description="按分区比例分配（proportional）的总名额") | None = None


class DecisionIn(InputSchema):
    entry_id: Id
    decision: Decision


class DecisionsIn(InputSchema):
    decisions: list[DecisionIn] = Field(..., min_length=1, max_length=5000)
    note: text(300, "说明") = ""


class PublishIn(InputSchema):
    decisions: list[DecisionIn] | None = Field(
        None, max_length=5000, description="同时暂存并发布这些决定（同一事务，轮次全程锁定）"
    )
    note: text(300, "说明") = ""
    acknowledged_too_few: integer(
        ge=0, le=100000,
        description="已知晓的“评分不足”项目数；本轮有评分不足的项目时须不少于该数，否则拒绝发布",
    ) = 0  # fmt: skip


class DecisionOut(Schema):
    entry_id: int
    code: str
    decision: Decision
    rank: int | None
    score: str | None
    note: str
    published_at: datetime | None


class PublishOut(Schema):
    advancing: dict[str, int]
    decisions: list[DecisionOut]
