"""API shapes for registration. Presentation only: the services decide what is valid.

Input shapes bound sizes and types with ``core.api``'s input types, so that nothing reaches a
service that no one meant (control characters, ``true`` or ``"1_0"`` as a number, the year 0001):
those are 422 shape errors naming the field. The business rules — credit-code check digits,
mobile numbers, negative amounts, required fields — are the services', whose Chinese messages come
back as a 422 with ``fields``. So most input fields may be left out here: a missing one is reported
by the service, with every other problem, in one answer; but a text the service requires is
declared ``minLength: 1`` (and not blank), so that the schema does not offer "" as acceptable.
Amounts are JSON numbers or strings of plain digits (``3200.5`` or ``"3200.5"``).
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from contest.catalog.schemas import ID_MAX
from contest.core.api import InputSchema, day, integer, local, number, text
from contest.core.inputs import LATEST
from contest.registration.enums import EntryStatus, Industry, SmeStatus
from contest.registration.models import Enterprise, Entry, MakerTeam, Submission
from contest.registration.models.entrant import IdType
from contest.registration.services.common import EARLIEST_FOUNDING

INT_MAX = 2_147_483_647  # PositiveIntegerField on PostgreSQL
GROUP_CODE = r"^[-a-zA-Z0-9_]+$"
COUNTRY = r"^[A-Za-z]{2}$"


#: ≤ 14 digits with 2 decimals, the columns' size; the sign is the service's to judge (a negative
#: amount where none is allowed gets its message, with every other problem).
Money = number(max_digits=14, decimal_places=2)
Count = integer(le=INT_MAX)
Year = integer(ge=1900, le=2100)
#: a founding date: from 1900 (the service's ``EARLIEST_FOUNDING``), not after today (the service)
FoundingDay = day(earliest=EARLIEST_FOUNDING, latest=LATEST)


# -- entrant profiles ------------------------------------------------------------------------------


class DivisionRef(Schema):
    code: str
    name: str


class EnterpriseIn(InputSchema):
    """Every field the form has; a missing or empty one is reported by the service with the rest."""

    name: text(200, "企业名称", filled=True) | None = None
    credit_code: text(40, "统一社会信用代码，18 位", filled=True) | None = None
    founded_on: FoundingDay | None = Field(None, description="成立日期 YYYY-MM-DD，1900-01-01 至今天")
    registered_capital: Money | None = Field(None, description="注册资本（万元），不能为负")
    employees: Count | None = Field(None, description="从业人数")
    revenue_last_year: Money | None = Field(None, description="上年营业收入（万元），不能为负")
    is_listed: bool = False
    industry: Industry | None = Field(None, description="所属行业（国民经济行业分类门类）")
    sme_status: SmeStatus = SmeStatus.NONE
    contact_name: text(50, "联系人", filled=True) | None = None
    contact_phone: (
        text(40, "联系人手机（境外企业：任何国家或地区的手机号，带国家代码）", filled=True) | None
    ) = None
    division_confirmed: bool = Field(False, description="确认由信用代码识别出的登记地无误")
    # an overseas enterprise (country other than CN): no credit code, no 区划
    country: str | None = Field(
        None, pattern=COUNTRY, description="注册国家或地区（ISO 3166-1 alpha-2）；不填或 CN 为中国大陆企业"
    )
    name_translated: text(200, "境外企业：企业中文或英文名称（name 为原文名称）", filled=True) | None = None
    registration_number: text(100, "境外企业：所在国家或地区签发的注册号", filled=True) | None = None
    address: text(300, "境外企业：注册地址", filled=True) | None = None


class EnterpriseResolvers(Schema):
    """How both enterprise shapes read money (as text, exact) and the update time (Beijing)."""

    @staticmethod
    def resolve_registered_capital(obj: Enterprise) -> str:
        return str(obj.registered_capital)

    @staticmethod
    def resolve_revenue_last_year(obj: Enterprise) -> str:
        return str(obj.revenue_last_year)

    @staticmethod
    def resolve_updated_at(obj: Enterprise) -> datetime | None:
        return local(obj.updated_at)


class EnterpriseOut(EnterpriseResolvers):
    name: str
    credit_code: str
    division_code: str
    division: DivisionRef | None
    division_confirmed: bool
    founded_on: date
    registered_capital: str
    employees: int
    revenue_last_year: str
    is_listed: bool
    industry: Industry
    sme_status: SmeStatus
    contact_name: str
    contact_phone: str
    updated_at: datetime


class MemberIn(InputSchema):
    """A member with every field empty is skipped; otherwise the name and phone are required."""

    name: text(200, "姓名") | None = None
    role: text(200, "角色（保存前 50 字）") | None = None
    phone: text(40, "手机") | None = None
    affiliation: text(500, "单位（保存前 200 字）") | None = None
    # overseas teams only
    nationality: str | None = Field(None, pattern=COUNTRY, description="境外团队：国籍（ISO 3166-1 alpha-2）")
    id_type: IdType | None = Field(None, description="境外团队：证件类型")
    id_number: text(50, "境外团队：证件号码") | None = None


class TeamIn(InputSchema):
    name: text(200, "团队名称", filled=True) | None = None
    leader_name: text(50, "负责人", filled=True) | None = None
    leader_phone: text(40, "负责人手机", filled=True) | None = None
    division: str | None = Field(None, pattern=r"^[0-9]{6}$", description="所在地的区划代码，如 330200")
    declares_not_enterprise: bool = Field(False, description="声明：团队未注册企业，且非企业内部项目")
    members: list[MemberIn] = Field(default_factory=list, max_length=50)
    is_overseas: bool = Field(
        False, description="境外团队：所在国家或地区代替区划，成员填写国籍、证件，手机号不限国家"
    )
    country: str | None = Field(
        None, pattern=COUNTRY, description="境外团队：所在国家或地区（ISO 3166-1 alpha-2）"
    )


class MemberOut(Schema):
    name: str
    role: str
    phone: str
    affiliation: str


class TeamOut(Schema):
    name: str
    leader_name: str
    leader_phone: str
    division: DivisionRef | None
    declares_not_enterprise: bool
    members: list[MemberOut]
    updated_at: datetime

    @staticmethod
    def resolve_members(obj: MakerTeam) -> list[Any]:
        return list(obj.members.all())

    @staticmethod
    def resolve_updated_at(obj: MakerTeam) -> datetime | None:
        return local(obj.updated_at)


class OverseasEnterpriseOut(EnterpriseResolvers):
    """An overseas enterprise (``country`` other than CN): its registration number, no credit code."""

    country: str
    name: str
    name_translated: str
    registration_number: str
    address: str
    founded_on: date
    registered_capital: str
    employees: int
    revenue_last_year: str
    is_listed: bool
    industry: Industry
    contact_name: str
    contact_phone: str
    updated_at: datetime


class OverseasMemberOut(MemberOut):
    nationality: str
    id_type: str
    id_number: str


class OverseasTeamOut(Schema):
    is_overseas: Literal[True]
    country: str
    name: str
    leader_name: str
    leader_phone: str
    declares_not_enterprise: bool
    members: list[OverseasMemberOut]
    updated_at: datetime

    @staticmethod
    def resolve_members(obj: MakerTeam) -> list[Any]:
        return list(obj.members.all())

    @staticmethod
    def resolve_updated_at(obj: MakerTeam) -> datetime | None:
        return local(obj.updated_at)


#: a mainland profile answers in its own shape (unchanged); an overseas one in the overseas shape
AnyEnterpriseOut = Annotated[EnterpriseOut | OverseasEnterpriseOut, Field(union_mode="left_to_right")]
AnyTeamOut = Annotated[OverseasTeamOut | TeamOut, Field(union_mode="left_to_right")]


# -- entries -----------------------------------------------------------------------------------------


class FinanceRowIn(InputSchema):
    year: Year | None = None
    revenue: Money | None = Field(None, description="营业收入（万元），不能为负")
    profit: Money | None = Field(None, description="净利润（万元），可为负")


class IpIn(InputSchema):
    """An item without a name is skipped; the texts are cut to 20, 200 and 50 characters."""

    kind: text(100, "类别，如 发明专利") | None = None
    name: text(1000, "名称") | None = None
    number: text(200, "编号") | None = None


class EntryFieldsIn(InputSchema):
    """Only the fields sent are changed. A draft may leave everything but its title empty; submitting
    asks for the rest."""

    title: text(200, "项目名称", filled=True) | None = None
    industry: Industry | None = None
    summary: text(2000, "项目简介") | None = None
    innovation: text(5000, "技术与创新") | None = None
    market: text(5000, "市场前景") | None = None
    business_model: text(5000, "商业模式") | None = None
    team_description: text(5000, "团队情况") | None = None
    finances: list[FinanceRowIn] | None = Field(None, max_length=10, description="近三年财务")
    funding_sought: Money | None = Field(None, description="融资需求（万元），不能为负；空为不填")
    ip_list: list[IpIn] | None = Field(None, max_length=100)
    pitch_video_url: text(200, "路演视频链接，http:// 或 https:// 开头；空为不填") | None = None


class EntryCreateIn(EntryFieldsIn):
    event_id: integer(ge=1, le=ID_MAX, description="报名的赛事")
    group: str = Field(..., max_length=30, pattern=GROUP_CODE, description="组别代码：enterprise 或 maker")
    zone: str | None = Field(
        None, max_length=30, pattern=r"^[a-z0-9-]+$", description="赛区站点代码（境外区域赛决赛必填，如 sg）"
    )


class EntryUpdateIn(EntryFieldsIn):
    expected_version: (
        integer(ge=1, le=INT_MAX, description="读到的 version；项目已在别处被修改时答 409") | None
    ) = None


class ReasonIn(InputSchema):
    """An optional reason (qualifying, withdrawing)."""

    reason: text(5000, "理由（可不填）") = ""


class RequiredReasonIn(InputSchema):
    """A decision that must say why (not qualifying, reopening)."""

    reason: text(5000, "理由", filled=True)


class CommentIn(InputSchema):
    comment: text(5000, "需要修改的内容", filled=True)


class EventRef(Schema):
    id: int
    name: str


class EntrantRef(Schema):
    kind: Literal["enterprise", "team"]
    name: str
    credit_code: str | None


class FileOut(Schema):
    name: str
    sha256: str
    pages: int | None
    size: int | None


def _entrant(obj: Entry) -> dict[str, Any]:
    if obj.enterprise_id:
        return {"kind": "enterprise", "name": obj.enterprise.name, "credit_code": obj.credit_code}
    return {"kind": "team", "name": obj.team.name, "credit_code": None}


class EntrySummaryOut(Schema):
    id: int
    number: str | None
    status: EntryStatus
    status_label: str
    edition: int
    event: EventRef
    group: str
    title: str
    entrant: EntrantRef
    submitted_at: datetime | None
    updated_at: datetime

    @staticmethod
    def resolve_status_label(obj: Entry) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_edition(obj: Entry) -> int:
        return obj.edition.number

    @staticmethod
    def resolve_event(obj: Entry) -> dict[str, Any]:
        return {"id": obj.event_id, "name": obj.event.name}

    @staticmethod
    def resolve_group(obj: Entry) -> str:
        return obj.group.code

    @staticmethod
    def resolve_entrant(obj: Entry) -> dict[str, Any]:
        return _entrant(obj)

    @staticmethod
    def resolve_submitted_at(obj: Entry) -> datetime | None:
        return local(obj.submitted_at)

    @staticmethod
    def resolve_updated_at(obj: Entry) -> datetime | None:
        return local(obj.updated_at)


class EntryOut(EntrySummaryOut):
    industry: str
    summary: str
    innovation: str
    market: str
    business_model: str
    team_description: str
    finances: list[dict[str, Any]]
    funding_sought: str | None
    ip_list: list[dict[str, Any]]
    pitch_video_url: str
    business_plan: FileOut | None
    organizer_comment: str
    version: int
    created_at: datetime

    @staticmethod
    def resolve_funding_sought(obj: Entry) -> str | None:
        return None if obj.funding_sought is None else str(obj.funding_sought)

    @staticmethod
    def resolve_business_plan(obj: Entry) -> dict[str, Any] | None:
        if not obj.business_plan_sha256:
            return None
        return {
            "name": obj.business_plan_name,
            "sha256": obj.business_plan_sha256,
            "pages": obj.business_plan_pages,
            "size": obj.business_plan_size,
        }

    @staticmethod
    def resolve_created_at(obj: Entry) -> datetime | None:
        return local(obj.created_at)


class ReceiptFileOut(Schema):
    role: str
    name: str
    sha256: str
    pages: int | None = None


class ReceiptOut(Schema):
    """What a submission certifies: its number, when (+08:00), and the SHA-256 of content and files."""

    number: str
    entry_id: int
    entry_number: str
    submitted_at: datetime
    sha256: str
    files: list[ReceiptFileOut]

    @staticmethod
    def resolve_entry_number(obj: Submission) -> str:
        return obj.entry.number

    @staticmethod
    def resolve_submitted_at(obj: Submission) -> datetime | None:
        return local(obj.submitted_at)

    @staticmethod
    def resolve_files(obj: Submission) -> list[dict[str, Any]]:
        return obj.manifest.get("files", [])


class EntryQuery(InputSchema):
    status: EntryStatus | None = Field(None, description="状态")
    group: str | None = Field(None, max_length=30, pattern=GROUP_CODE, description="组别代码")
    industry: Industry | None = Field(None, description="行业门类")
    division: str | None = Field(None, pattern=r"^[0-9]{6}$", description="省级区划代码，含其下各市")
    q: text(100, "项目名称、报名编号、参赛主体名称或信用代码包含的文字") | None = None
