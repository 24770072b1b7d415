"""Shapes and helpers every API router shares: errors, refusals as field errors, how times are shown,
and the types every input field is declared with.

The error contract: a service's :class:`~contest.core.errors.ContestError` becomes a JSON body
``{"detail", "code", "field"}`` with its status code (``contest.api.urls``); a refusal of the input —
the services' field map, or a shape error found before they ran — is always a 422 (``Invalid``).
400 is kept for a request that cannot be read at all (not JSON, a multipart body without a boundary,
a body over the size limit). Routers import these from here; core imports no app. pydantic's own
messages of a shape error ("Field required", "String should have at most 200 characters" …) are put in
the request's language by their error type and context (:func:`shape_errors`, :data:`SHAPE_MESSAGES`).

The input types apply ``core.inputs`` — the same definition the site's forms use — before a value
reaches a service:

* :data:`Text` refuses control characters (NUL, ESC, …) naming the field; :data:`FilledText`
  documents that "" and blanks are not accepted (the service refuses them with its own message).
* :data:`Day` and :data:`Moment` refuse dates outside ``EARLIEST``..``LATEST`` (0001-01-01, 9999-12-31).
* :data:`Integer` and :data:`Number` refuse ``true``/``false`` (never read as 1/0) and strings that
  are not plain ASCII digits (``"1_0"``, ``"１０"``, ``"1e3"``). A number may be sent as a JSON number
  or as a string of plain digits (``88.5`` or ``"88.5"``); answers show decimals as strings.
"""

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import wraps
from typing import Annotated, Any

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from ninja import Field, Schema
from ninja.schema import DjangoGetter
from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, model_validator
from pydantic_core import PydanticCustomError

from contest.core.errors import FieldErrors, ValidationFailed
from contest.core.inputs import EARLIEST, LATEST, MAX_NUMBER_LENGTH, date_problem, parse_decimal, text_problem

# -- errors ----------------------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str
    code: str
    field: str | None = None


class ValidationErrorOut(Schema):
    """A shape error found before the services ran: ``loc`` names the field (``["body", "payload",
    "title"]``), ``msg`` says what is wrong."""

    detail: list[dict[str, Any]]


class FieldErrorsOut(ErrorOut):
    """A refusal by the services naming each field to correct (always a 422)."""

    fields: dict[str, str] = Field(description="字段 → 需要更正的内容")


#: A 422 is either the services' field map or a shape error found before they ran.
Invalid = FieldErrorsOut | ValidationErrorOut


def as_field_errors(exc: ValidationFailed) -> FieldErrors:
    """Any refusal of the input as the services' field map (a single-field refusal names its field,
    one about the whole request ``__all__``)."""
    if isinstance(exc, FieldErrors):
        return exc
    error = FieldErrors({exc.field or "__all__": exc.message})
    error.code = exc.code
    return error


def local(value: datetime | None) -> datetime | None:
    """Times are shown in Asia/Shanghai (+08:00), as on the site; an instant local time cannot hold
    (year 9999, stored before inputs were bounded) as it is, in UTC, instead of failing."""
    if value is None:
        return None
    try:
        return timezone.localtime(value)
    except (OverflowError, ValueError):
        return value


# -- pydantic's own refusals, in the request's language ------------------------------------------------

