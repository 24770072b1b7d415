"""``contest.core.inputs``: what every input must satisfy before a service stores it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from contest.core import inputs
from contest.core.errors import ValidationFailed

pytestmark = pytest.mark.unit

CONTROL = "含有不可见的控制字符，请删除后重试。"
OUT_OF_RANGE = "日期须在 2000-01-01 至 2099-12-31 之间。"
NOT_A_NUMBER = "请填写数字（如 88.5）。"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    "text",
    ["a\x00b", "\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1b[31m", "\x1f", "\x7f", "x\ud800", "\udfff"],
)
def test_text_problem_refuses_control_characters_and_lone_surrogates(text):
    assert inputs.text_problem(text) == CONTROL


@pytest.mark.parametrize(
    "text", ["", "宁波创新科技", "line\nbreak\r\n", "tab\there", "emoji 😀", "\u00a0nbsp", "ＡＢＣ"]
)
def test_text_problem_accepts_ordinary_text_tabs_and_new_lines(text):
    assert inputs.text_problem(text) is None


def test_check_text_returns_the_value_or_names_the_field():
    assert inputs.check_text("项目名称", field="title") == "项目名称"
    with pytest.raises(ValidationFailed) as caught:
        inputs.check_text("项目\x00", field="title")
    assert (caught.value.message, caught.value.field, caught.value.code) == (
        CONTROL,
        "title",
        "control_characters",
    )


@pytest.mark.parametrize(
    "value",
    [
        date(1, 1, 1),
        date(1999, 12, 31),
        date(2100, 1, 1),
        date(9999, 12, 31),
        datetime(1, 1, 1, tzinfo=SHANGHAI),
        datetime(9999, 12, 31, 23, 59, tzinfo=SHANGHAI),
    ],
)
def test_date_problem_refuses_dates_outside_the_calendar(value):
    assert inputs.date_problem(value) == OUT_OF_RANGE


@pytest.mark.parametrize(
    "value",
    [inputs.EARLIEST, inputs.LATEST, date(2026, 7, 31), datetime(2099, 12, 31, 23, 59, tzinfo=SHANGHAI)],
)
def test_date_problem_accepts_the_calendar_bounds_inclusive(value):
    assert inputs.date_problem(value) is None


def test_calendar_bounds():
    bounds = (inputs.EARLIEST, inputs.LATEST)
    assert bounds == (date(2000, 1, 1), date(2099, 12, 31))


def test_check_date_returns_the_value_none_or_names_the_field():
    assert inputs.check_date(date(2026, 1, 1), field="closes_on") == date(2026, 1, 1)
    assert inputs.check_date(None, field="closes_on") is None
    with pytest.raises(ValidationFailed) as caught:
        inputs.check_date(date(9999, 12, 31), field="closes_on")
    assert (caught.value.message, caught.value.field, caught.value.code) == (
        OUT_OF_RANGE,
        "closes_on",
        "date_out_of_range",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("88.5", Decimal("88.5")),
        (" 88.50 ", Decimal("88.50")),
        ("-20", Decimal("-20")),
        ("+3", Decimal("3")),
        ("0", Decimal("0")),
        ("5.", Decimal("5")),
        (".5", Decimal("0.5")),
        ("1" * 30, Decimal("1" * 30)),
    ],
)
def test_parse_decimal_reads_plain_ascii_numbers(text, expected):
    value = inputs.parse_decimal(text)
    assert (value, type(value)) == (expected, Decimal)


@pytest.mark.parametrize(
    "text",
    ["", " ", "1_0", "５０", "٥٠", "１０", "NaN", "nan", "Infinity", "-inf", "1e3", "1E3", "sNaN", "1,000", "1.2.3",
     "--1", "+-1", ".", "abc", "50分", "1" * 31, "1\x00", "²"],
)  # fmt: skip
def test_parse_decimal_refuses_everything_else(text):
    with pytest.raises(ValidationFailed) as caught:
        inputs.parse_decimal(text, field="score")
    assert (caught.value.message, caught.value.field, caught.value.code) == (
        NOT_A_NUMBER,
        "score",
        "not_a_number",
    )


@pytest.mark.parametrize(("text", "expected"), [("1", 1), ("0", 0), (" 42 ", 42), ("9" * 18, int("9" * 18))])
def test_parse_id_reads_plain_ids(text, expected):
    assert inputs.parse_id(text) == expected


@pytest.mark.parametrize("text", [None, "", "²", "１", "٣", "-1", "1.0", "abc", "9" * 19, "1_0"])
def test_parse_id_answers_none_for_anything_else(text):
    assert inputs.parse_id(text) is None


def test_parse_ids_keeps_the_plain_ones_in_order():
    assert inputs.parse_ids(["3", "²", "1", "x", "9" * 19, "2"]) == [3, 1, 2]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("2E+1"), Decimal(20)),
        (Decimal("88.50"), Decimal("88.50")),
        (7, Decimal(7)),
        (0.5, Decimal("0.5")),
        ("88.5", Decimal("88.5")),
    ],
)
def test_as_decimal_takes_program_numbers_as_they_are_and_typed_text_as_parse_decimal(value, expected):
    assert inputs.as_decimal(value) == expected


@pytest.mark.parametrize(
    "value", [Decimal("NaN"), Decimal("Infinity"), float("nan"), float("inf"), True, None, [], "2E+1", "１０"]
)
def test_as_decimal_refuses_non_finite_numbers_and_what_is_not_a_number(value):
    with pytest.raises(ValidationFailed) as caught:
        inputs.as_decimal(value, field="max")
    assert (caught.value.message, caught.value.field) == (NOT_A_NUMBER, "max")
