"""Validation of identifiers, phones, money and uploaded files. Raise ValidationFailed with a field."""

from __future__ import annotations

import hashlib
import io
import re
import time
import warnings
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePosixPath, PureWindowsPath

import phonenumbers
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import DependencyError, PdfReadError
from stdnum.cn import uscc

from contest.accounts.validators import normalize_mobile  # noqa: F401 - re-exported for callers here
from contest.catalog.countries import MAINLAND, is_country
from contest.core.errors import ValidationFailed
from contest.core.inputs import as_decimal, parse_decimal

# GB 32100-2015: 登记管理部门码 (1st) and 机构类别码 (2nd) may be letters (N = 农业, Y = 其他, …).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
MAX_AMOUNT = Decimal(10) ** 12  # 万元: the DecimalField holds 14 digits with 2 places

# -- what an upload may cost ---------------------------------------------------------------------
# Every limit is checked before the expensive step it protects: the size before the bytes are read
# (forms, API), the page count and every page's boxes before any page is drawn (a 435-byte PDF can
# declare a 14,400 × 14,400 pt page, which took 20 s to watermark), an image's dimensions from its
# header before its pixels are decoded. The figures are in docs/benchmarks.md (bench/uploads.py).
MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_PDF_PAGES = 100
#: a page side, in points, after /UserUnit: 5,000 pt ≈ 176 cm, larger than A0 (2,384 × 3,370 pt)
MAX_PAGE_SIDE_PT = 5000
MAX_IMAGE_BYTES = 5 * 1024 * 1024
#: 25 megapixels (a 6,000 × 4,000 photo is 24), decoded in ≤ 100 MB; a side at most MAX_IMAGE_SIDE
MAX_IMAGE_PIXELS = 25_000_000
MAX_IMAGE_SIDE = 10_000
MAX_IMAGES_PER_ENTRY = 10
MAX_FILENAME_LENGTH = 120
#: the plan text searched for the entrant's identity at upload: enough for any real plan
MAX_PLAN_TEXT_CHARS = 200_000
#: and at most this long reading it (bench/uploads.py: the worst allowed plan)
PLAN_TEXT_SECONDS = 2.0


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
        # typed text: ASCII digits only, not “１０”, “1_0”; numbers from a program or a workbook as they are
        amount = parse_decimal(value.replace(",", "")) if isinstance(value, str) else as_decimal(value)
    except ValidationFailed as exc:
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
    """The last path component only; no traversal, no control characters; at most
    ``MAX_FILENAME_LENGTH`` characters, shortened in the stem so the extension stays."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = re.sub(r"[\x00-\x1f/\\:*?\"<>|]", "_", base).strip(" .")
    if len(base) > MAX_FILENAME_LENGTH:
        stem, dot, ext = base.rpartition(".")
        if dot and stem and 0 < len(ext) <= 10:
            base = stem[: MAX_FILENAME_LENGTH - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            base = base[:MAX_FILENAME_LENGTH]
    return base or default


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def refuse_large_pdf(size: int | None, *, field: str = "business_plan") -> None:
    """Called with the upload's declared size before its bytes are read (forms, API) and again
    with the bytes' length."""
    if size is not None and size > MAX_PDF_BYTES:
        raise ValidationFailed(f"文件过大：{_megabytes(size)}，上限 20 MB。", field=field)


def refuse_large_image(size: int | None, *, field: str = "images") -> None:
    if size is not None and size > MAX_IMAGE_BYTES:
        raise ValidationFailed(f"图片过大：{_megabytes(size)}，上限 5 MB。", field=field)


def _page_side(value, unit: float) -> float:
    return abs(float(value)) * unit


def check_pdf_pages(reader: PdfReader, *, field: str = "business_plan") -> int:
    """The page count (1 … ``MAX_PDF_PAGES``) and every page's MediaBox and CropBox (each side at
    most ``MAX_PAGE_SIDE_PT`` after /UserUnit) — read from the page dictionaries only, nothing is
    drawn. Also used by the judge's watermarked copy for plans stored before these limits."""
    pages = len(reader.pages)
    if pages < 1:
        raise ValidationFailed("PDF 文件没有页面。", field=field)
    if pages > MAX_PDF_PAGES:
        raise ValidationFailed(f"PDF 共 {pages} 页，超过上限 {MAX_PDF_PAGES} 页，请精简后上传。", field=field)
    for number, page in enumerate(reader.pages, start=1):
        unit = float(page.get("/UserUnit", 1) or 1)
        for box in (page.mediabox, page.cropbox):
            width, height = _page_side(box.width, unit), _page_side(box.height, unit)
            if width > MAX_PAGE_SIDE_PT or height > MAX_PAGE_SIDE_PT:
                raise ValidationFailed(
                    f"PDF 第 {number} 页尺寸为 {width:.0f} × {height:.0f} pt，超过上限：每边不超过 "
                    f"{MAX_PAGE_SIDE_PT} pt（约 176 cm，大于 A0）。请按 A4 等常规尺寸导出后上传。",
                    field=field,
                )
            if width < 1 or height < 1:
                raise ValidationFailed(f"PDF 第 {number} 页尺寸无效（宽或高为 0）。", field=field)
    return pages