#: pydantic's error type → the message (a gettext msgid, Chinese) with its ``ctx`` values; the types our
#: own validators raise (``control_characters``, ``date_out_of_range`` …) carry their message already.
SHAPE_MESSAGES: dict[str, str] = {
    "missing": gettext_noop("必填字段。"),
    "string_too_long": gettext_noop("最多 %(max_length)s 个字符。"),
    "string_too_short": gettext_noop("至少 %(min_length)s 个字符。"),
    "too_long": gettext_noop("最多 %(max_length)s 项。"),
    "too_short": gettext_noop("至少 %(min_length)s 项。"),
    "greater_than": gettext_noop("应大于 %(gt)s。"),
    "greater_than_equal": gettext_noop("不能小于 %(ge)s。"),
    "less_than": gettext_noop("应小于 %(lt)s。"),
    "less_than_equal": gettext_noop("不能大于 %(le)s。"),
    "multiple_of": gettext_noop("应为 %(multiple_of)s 的倍数。"),
    "int_parsing": gettext_noop("请填写整数。"),
    "int_type": gettext_noop("请填写整数。"),
    "int_from_float": gettext_noop("请填写整数。"),
    "decimal_parsing": gettext_noop("请填写数字（如 88.5）。"),
    "decimal_type": gettext_noop("请填写数字（如 88.5）。"),
    "float_parsing": gettext_noop("请填写数字（如 88.5）。"),
    "float_type": gettext_noop("请填写数字（如 88.5）。"),
    "finite_number": gettext_noop("请填写数字（如 88.5）。"),
    "decimal_max_digits": gettext_noop("数字最多 %(max_digits)s 位。"),
    "decimal_max_places": gettext_noop("最多 %(decimal_places)s 位小数。"),
    "decimal_whole_digits": gettext_noop("整数部分最多 %(whole_digits)s 位。"),
    "bool_parsing": gettext_noop("应为 true 或 false。"),
    "bool_type": gettext_noop("应为 true 或 false。"),
    "string_type": gettext_noop("应为文本（字符串）。"),
    "string_pattern_mismatch": gettext_noop("格式不正确。"),
    "date_parsing": gettext_noop("请填写日期，格式 YYYY-MM-DD。"),
    "date_from_datetime_parsing": gettext_noop("请填写日期，格式 YYYY-MM-DD。"),
    "date_from_datetime_inexact": gettext_noop("请填写日期，格式 YYYY-MM-DD。"),
    "date_type": gettext_noop("请填写日期，格式 YYYY-MM-DD。"),
    "datetime_parsing": gettext_noop("请填写带时区的时间，如 2024-08-01T09:00:00+08:00。"),
    "datetime_from_date_parsing": gettext_noop("请填写带时区的时间，如 2024-08-01T09:00:00+08:00。"),
    "datetime_type": gettext_noop("请填写带时区的时间，如 2024-08-01T09:00:00+08:00。"),
    "timezone_aware": gettext_noop("请填写带时区的时间，如 2024-08-01T09:00:00+08:00。"),
    "literal_error": gettext_noop("应为以下之一：%(expected)s。"),
    "enum": gettext_noop("应为以下之一：%(expected)s。"),
    "list_type": gettext_noop("应为 JSON 数组（[…]）。"),
    "dict_type": gettext_noop("应为 JSON 对象（{…}）。"),
    "model_type": gettext_noop("应为 JSON 对象（{…}）。"),
    "model_attributes_type": gettext_noop("应为 JSON 对象（{…}）。"),
    "json_invalid": gettext_noop("不是有效的 JSON。"),
    "json_type": gettext_noop("不是有效的 JSON。"),
    "extra_forbidden": gettext_noop("不接受这个字段。"),
}
#: what pydantic's ``too_long``/``too_short`` name as ``field_type`` when the bound counts items
_COLLECTIONS = frozenset({"List", "Tuple", "Set", "Frozenset", "Dictionary", "Iterable"})
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")


def _choices(expected: Any) -> str:
    """pydantic's ``'a', 'b' or 'c'`` as a list in the request's language (“a、b、c”)."""
    text = str(expected)
    quoted = _QUOTED.findall(text)
    if not quoted:
        return text
    return gettext("、").join(quoted)


def shape_message(error: dict[str, Any]) -> str:
    """The message of one of pydantic's errors (``type``, ``ctx``) in the request's language; an error
    type not in :data:`SHAPE_MESSAGES` keeps its message."""
    kind = error.get("type", "")
    if kind in ("too_long", "too_short") and (error.get("ctx") or {}).get("field_type") not in _COLLECTIONS:
        kind = f"string_{kind}"  # a length bound on annotated text is reported as a value's, not a string's
    template = SHAPE_MESSAGES.get(kind)
    if template is None:
        return error.get("msg", "")
    values = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    if "expected" in values:
        values["expected"] = _choices(values["expected"])
    try:
        return gettext(template) % values
    except (KeyError, ValueError, TypeError):  # a context this pydantic does not send: its own message
        return error.get("msg", "")


