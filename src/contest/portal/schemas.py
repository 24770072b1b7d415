"""API shapes of the portal: what a province's site pushes, the report it gets back, and the
reconciliation listing. Presentation only: ``registration.services.intake`` decides what is valid.

An item's ``fields`` are strings as typed on the portal (numbers and booleans may be JSON values);
a wrong value is not a shape error of the whole request but a problem of that item in the report,
named by its column. Only what cannot be an answer at all is refused as a 422 shape error before
anything is checked: a body that is not ``{"items": [...]}``, more items than a push may carry,
control characters, absurd lengths.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import Strict

from contest.core.api import InputSchema, Text, integer, local, number, text

#: items one push may carry (a request also carries at most ``DATA_UPLOAD_MAX_NUMBER_FILES`` files)
MAX_ITEMS = 100
MAX_MEMBERS = 30
MAX_IMAGES = 10
#: a field's text: longer than any column (5,000 characters), short of absurd
FIELD_TEXT_MAX = 10_000
PART_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
KEY_PATTERN = r"^[\x21-\x7e]{1,100}$"

FieldText = Annotated[Text, Field(max_length=FIELD_TEXT_MAX)]
# Strict: a value is taken as the JSON parser made it, never converted (pydantic's lax conversion of
# ``1e999999999`` to an int would build a billion-digit number).
FieldBool = Annotated[bool, Strict()]
FieldNumber = Annotated[Decimal, Strict(), Field(max_digits=30, allow_inf_nan=False)]
FieldInteger = Annotated[int, Strict(), Field(ge=-(2**63), le=2**63)]
#: one intellectual-property right of ``ip_list``: kind, name, number
IpRight = dict[Annotated[str, Field(max_length=20)], FieldText | None]
#: a field's value: text as typed, or a JSON number or boolean; null means "not given";
#: ``ip_list`` may also be a list of ``{"kind", "name", "number"}``
FieldValue = (
    FieldBool | FieldInteger | FieldNumber | FieldText | Annotated[list[IpRight], Field(max_length=50)] | None
)
PartName = Annotated[str, Field(pattern=PART_NAME, description="multipart 请求中文件部分的名称（name）")]

ENTERPRISE_EXAMPLE = {
    "key": "GD-2024-000123",
    "group": "enterprise",
    "fields": {
        "name": "广州智造科技有限公司", "credit_code": "91440101MA5CX7K2PU", "founded_on": "2019-03-15",
        "registered_capital": "500", "employees": "45", "revenue_last_year": "3200.50", "is_listed": False,
        "industry": "C", "sme_status": "srdi", "contact_name": "李明", "contact_phone": "13800138000",
        "title": "工业视觉缺陷检测平台", "summary": "基于深度学习的表面缺陷检测。", "innovation": "小样本学习",
        "market": "珠三角电子制造", "business_model": "软件订阅", "team_description": "博士团队",
        "funding_sought": "2000", "pitch_video_url": "",
    },
    "business_plan": "plan-123",
    "images": ["img-123-1"],
    "recommendation": {"rank": 1, "score": "92.50", "award": "一等奖"},
}  # fmt: skip
MAKER_EXAMPLE = {
    "key": "GD-2024-000456",
    "group": "maker",
    "fields": {
        "team_name": "光合创客团队", "leader_name": "王芳", "leader_phone": "13900139000",
        "declares_not_enterprise": True, "title": "低成本光伏清洁机器人", "industry": "D",
        "summary": "面向分布式光伏的清洁机器人。",
    },
    "members": [
        {"name": "王芳", "role": "负责人", "phone": "13900139000", "affiliation": "华南理工大学"},
        {"name": "陈晨", "role": "硬件", "phone": "13700137000", "affiliation": "华南理工大学"},
    ],
    "business_plan": "plan-456",
}  # fmt: skip


class RecommendationIn(InputSchema):
    """The event's own result for a recommended project (any of the three may be left out)."""

    rank: integer(ge=1, le=100_000, description="赛事内名次") | None = None
    score: (
        number(max_digits=8, decimal_places=4, ge=0, le=Decimal("9999.9999"), description="赛事内得分") | None
    ) = None
    award: text(50, "赛事自己的奖项，如“一等奖”") = ""


class ItemIn(InputSchema):
    """One project, as the portal holds it."""

    key: str | None = Field(
        None, pattern=KEY_PATTERN,
        description="门户自己的编号（可打印 ASCII，≤ 100 个字符），报告中用它指明每一项；不填时为 items[序号]",
    )  # fmt: skip
    group: text(30, "组别：enterprise（企业组）或 maker（创客组）", filled=True)
    fields: dict[Annotated[str, Field(max_length=50)], FieldValue] = Field(
        default_factory=dict,
        description="项目字段，键名见 docs/portal.md（企业组：name, credit_code, founded_on …；"
        "创客组：team_name, leader_name, leader_phone …；可选：entry_industry（企业组）、division（创客组）、ip_list）",
    )
    members: list[dict[Annotated[str, Field(max_length=50)], FieldValue]] = Field(
        default_factory=list, max_length=MAX_MEMBERS, description="创客组成员：name, role, phone, affiliation"
    )
    business_plan: PartName | None = Field(None, description="商业计划书（PDF）所在的 multipart 文件部分名称")
    images: list[PartName] = Field(
        default_factory=list, max_length=MAX_IMAGES, description="项目图片所在的 multipart 文件部分名称"
    )
    recommendation: RecommendationIn | None = Field(
        None, description="推荐进入全国评审时填写：赛事内的名次、得分、奖项"
    )


