"""Checks on what the public sends with an objection: text lengths and the evidence file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from contest.core.errors import ValidationFailed

REASON_MAX = 2000
RESPONSE_MAX = 2000
NAME_MAX = 50
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
#: all the evidence one list may receive (its objections' files together)
EVIDENCE_MAX_PER_NOTICE = 200 * 1024 * 1024

#: magic bytes → (content type, extension); the name the filer gave is never trusted
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


@dataclass(frozen=True)
class Evidence:
    name: str
    data: bytes
    content_type: str
    extension: str
    sha256: str


def sniff_evidence(name: str, data: bytes, *, field: str = "evidence") -> Evidence:
    """The evidence file as its bytes say it is: PDF, JPEG or PNG, at most 10 MB."""
    if not data:
        raise ValidationFailed("证据文件是空的。", field=field)
    if len(data) > EVIDENCE_MAX_BYTES:
        raise ValidationFailed(
            f"证据文件过大：{len(data) / 1024 / 1024:.1f} MB，上限 {EVIDENCE_MAX_BYTES // (1024 * 1024)} MB。",
            field=field,
        )
    for magic, content_type, extension in SIGNATURES:
        if data.startswith(magic):
            clean = (name or "evidence").replace("/", "_").replace("\\", "_")[-100:]
            return Evidence(clean, data, content_type, extension, hashlib.sha256(data).hexdigest())
    raise ValidationFailed("证据文件只接受 PDF、JPG 或 PNG 格式。", field=field)


def clean_text(value, *, label: str, limit: int, field: str, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(f"请填写{label}。", field=field)
    if len(text) > limit:
        raise ValidationFailed(f"{label}不能超过 {limit} 个字（现有 {len(text)} 个）。", field=field)
    return text


def normalize_code(value: str) -> str:
    """A tracking code as the filer types it (spaces, dashes, lower case) → as stored."""
    return "".join(ch for ch in str(value or "").upper() if ch.isalnum())