PDF_ERRORS = (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError)


def check_pdf(name: str, data: bytes, *, field: str = "business_plan") -> CheckedUpload:
    """A real PDF: ≤ 20 MB, magic bytes, parsed by pypdf, not password-protected, 1–100 pages,
    every page at most 5,000 pt a side. The stored name keeps its ``.pdf`` when shortened."""
    refuse_large_pdf(len(data), field=field)
    filename = safe_filename(name, default="商业计划书.pdf")
    if not filename.lower().endswith(".pdf"):
        raise ValidationFailed("商业计划书须为 PDF 文件（.pdf）。", field=field)
    if not data.startswith(b"%PDF-"):
        raise ValidationFailed("文件内容不是 PDF（可能是改了扩展名的其他文件）。", field=field)
    locked = ValidationFailed("PDF 文件设有打开密码，请取消密码后上传。", field=field)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise locked
        pages = check_pdf_pages(reader, field=field)
    except DependencyError as exc:  # AES encryption, even without a password: not for the watermark
        raise locked from exc
    except PDF_ERRORS as exc:
        raise ValidationFailed("PDF 文件已损坏或不完整，无法读取，请重新导出后上传。", field=field) from exc
    if b"%%EOF" not in data[-2048:]:
        raise ValidationFailed("PDF 文件不完整（缺少文件结尾），请重新上传。", field=field)
    return CheckedUpload(filename, data, hashlib.sha256(data).hexdigest(), pages)


def plan_text(
    data: bytes,
    *,
    max_pages: int = MAX_PDF_PAGES,
    max_chars: int = MAX_PLAN_TEXT_CHARS,
    max_seconds: float = PLAN_TEXT_SECONDS,
) -> str:
    """The text of a checked plan's first pages: at most ``max_pages`` pages, ``max_chars``
    characters and ``max_seconds`` of extraction (checked between pages; pypdf takes ~25 ms for a
    dense page). Empty when pypdf cannot extract it (scans, damaged fonts): a hint, never a refusal."""
    parts: list[str] = []
    total = 0
    deadline = time.monotonic() + max_seconds
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return ""
        for page in reader.pages[:max_pages]:
            text = page.extract_text() or ""
            parts.append(text)
            total += len(text)
            if total >= max_chars or time.monotonic() > deadline:
                break
    except Exception:  # pypdf raises many kinds on odd fonts; the text is only a hint
        return "".join(parts)[:max_chars]
    return "".join(parts)[:max_chars]


#: Pillow's format → the stored extension and the content type the file is served with
IMAGE_FORMATS = {
    "PNG": (".png", "image/png"),
    "JPEG": (".jpg", "image/jpeg"),
    "GIF": (".gif", "image/gif"),
    "WEBP": (".webp", "image/webp"),
}
#: the leading bytes of each format, for callers that only need the extension of stored data
IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": ".png", b"\xff\xd8\xff": ".jpg", b"GIF8": ".gif", b"RIFF": ".webp"}


@dataclass(frozen=True)
class CheckedImage(CheckedUpload):
    extension: str = ""
    width: int = 0
    height: int = 0


def check_image(name: str, data: bytes, *, field: str = "images") -> CheckedImage:
    """A PNG, JPEG, GIF or WebP that Pillow identifies from its header, whose dimensions (read
    before any pixel is decoded) are within ``MAX_IMAGE_SIDE`` and ``MAX_IMAGE_PIXELS``, and whose
    data then verifies and decodes. A WAV renamed .webp (also ``RIFF``) is not a WebP image."""
    refuse_large_image(len(data), field=field)
    filename = safe_filename(name, default="image")
    not_an_image = ValidationFailed(f"“{filename}”不是 PNG、JPEG、GIF 或 WebP 图片。", field=field)
    limits = f"每边不超过 {MAX_IMAGE_SIDE} 像素、总计不超过 {MAX_IMAGE_PIXELS // 10_000} 万像素"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS)) as probe:
                image_format, (width, height) = probe.format, probe.size
    except Image.DecompressionBombError as exc:  # Pillow's own bound, far above ours
        raise ValidationFailed(f"图片“{filename}”像素过多，超过上限：{limits}。", field=field) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise not_an_image from exc
    if image_format not in IMAGE_FORMATS:
        raise not_an_image
    if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
        raise ValidationFailed(
            f"图片“{filename}”为 {width} × {height} 像素，超过上限：{limits}。", field=field
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[image_format]) as image:
                image.verify()  # structure and checksums
            with Image.open(io.BytesIO(data), formats=[image_format]) as image:
                image.load()  # the pixels themselves: a truncated file fails here
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as exc:
        raise ValidationFailed(f"图片“{filename}”已损坏或不完整，请重新保存后上传。", field=field) from exc
    extension = IMAGE_FORMATS[image_format][0]
    return CheckedImage(filename, data, hashlib.sha256(data).hexdigest(), None, extension, width, height)