def shape_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ninja's shape errors (``ValidationError.errors``) with their ``msg`` in the request's language
    (the 422 of ``ValidationErrorOut``)."""
    return [{**error, "msg": shape_message(error)} for error in errors]


def refusals_as_field_errors(view: Callable) -> Callable:
    """A single-field refusal from a service (a bad PDF, no group) is a 422 with ``fields`` too.

    The API's error handler does the same for every operation; this keeps the conversion visible
    where a router calls a service."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except FieldErrors:
            raise
        except ValidationFailed as exc:
            raise as_field_errors(exc) from exc

    return wrapper


# -- input types ----------------------------------------------------------------------------------------


class _Documented:
    """Adds keywords to a type's JSON schema without making pydantic check them (the validators
    below do, with a message a person can act on)."""

    def __init__(self, **keywords: Any) -> None:
        self.keywords = keywords

    def __get_pydantic_json_schema__(self, core_schema, handler):
        schema = handler(core_schema)
        schema.update(self.keywords)
        return schema


_ALLOWED = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
#: what the OpenAPI document says of text: no control characters other than tab and line breaks
TEXT_PATTERN = rf"^{_ALLOWED}*$"
#: … and, for text that must be filled in, at least one character that is not a blank
FILLED_PATTERN = rf"^{_ALLOWED}*[^\s\x00-\x1f\x7f\x85]{_ALLOWED}*$"


