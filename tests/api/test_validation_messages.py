"""pydantic's own refusals of a request's shape (a field missing, text too long, a number out of bounds,
a choice not offered …) in the request's language: Chinese by default, English when asked for."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Literal

import pytest
from django.utils import translation
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from contest.core.api import shape_errors
from tests.api.test_registration_api import Api, as_json
from tests.registration.factories import complete_entry, enterprise_owner

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


class Tier(Enum):
    REGIONAL = "regional"
    THEMATIC = "thematic"


class Item(BaseModel):
    name: str


class Probe(BaseModel):
    """One field per kind of refusal."""

    model_config = ConfigDict(extra="forbid")

    required: str
    long: str = Field("", max_length=3)
    short: str = Field("abc", min_length=2)
    gt: int = Field(1, gt=0)
    ge: int = Field(0, ge=0)
    lt: int = Field(0, lt=10)
    le: int = Field(0, le=10)
    count: int = 0
    amount: Decimal = Decimal(0)
    digits: Decimal = Field(Decimal(0), max_digits=4)
    places: Decimal = Field(Decimal(0), decimal_places=2)
    flag: bool = False
    day: date = date(2026, 1, 1)
    moment: datetime = datetime(2026, 1, 1)  # noqa: DTZ001 -- a probe of parsing only
    choice: Literal["regional", "thematic", "overseas_final"] = "regional"
    tier: Tier = Tier.REGIONAL
    tags: list[str] = []
    item: Item | None = None
    mapping: dict[str, str] = {}


BAD = {
    "long": "abcd", "short": "a", "gt": 0, "ge": -1, "lt": 10, "le": 11, "count": "x", "amount": "x",
    "digits": "12345", "places": "1.234", "flag": "maybe", "day": "someday", "moment": "soon",
    "choice": "provincial", "tier": "national", "tags": "a", "item": 5, "mapping": 5, "surprise": 1,
}  # fmt: skip

CHINESE = {
    "required": "必填字段。",
    "long": "最多 3 个字符。",
    "short": "至少 2 个字符。",
    "gt": "应大于 0。",
    "ge": "不能小于 0。",
    "lt": "应小于 10。",
    "le": "不能大于 10。",
    "count": "请填写整数。",
    "amount": "请填写数字（如 88.5）。",
    "digits": "数字最多 4 位。",
    "places": "最多 2 位小数。",
    "flag": "应为 true 或 false。",
    "day": "请填写日期，格式 YYYY-MM-DD。",
    "moment": "请填写带时区的时间，如 2024-08-01T09:00:00+08:00。",
    "choice": "应为以下之一：regional、thematic、overseas_final。",
    "tier": "应为以下之一：regional、thematic。",
    "tags": "应为 JSON 数组（[…]）。",
    "item": "应为 JSON 对象（{…}）。",
    "mapping": "应为 JSON 对象（{…}）。",
    "surprise": "不接受这个字段。",
}
ENGLISH = {
    "required": "This field is required.",
    "long": "At most 3 characters.",
    "short": "At least 2 characters.",
    "gt": "Must be greater than 0.",
    "ge": "Must not be less than 0.",
    "lt": "Must be less than 10.",
    "le": "Must not be greater than 10.",
    "count": "Enter a whole number.",
    "amount": "Please enter a number (e.g. 88.5).",
    "digits": "At most 4 digits.",
    "places": "At most 2 decimal places.",
    "flag": "Must be true or false.",
    "day": "Enter a date as YYYY-MM-DD.",
    "moment": "Enter a time with its time zone, e.g. 2024-08-01T09:00:00+08:00.",
    "choice": "Must be one of: regional, thematic, overseas_final.",
    "tier": "Must be one of: regional, thematic.",
    "tags": "Must be a JSON array ([…]).",
    "item": "Must be a JSON object ({…}).",
    "mapping": "Must be a JSON object ({…}).",
    "surprise": "This field is not accepted.",
}


def probe_messages(language: str) -> dict[str, str]:
    with pytest.raises(ValidationError) as refused:
        Probe.model_validate(BAD)
    errors = [{k: v for k, v in e.items() if k != "input"} for e in refused.value.errors(include_url=False)]
    with translation.override(language):
        return {e["loc"][0]: e["msg"] for e in shape_errors(errors)}


def test_each_kind_of_shape_error_is_explained_in_chinese():
    assert probe_messages("zh-hans") == CHINESE


def test_each_kind_of_shape_error_is_explained_in_english():
    assert probe_messages("en") == ENGLISH


def test_an_error_our_own_validators_raise_keeps_its_message():
    error = {"type": "control_characters", "loc": ("title",), "msg": "含有不可见的控制字符，请删除后重试。"}

    with translation.override("en"):
        assert shape_errors([error]) == [error]


def test_invalid_json_is_explained():
    with pytest.raises(ValidationError) as refused:
        Probe.model_validate_json("{")
    (error,) = refused.value.errors(include_url=False)

    assert [e["msg"] for e in shape_errors([error])] == ["不是有效的 JSON。"]


# -- through the API -------------------------------------------------------------------------------


def refusal(response) -> list[tuple[list, str]]:
    return [(e["loc"], e["msg"]) for e in as_json(response, 422)["detail"]]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", [(["query", "limit"], "不能大于 200。")]),
        ("en", [(["query", "limit"], "Must not be greater than 200.")]),
    ],
)
def test_a_query_parameter_out_of_bounds_is_explained_in_the_request_language(edition9, language, expected):
    response = Api().client.get("/api/v1/events?limit=201", headers={"Accept-Language": language})

    assert refusal(response) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "zh-hans",
            [(["query", "tier"], "应为以下之一：national_final、regional、thematic、overseas_final。")],
        ),
        ("en", [(["query", "tier"], "Must be one of: national_final, regional, thematic, overseas_final.")]),
    ],
)
def test_a_choice_not_offered_is_explained_with_the_choices(edition9, language, expected):
    response = Api().client.get("/api/v1/events?tier=provincial", headers={"Accept-Language": language})

    assert refusal(response) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", [(["body", "payload", "title"], "最多 200 个字符。")]),
        ("en", [(["body", "payload", "title"], "At most 200 characters.")]),
    ],
)
def test_a_title_too_long_is_explained_in_the_request_language(ningbo, language, expected):
    owner = enterprise_owner()
    complete_entry(ningbo, owner=owner)
    api = Api(owner)

    response = api.client.post(
        "/api/v1/me/entries",
        {"event_id": ningbo.pk, "group": "enterprise", "title": "长" * 201},
        content_type="application/json",
        headers={**api._headers(), "Accept-Language": language},
    )

    assert refusal(response) == expected


def test_a_missing_field_is_explained(ningbo):
    owner = enterprise_owner()
    complete_entry(ningbo, owner=owner)

    response = Api(owner).post("/me/entries", {"group": "enterprise", "title": "项目"})

    assert refusal(response) == [(["body", "payload", "event_id"], "必填字段。")]


def test_a_list_too_long_counts_items_and_annotated_text_counts_characters():
    errors = [
        {"type": "too_long", "loc": ("ip_list",), "msg": "…", "ctx": {"field_type": "List", "max_length": 100, "actual_length": 101}},
        {"type": "too_long", "loc": ("title",), "msg": "…", "ctx": {"field_type": "Value", "max_length": 200, "actual_length": 201}},
    ]  # fmt: skip

    assert [e["msg"] for e in shape_errors(errors)] == ["最多 100 项。", "最多 200 个字符。"]
