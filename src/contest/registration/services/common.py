"""Helpers shared by the registration services: permission check, field parsers, row locks."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from contest.core import audit
from contest.core.errors import PermissionDenied, ValidationFailed
from contest.registration.enums import EntryStatus
from contest.registration.models import Entry

S = EntryStatus


def _require(user, perm: str, obj) -> None:
    """Permission check; anything the user may not even see is reported as not found."""
    if user is None or not user.has_perm(perm, obj):
        if (
            obj is not None and not user.has_perm("registration.view_entry", obj)
            if isinstance(obj, Entry)
            else False
        ):
            from contest.core.errors import NotFound

            raise NotFound("未找到该项目。")
        raise PermissionDenied("您没有执行此操作的权限。")


def _text(
    data: dict, key: str, label: str, errors: dict, *, required: bool = True, max_length: int = 200
) -> str:
    value = str(data.get(key) or "").strip()
    if required and not value:
        errors[key] = f"请填写{label}。"
    elif len(value) > max_length:
        errors[key] = f"{label}不能超过 {max_length} 个字符（当前 {len(value)} 个）。"
    return value


def _field(errors: dict, key: str, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ValidationFailed as exc:
        errors[exc.field or key] = exc.message
        return None


def _parse_date(value, key: str, label: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ValidationFailed(f"{label}应为日期，格式 YYYY-MM-DD。", field=key) from exc


def _parse_int(value, key: str, label: str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise ValidationFailed(f"{label}应为整数。", field=key) from exc
    if number < 0:
        raise ValidationFailed(f"{label}不能为负数。", field=key)
    if number > 2_000_000_000:
        raise ValidationFailed(f"{label}数值过大。", field=key)
    return number


def _bool(value) -> bool:
    return value in (True, "true", "True", "on", "1", 1, "yes", "是")


def _snapshot(obj, keys) -> dict[str, Any]:
    out = {}
    for key in keys:
        value = getattr(obj, key)
        out[key] = value.pk if hasattr(value, "pk") else value
    return out


def _locked(entry: Entry) -> Entry:
    return Entry.objects.select_for_update().select_related("event", "edition", "group").get(pk=entry.pk)


def dump(obj) -> str:
    return json.dumps(audit.jsonable(obj), ensure_ascii=False)