def check_video_url(value: str, *, field: str = "pitch_video_url") -> str:
    url = (value or "").strip()
    if url and not re.match(r"^https?://[^\s/$.?#].[^\s]*$", url):
        raise ValidationFailed("路演视频链接应以 http:// 或 https:// 开头。", field=field)
    return url


# -- overseas entrants ---------------------------------------------------------------------------
# Messages go through gettext: an overseas entrant reads them in English.

#: a registration number as issued abroad (HRB 123456, 202312345K, 12345678, 0100-01-123456 …)
REGISTRATION_NUMBER_SHAPE = re.compile(r"^[\w][\w .,/()#&:+-]*$")
#: documents whose numbers have a known shape; the others are checked for sanity only
ID_NUMBER_SHAPES = {
    "hk_macao_permit": re.compile(r"^[HM]\d{8}(\d{2})?$"),  # H/M + 8 digits (10 on old cards)
    "taiwan_permit": re.compile(r"^\d{8}(\d{2})?$"),
    "foreign_pr": re.compile(r"^(9\d{16}[\dX]|[A-Z]{3}\d{12})$"),  # 2023 18-character / 2004 15-character
}
ID_NUMBER_ANY = re.compile(r"^[A-Z0-9]{5,20}$")


def _control_free(value: str, *, field: str) -> str:
    if any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 or ch in "\u2028\u2029\ufeff" for ch in value):
        raise ValidationFailed(_("不能含有控制字符。"), field=field)
    return value


def normalize_country(value: str, *, field: str = "country", overseas: bool = True) -> str:
    """An ISO 3166-1 alpha-2 code in upper case; ``overseas`` refuses CN (mainland)."""
    code = (value or "").strip().upper()
    if not code:
        raise ValidationFailed(_("请选择国家或地区。"), field=field)
    if not is_country(code):
        raise ValidationFailed(
            _("“%(code)s”不是 ISO 3166-1 国家或地区代码。") % {"code": code[:10]}, field=field
        )
    if overseas and code == MAINLAND:
        raise ValidationFailed(
            _("中国大陆企业和团队请按境内方式登记（统一社会信用代码、大陆手机号）。"), field=field
        )
    return code


def normalize_registration_number(value: str, *, field: str = "registration_number") -> str:
    """The number a foreign registry issued, as printed: 2–50 characters of letters, digits, spaces
    and - / . , ( ) # & : +, with at least one digit; spaces collapsed."""
    text = _control_free(str(value or ""), field=field)
    text = " ".join(text.split())
    if not text:
        raise ValidationFailed(_("请填写注册号（所在国家或地区登记机关签发的号码）。"), field=field)
    if len(text) < 2 or len(text) > 50:
        raise ValidationFailed(
            _("注册号应为 2–50 个字符（当前 %(count)d 个）。") % {"count": len(text)}, field=field
        )
    if not REGISTRATION_NUMBER_SHAPE.match(text) or "_" in text:
        raise ValidationFailed(_("注册号只能包含字母、数字、空格和 - / . , ( ) # & : +。"), field=field)
    if not any(ch.isdigit() for ch in text):
        raise ValidationFailed(_("注册号应至少包含一个数字。"), field=field)
    return text


def normalize_any_mobile(value: str, *, region: str = "", field: str = "phone") -> str:
    """A mobile number of any country, stored as E.164. Without a leading + it is read as a number
    of ``region`` (the person's nationality or the entrant's country)."""
    raw = _control_free(str(value or "").strip(), field=field)
    if not raw:
        raise ValidationFailed(_("请填写手机号。"), field=field)
    if len(raw) > 30:
        raise ValidationFailed(_("手机号过长。"), field=field)
    region = (region or "").upper()
    try:
        number = phonenumbers.parse(raw, region if region in phonenumbers.SUPPORTED_REGIONS else None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationFailed(
            _("手机号格式不正确：请以 + 和国家代码开头，例如 +49 1512 3456789。"), field=field
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed(
            _("“%(number)s”不是有效的手机号，请检查国家代码和位数。") % {"number": raw}, field=field
        )
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationFailed(_("请输入手机号（非固定电话）。"), field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_id_number(value: str, *, id_type: str, field: str = "id_number") -> str:
    """A travel or residence document's number, upper case without spaces or hyphens; the shape is
    checked for the mainland permits, sanity (5–20 letters and digits) for the others."""
    text = re.sub(r"[\s-]", "", _control_free(str(value or ""), field=field)).upper()
    if not text:
        raise ValidationFailed(_("请填写证件号码。"), field=field)
    shape = ID_NUMBER_SHAPES.get(id_type)
    if shape is not None and not shape.match(text):
        examples = {
            "hk_macao_permit": "H12345678",
            "taiwan_permit": "12345678",
            "foreign_pr": "9XXXXXXXXXXXXXXXXX",
        }
        raise ValidationFailed(
            _("证件号码格式不正确，应形如 %(example)s。") % {"example": examples[id_type]}, field=field
        )
    if shape is None and not ID_NUMBER_ANY.match(text):
        raise ValidationFailed(_("证件号码应为 5–20 位字母或数字。"), field=field)
    return text
