"""Checks of what organizers type into award and certificate forms before a service writes it."""

from __future__ import annotations

from contest.core.errors import FieldErrors

#: the length of ``Award.revoke_reason`` and ``Certificate.revoke_reason``
REASON_MAX = 300


def clean_reason(reason: str) -> str:
    """The reason for revoking an award or voiding a certificate: required, at most ``REASON_MAX``."""
    cleaned = (reason or "").strip()
    if not cleaned:
        raise FieldErrors({"reason": "请填写理由。"})
    if len(cleaned) > REASON_MAX:
        raise FieldErrors({"reason": f"理由不能超过 {REASON_MAX} 字。"})
    return cleaned
