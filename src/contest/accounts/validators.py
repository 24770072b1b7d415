"""Identity validators the accounts layer needs (and the apps above it reuse)."""

from __future__ import annotations

import phonenumbers

from contest.core.errors import ValidationFailed


def normalize_mobile(value: str, *, field: str = "phone") -> str:
    """A mainland mobile number, stored as E.164 (+8613812345678)."""
    raw = (value or "").strip()
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationFailed("手机号格式不正确。", field=field) from exc
    if not phonenumbers.is_valid_number(number) or number.country_code != 86:
        raise ValidationFailed("请输入有效的中国大陆手机号。", field=field)
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationFailed("请输入手机号（非固定电话）。", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