def _refuse(code: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(code, message)  # without a context, pydantic shows the message as is


def _text(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise _refuse("control_characters", problem)
    return value


#: Free text: control characters (NUL, ESC, …) are refused, naming the field.
Text = Annotated[str, AfterValidator(_text), _Documented(pattern=TEXT_PATTERN)]
#: Text that must be filled in. The schema says so (``minLength: 1``, not only blanks) and the
#: service refuses "" and blanks with its own message, naming the field in ``fields`` (a 422 too).
FilledText = Annotated[str, AfterValidator(_text), _Documented(pattern=FILLED_PATTERN, minLength=1)]


def text(max_length: int, description: str | None = None, *, filled: bool = False) -> Any:
    """``Text`` (or ``FilledText``) of at most ``max_length`` characters."""
    return Annotated[FilledText if filled else Text, Field(max_length=max_length, description=description)]


def _in_calendar(value: date | datetime) -> date | datetime:
    problem = date_problem(value)
    if problem:
        raise _refuse("date_out_of_range", problem)
    return value


DAY_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _day(value: Any) -> Any:
    """A day as ``YYYY-MM-DD`` (not a number, not a time)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and DAY_PATTERN.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _refuse("date_format", gettext("请填写日期，格式 YYYY-MM-DD。"))


def _moment(value: Any) -> Any:
    """A time as an ISO 8601 string (not a number of seconds)."""
    if isinstance(value, datetime | str):
        return value
    raise _refuse("datetime_format", gettext("请填写带时区的时间，如 2024-08-01T09:00:00+08:00。"))


_CALENDAR = f"{EARLIEST.isoformat()} 至 {LATEST.isoformat()}"


def day(*, earliest: date = EARLIEST, latest: date = LATEST) -> Any:
    """A date ``YYYY-MM-DD`` from ``earliest`` to ``latest`` (by default the competition's calendar;
    a founding date may be older)."""

    def within(value: date) -> date:
        if not earliest <= value <= latest:
            raise _refuse("date_out_of_range", gettext("日期须在 %(earliest)s 至 %(latest)s 之间。") % {
                "earliest": earliest.isoformat(), "latest": latest.isoformat()})  # fmt: skip
        return value

    return Annotated[
        date,
        BeforeValidator(_day),
        AfterValidator(within),
        _Documented(
            format="date", description=f"日期 YYYY-MM-DD，{earliest.isoformat()} 至 {latest.isoformat()}"
        ),
    ]


#: A date in the competition's calendar (``core.inputs.EARLIEST``..``LATEST``).
Day = day()
#: A time with its time zone, in the competition's calendar.
Moment = Annotated[
    AwareDatetime,
    BeforeValidator(_moment),
    AfterValidator(_in_calendar),
    _Documented(description=f"带时区的时间，如 2024-08-01T09:00:00+08:00，日期在 {_CALENDAR}"),
]

INTEGER_PATTERN = r"[+-]?[0-9]{1,19}"
#: beyond every bound an integer field declares (ids are BigAutoField)
INTEGER_LIMIT = 2**63


def _integer(value: Any) -> Any:
    """An integer: a JSON integer, or (in a path or query) plain ASCII digits. Never ``true``/``false``,
    never ``"1_0"`` or ``"１０"``, which ``int()`` would read as ten."""
    if isinstance(value, bool):
        raise _refuse("not_an_integer", gettext("请填写整数。"))
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        # bounded before ``int()``: 1e999999999 (a Decimal from the JSON parser) would take forever
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        size = value.copy_abs() if isinstance(value, Decimal) else abs(value)  # copy_abs: no overflow
        if finite and size <= INTEGER_LIMIT and value == int(value):
            return int(value)
    if isinstance(value, str) and re.fullmatch(INTEGER_PATTERN, value):
        return int(value)
    raise _refuse("not_an_integer", gettext("请填写整数。"))


def _number(value: Any) -> Any:
    """A decimal: a JSON number, or a string of plain ASCII digits (``"88.5"``)."""
    if isinstance(value, bool):
        raise _refuse("not_a_number", gettext("请填写数字（如 88.5）。"))
    if isinstance(value, int | Decimal):
        if isinstance(value, Decimal) and not value.is_finite():
            raise _refuse("not_a_number", gettext("请填写数字（如 88.5）。"))
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _refuse("not_a_number", gettext("请填写数字（如 88.5）。"))
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            return parse_decimal(value)
        except ValidationFailed as exc:
            raise _refuse("not_a_number", exc.message) from None
    raise _refuse("not_a_number", gettext("请填写数字（如 88.5）。"))


#: An integer: a JSON integer (``true``/``false`` refused), or plain digits in a path or query.
Integer = Annotated[int, BeforeValidator(_integer)]


def integer(*, ge: int | None = None, le: int | None = None, description: str | None = None) -> Any:
    """``Integer`` within bounds (declared inside, so that the OpenAPI document shows them)."""
    return Annotated[Annotated[int, Field(ge=ge, le=le, description=description)], BeforeValidator(_integer)]


NUMBER_PATTERN = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$"


class _PlainDigits(_Documented):
    """A decimal's schema: a JSON number (with its bounds), or a string of plain digits."""

    def __get_pydantic_json_schema__(self, core_schema, handler):
        schema = super().__get_pydantic_json_schema__(core_schema, handler)
        for branch in schema.get("anyOf", []):
            if branch.get("type") == "string":
                branch.clear()
                branch.update(type="string", pattern=NUMBER_PATTERN, maxLength=MAX_NUMBER_LENGTH)
        return schema


#: A decimal (a score, an amount): a JSON number or a string of plain digits, as ``88.5`` or ``"88.5"``.
Number = Annotated[
    Decimal,
    BeforeValidator(_number),
    _PlainDigits(
        description='数字：JSON 数值，或只含 ASCII 数字的字符串（如 88.5 或 "88.5"）；不接受 true/false、"1_0"、全角数字',
    ),
]


def number(*, max_digits: int, decimal_places: int | None = None, ge=None, le=None,
           description: str | None = None) -> Any:  # fmt: skip
    """``Number`` with its size and bounds."""
    bounded = Annotated[Decimal, Field(max_digits=max_digits, decimal_places=decimal_places, ge=ge, le=le,
                                       allow_inf_nan=False, description=description)]  # fmt: skip
    return Annotated[bounded, BeforeValidator(_number), _PlainDigits()]


class InputSchema(Schema):
    """The base of every request body: a JSON object. A list, a string, a number or ``null`` where an
    object is expected is a 422, never read as ``{}`` (ninja's ``Schema`` would read any value's
    attributes, and a list has none of them: every field would take its default)."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        # runs inside ``Schema``'s own validator, which has wrapped the value for attribute access
        value = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(value, dict | BaseModel):
            raise _refuse("not_an_object", gettext("应为 JSON 对象（{…}）。"))
        return data