class PushIn(InputSchema):
    """The JSON document of a push: as the whole body (``application/json``, no files), or as the
    part named ``payload`` of a ``multipart/form-data`` body whose other parts are the files."""

    model_config = {"json_schema_extra": {"examples": [{"items": [ENTERPRISE_EXAMPLE, MAKER_EXAMPLE]}]}}

    items: list[ItemIn] = Field(..., min_length=1, max_length=MAX_ITEMS)


# -- the report ---------------------------------------------------------------------------------------


class ProblemOut(Schema):
    column: str = Field(description="出问题的字段：credit_code、members[2].phone、business_plan …")
    message: str


class ItemReportOut(Schema):
    key: str
    group: str
    action: Literal["created", "updated", "unchanged", "invalid"]
    number: str | None = Field(description="平台报名编号（写入后才有）")
    content_sha256: str = Field(description="该项目内容与文件的哈希，与对账接口中的 content_sha256 相同")
    recommended: bool = Field(description="是否已作为推荐项目登记")
    problems: list[ProblemOut]


class CountsOut(Schema):
    created: int
    updated: int
    unchanged: int
    invalid: int


class PushOut(Schema):
    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "accepted": True,
                    "idempotency_key": "gd-2024-07-20-batch-1",
                    "counts": {"created": 1, "updated": 0, "unchanged": 1, "invalid": 0},
                    "recommended": 1,
                    "items": [
                        {"key": "GD-2024-000123", "group": "enterprise", "action": "created",
                         "number": "E9-44-00001", "content_sha256": "3f5a…", "recommended": True, "problems": []},
                        {"key": "GD-2024-000456", "group": "maker", "action": "unchanged",
                         "number": "M9-44-00002", "content_sha256": "9c1d…", "recommended": False, "problems": []},
                    ],
                },
                {
                    "accepted": False,
                    "idempotency_key": "gd-2024-07-20-batch-2",
                    "counts": {"created": 0, "updated": 0, "unchanged": 0, "invalid": 1},
                    "recommended": 0,
                    "items": [
                        {"key": "items[0]", "group": "enterprise", "action": "invalid", "number": None,
                         "content_sha256": "", "recommended": False,
                         "problems": [{"column": "credit_code", "message": "统一社会信用代码校验位不正确。"}]},
                    ],
                },
            ]
        }
    }  # fmt: skip

    accepted: bool = Field(description="true：全部写入；false：有项目不合格，什么也没有写入")
    idempotency_key: str
    counts: CountsOut
    recommended: int = Field(description="本次登记的推荐项目数")
    items: list[ItemReportOut]


# -- reconciliation ------------------------------------------------------------------------------------


class HoldingOut(Schema):
    model_config = {
        "json_schema_extra": {
            "examples": [
                {"number": "E9-44-00001", "group": "enterprise", "natural_key": "91440101MA5CX7K2PU",
                 "credit_code": "91440101MA5CX7K2PU", "leader_phone": None, "title": "工业视觉缺陷检测平台",
                 "status": "submitted", "content_sha256": "3f5a…", "business_plan_sha256": "b1c2…",
                 "image_sha256s": ["d4e5…"], "updated_at": "2024-07-20T10:15:00+08:00"},
            ]
        }
    }  # fmt: skip

    number: str | None
    group: str
    natural_key: str = Field(description="企业组：统一社会信用代码；创客组：负责人手机 + 空格 + 项目名称")
    credit_code: str | None
    leader_phone: str | None
    title: str
    status: str
    content_sha256: str
    business_plan_sha256: str | None
    image_sha256s: list[str]
    updated_at: datetime

    @staticmethod
    def resolve_updated_at(obj: Any) -> datetime | None:
        return local(obj["updated_at"])


class HoldingPageOut(Schema):
    model_config = {"json_schema_extra": {"examples": [{"items": HoldingOut.model_config["json_schema_extra"]["examples"],
                                                        "next": "1042"}]}}  # fmt: skip

    items: list[HoldingOut]
    next: str | None = Field(description="下一页的游标（作为 after 传入）；没有下一页时为 null")


class SummaryOut(Schema):
    model_config = {
        "json_schema_extra": {
            "examples": [
                {"event_id": 31, "event": "第九届“创客中国”广东省中小企业创新创业大赛", "total": 2,
                 "by_group": {"enterprise": 1, "maker": 1}, "by_status": {"submitted": 2},
                 "list_sha256": "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b",
                 "algorithm": "sha256(sorted_utf8(group\\tnatural_key\\tcontent_sha256\\n))"},
            ]
        }
    }  # fmt: skip

    event_id: int
    event: str
    total: int
    by_group: dict[str, int]
    by_status: dict[str, int]
    list_sha256: str = Field(
        description="对整个列表的哈希：每个项目一行 “group\\tnatural_key\\tcontent_sha256\\n”，"
        "按 UTF-8 字节排序后拼接，取 SHA-256（见 docs/portal.md）"
    )
    algorithm: str = Field(description="list_sha256 的算法（文字说明）")
