"""Helpers shared by the registration services: the entry permission check, field parsers, row
locks."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from contest.core import audit
from contest.core.access import require
from contest.core.errors import ContestError, ValidationFailed
from contest.core.inputs import check_date, text_problem
from contest.registration.enums import EntryStatus
from contest.registration.models import Entry

S = EntryStatus
VIEW_ENTRY = "registration.view_entry"


def require_entry_action(
    by,
    perm: str,
    entry: Entry,
    *,
    person: Callable[[Any, Entry], bool],
    refusal: ContestError,
    message: str = "",
) -> None:
    """Refuse unless ``by`` holds ``perm`` on ``entry`` — a permission of who *and* when
    (``registration.withdraw_entry`` = the owner & the lifecycle allows “withdrawn”).

    ``person`` is the who-part (``rules.is_entry_owner``, ``rules.can_review``). Whoever may not
    see the entry is told it does not exist (404); someone who sees it but is not that person is
    forbidden (403, ``message``); that person asking in the wrong state gets ``refusal``."""
    if by is not None and by.has_perm(perm, entry):
        return
    if by is None or not person(by, entry):
        require(by, perm, entry, visible_with=VIEW_ENTRY, message=message)
    raise refusal


def text_value(
    data: dict, key: str, label: str, errors: dict, *, required: bool = True, max_length: int = 200
) -> str:
    """``data[key]`` stripped; a missing or too long value is noted in ``errors``."""
    value = str(data.get(key) or "").strip()
    if required and not value:
        errors[key] = f"请填写{label}。"
    elif len(value) > max_length:
        errors[key] = f"{label}不能超过 {max_length} 个字符（当前 {len(value)} 个）。"
    elif problem := text_problem(value):
        errors[key] = problem
    return value


def plain_text(errors: dict, key: str, value, *, max_length: int) -> str:
    """An optional short text (a member's role, an IP item's number): stripped and cut to
    ``max_length``; control characters are noted in ``errors``."""
    text = str(value or "").strip()[:max_length]
    problem = text_problem(text)
    if problem:
        errors[key] = problem
    return text


def checked(errors: dict, key: str, fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, or None with its refusal noted in ``errors`` under its field."""
    try:
        return fn(*args, **kwargs)
    except ValidationFailed as exc:
        errors[exc.field or key] = exc.message
        return None


#: the earliest founding date an enterprise may give (older ones are typos: 0001-01-01)
EARLIEST_FOUNDING = date(1900, 1, 1)


def parse_date(value, key: str, label: str, *, calendar: bool = True) -> date:
    """An ISO date; with ``calendar``, inside the competition's calendar (``core.inputs``);
    otherwise (a founding date) not before ``EARLIEST_FOUNDING``."""
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise ValidationFailed(f"{label}应为日期，格式 YYYY-MM-DD。", field=key) from exc
    if not calendar:
        if value < EARLIEST_FOUNDING:
            raise ValidationFailed(f"{label}不能早于 {EARLIEST_FOUNDING.isoformat()}。", field=key)
        return value
    return check_date(value, field=key)


def parse_int(value, key: str, label: str) -> int:
    text = str(value).strip()
    try:
        if not text.isascii() or "_" in text:  # int() reads “１０” and “1_0” as ten
            raise ValueError(text)
        number = int(text)
    except ValueError as exc:
        raise ValidationFailed(f"{label}应为整数。", field=key) from exc
    if number < 0:
        raise ValidationFailed(f"{label}不能为负数。", field=key)
    if number > 2_000_000_000:
        raise ValidationFailed(f"{label}数值过大。", field=key)
    return number


def truthy(value) -> bool:
    """A form or API flag: checked boxes, ``true``, ``1``, ``是``."""
    return value in (True, "true", "True", "on", "1", 1, "yes", "是")


def snapshot(obj, keys) -> dict[str, Any]:
    """``obj``'s ``keys`` as plain values (related objects by primary key), for audit diffs."""
    out = {}
    for key in keys:
        value = getattr(obj, key)
        out[key] = value.pk if hasattr(value, "pk") else value
    return out


def locked_entry(entry: Entry) -> Entry:
    """The entry's row, locked for the rest of the transaction, with what the services read."""
    return Entry.objects.select_for_update().select_related("event", "edition", "group").get(pk=entry.pk)


def dump(obj) -> str:
    return json.dumps(audit.jsonable(obj), ensure_ascii=False)
