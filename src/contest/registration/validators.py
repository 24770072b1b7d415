"""Validation of identifiers, phones, money and uploaded files. Raise ValidationFailed with a field."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath, PureWindowsPath

from pypdf import PdfReader
from pypdf.errors import PdfReadError
from stdnum.cn import uscc

from contest.accounts.validators import normalize_mobile  # noqa: F401 - re-exported for callers here
from contest.core.errors import ValidationFailed

# GB 32100-2015: 登记管理部门码 (1st) and 机构类别码 (2nd) may be letters (N = 农业, Y = 其他, …).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_AMOUNT = Decimal(10) ** 12  # 万元: the DecimalField holds 14 digits with 2 places
MAX_IMAGE_BYTES = 5 * 1024 * 1024


def normalize_credit_code(value: str, *, field: str = "credit_code") -> str:
    """Return the 18-character code in upper case, or raise with the reason.

    python-stdnum's ``uscc.validate`` insists the first eight characters are digits and so
    rejects valid codes of cooperatives (N…) and others; the shape is checked here and
    only the check digit is left to stdnum.
    """
    code = re.sub(r"[\s-]", "", value or "").upper()
    if len(code) != 18:
        raise ValidationFailed(f"统一社会信用代码应为 18 位，当前为 {len(code)} 位。", field=field)
    if not USCC_SHAPE.match(code):
        raise ValidationFailed(
            "统一社会信用代码格式不正确：第 3–8 位应为数字，且不能含 I、O、Z、S、V。", field=field
        )
    if code[-1] != uscc.calc_check_digit(code[:17]):
        raise ValidationFailed("统一社会信用代码校验位不正确，请核对。", field=field)
    return code


def division_code_of(credit_code: str) -> str:
    """Characters 3–8: the administrative division of the registering authority."""
    return credit_code[2:8]


def non_negative_decimal(value, *, field: str, label: str, places: int = 2) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationFailed(f"{label}应为数字。", field=field) from exc
    if not amount.is_finite():
        raise ValidationFailed(f"{label}应为数字。", field=field)
    if amount < 0:
        raise ValidationFailed(f"{label}不能为负数。", field=field)
    if amount >= MAX_AMOUNT:
        raise ValidationFailed(f"{label}数值过大（单位为万元）。", field=field)
    return amount.quantize(Decimal(1).scaleb(-places))


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    data: bytes
    sha256: str
    pages: int | None = None


def safe_filename(name: str, *, default: str) -> str:
    """The last path component only; no traversal, no control characters."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = re.sub(r"[\x00-\x1f/\\:*?\"<>|]", "_", base).strip(" .")
    return base[:120] or default


def check_pdf(name: str, data: bytes, *, field: str = "business_plan") -> CheckedUpload:
    """A real PDF: magic bytes, ≤ 20 MB, parsed by pypdf with at least one page."""
    filename = safe_filename(name, default="商业计划书.pdf")
    if not filename.lower().endswith(".pdf"):
        raise ValidationFailed("商业计划书须为 PDF 文件（.pdf）。", field=field)
    if len(data) > MAX_PDF_BYTES:
        raise ValidationFailed(f"文件过大：{len(data) / 1024 / 1024:.1f} MB，上限 20 MB。", field=field)
    if not data.startswith(b"%PDF-"):
        raise ValidationFailed("文件内容不是 PDF（可能是改了扩展名的其他文件）。", field=field)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        pages = len(reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise ValidationFailed("PDF 文件已损坏或不完整，无法读取，请重新导出后上传。", field=field) from exc
    if pages < 1:
        raise ValidationFailed("PDF 文件没有页面。", field=field)
    if b"%%EOF" not in data[-2048:]:
        raise ValidationFailed("PDF 文件不完整（缺少文件结尾），请重新上传。", field=field)
    return CheckedUpload(filename, data, hashlib.sha256(data).hexdigest(), pages)


IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": ".png", b"\xff\xd8\xff": ".jpg", b"GIF8": ".gif", b"RIFF": ".webp"}


def check_image(name: str, data: bytes, *, field: str = "images") -> CheckedUpload:
    filename = safe_filename(name, default="image")
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationFailed(f"图片过大：{len(data) / 1024 / 1024:.1f} MB，上限 5 MB。", field=field)
    if not any(data.startswith(magic) for magic in IMAGE_MAGIC):
        raise ValidationFailed(f"“{filename}”不是 PNG、JPEG、GIF 或 WebP 图片。", field=field)
    return CheckedUpload(filename, data, hashlib.sha256(data).hexdigest())


def check_video_url(value: str, *, field: str = "pitch_video_url") -> str:
    url = (value or "").strip()
    if url and not re.match(r"^https?://[^\s/$.?#].[^\s]*$", url):
        raise ValidationFailed("路演视频链接应以 http:// 或 https:// 开头。", field=field)
    return url
