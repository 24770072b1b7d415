"""The judge's copy of a business plan: every page stamped with the judge's name and phone tail,
and nothing of the original file's metadata left.

* The stamp is two small PDFs rendered once per judge by WeasyPrint (transparent background, Noto
  CJK) and cached: a tile sheet of ``SHEET_SIZE`` points carrying the diagonal stamp every 250 ×
  150 pt (its pattern repeats exactly at the sheet's edges), and a foot line. Neither depends on
  the page size, so the cost of a plan does not grow with the number of page sizes it has: a
  page is covered by repeating the sheet (at most 5 × 6 draws for the largest allowed page) and
  the foot line is centred at its bottom.
* The plan is checked first against the upload limits (``registration.validators``: 100 pages,
  5,000 pt a side) — plans stored before those limits existed answer ``PlanTooLarge`` at once
  instead of costing the server (a 14,400 pt page took 20 s).
* Each page of the plan is copied into a fresh ``PdfWriter`` (never cloned: the document catalog
  with its outlines, names, embedded files, JavaScript, XMP and info dictionary stays behind), with
  annotations (whose /T names an author), page-level metadata and actions removed from the source
  page before the copy, its rotation moved into its content and the stamp drawn on top as
  ``q <its own content> Q q 1 0 0 1 x y cm /CkWatermark Do Q …``.
* Only objects reachable from the output's catalog are written (``_drop_unreachable``): nothing
  copied and then detached survives as an unreferenced object. The result has no /Info and no
  /Metadata; the leak tests read back every object of the file by its cross-reference entry.
"""

from __future__ import annotations

import hashlib
import io
import math
from html import escape

from django.core.cache import cache
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
)

from contest.core.errors import ValidationFailed
from contest.registration.validators import MAX_PDF_BYTES, PDF_ERRORS, check_pdf_pages

CACHE_SECONDS = 24 * 3600
#: keys that can carry names, notes, scripts or attachments on a page; none is needed to read it
PAGE_KEYS_DROPPED = ("/Metadata", "/PieceInfo", "/Annots", "/Thumb", "/B", "/AA", "/LastModified")
#: the tile sheet: 4 × 250 pt wide and 6 × 150 pt high, so the stamp's pattern repeats across sheets
SHEET_SIZE = (1000, 900)
STEP_X, STEP_Y = 250, 150
#: the foot line's strip, centred at the bottom of every page
FOOT_SIZE = (600, 24)


class PlanUnreadable(Exception):
    """The stored plan cannot be opened (corrupt, or encrypted with a password)."""


class PlanTooLarge(PlanUnreadable):
    """The stored plan exceeds the upload limits (pages, page size, bytes): not stamped."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def stamp_text(name: str, phone: str) -> str:
    tail = "".join(ch for ch in phone if ch.isdigit())[-4:]
    return f"{name} · 手机尾号 {tail} · 仅供评审使用"


def _page_html(size: tuple[int, int], body: str) -> str:
    width, height = size
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><style>
@page {{ size: {width}pt {height}pt; margin: 0 }}
html, body {{ margin: 0; background: transparent }}
body {{ font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif; }}
.t {{ position: absolute; transform: rotate(-30deg); white-space: nowrap; font-size: 15pt;
      color: rgba(160, 30, 30, 0.16) }}
.foot {{ position: absolute; left: 0; right: 0; bottom: 8pt; text-align: center; font-size: 8pt;
         color: rgba(60, 60, 60, 0.75) }}
</style></head><body>{body}</body></html>"""


def _sheet_html(text: str) -> str:
    """Tiles at x = -120 + 250 i, y = 30 + 150 j (from the top), including those that only reach
    into the sheet from outside, so the sheets drawn side by side join without a seam."""
    width, height = SHEET_SIZE
    tiles = "".join(
        f'<div class="t" style="left:{x}pt;top:{y}pt">{escape(text)}</div>'
        for y in range(30 - 2 * STEP_Y, height + STEP_Y, STEP_Y)
        for x in range(-120 - 2 * STEP_X, width + STEP_X, STEP_X)
    )
    return _page_html(SHEET_SIZE, tiles)


def _foot_html(text: str) -> str:
    return _page_html(FOOT_SIZE, f'<div class="foot">{escape(text)}</div>')


def render(html: str) -> bytes:
    """A one-page transparent PDF of the given HTML."""
    from weasyprint import HTML  # noqa: PLC0415 -- loads Pango; only serving a plan to a judge needs it

    return HTML(string=html).write_pdf()


def cache_key(*, judge_key: str, text: str, part: str) -> str:
    digest = hashlib.sha256(f"{judge_key}|{text}|{part}".encode()).hexdigest()[:32]
    return f"review:watermark:v2:{digest}"


def watermark_page(*, judge_key: str, text: str, part: str) -> PageObject:
    """The judge's tile sheet (``part="sheet"``) or foot line (``"foot"``), from the cache when it
    was made before."""
    key = cache_key(judge_key=judge_key, text=text, part=part)
    data = cache.get(key)
    if data is None:
        data = render(_sheet_html(text) if part == "sheet" else _foot_html(text))
        cache.set(key, data, CACHE_SECONDS)
    return PdfReader(io.BytesIO(data)).pages[0]


def _strip_xobject_metadata(resources, depth: int = 0) -> None:
    """Drop /Metadata (XMP) and /PieceInfo from image and form XObjects, and from the forms' own
    XObjects."""
    if depth > 4 or not isinstance(resources, DictionaryObject) or "/XObject" not in resources:
        return
    for ref in resources["/XObject"].get_object().values():
        obj = ref.get_object()
        if isinstance(obj, DictionaryObject):  # streams are dictionaries too
            obj.pop("/Metadata", None)
            obj.pop("/PieceInfo", None)
            if "/Resources" in obj:
                _strip_xobject_metadata(obj["/Resources"].get_object(), depth + 1)


def watermarked_plan(data: bytes, *, judge_key: str, text: str) -> bytes:
    """The plan's pages, stamped, with every piece of document metadata removed.

    Raises ``PlanTooLarge`` (with the reason) for a plan beyond the upload limits, and
    ``PlanUnreadable`` for one that cannot be opened."""
    if len(data) > MAX_PDF_BYTES:
        raise PlanTooLarge(f"文件大小 {len(data) / 1024 / 1024:.1f} MB，超过上限 20 MB。")
    try:
        return _stamp(data, judge_key=judge_key, text=text)
    except PlanUnreadable:
        raise
    except Exception as exc:  # pypdf raises many kinds on damaged files
        raise PlanUnreadable(str(exc)) from exc


def _stream(writer: PdfWriter, data: bytes) -> IndirectObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream.flate_encode())  # pypdf has no public "add an object"


def _form_xobject(writer: PdfWriter, stamp: PageObject, size: tuple[int, int]) -> IndirectObject:
    """A watermark page as one Form XObject in the output: every page draws it with a few
    operators, so its font and drawing are stored once."""
    form = DecodedStreamObject()
    form.set_data(stamp.get_contents().get_data())
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0), *map(FloatObject, size)]),
            NameObject("/Resources"): stamp["/Resources"].get_object().clone(writer),
        }
    )
    return writer._add_object(form.flate_encode())


def stamp_operators(left: float, bottom: float, width: float, height: float) -> str:
    """Draw the tile sheet over the box from its top-left corner (as the HTML lays the tiles out
    from the top), and the foot line centred at its bottom."""
    sheet_w, sheet_h = SHEET_SIZE
    top = bottom + height
    ops = [
        f"q 1 0 0 1 {left + i * sheet_w:.4f} {top - (j + 1) * sheet_h:.4f} cm /CkWatermark Do Q"
        for j in range(math.ceil(height / sheet_h))
        for i in range(math.ceil(width / sheet_w))
    ]
    ops.append(f"q 1 0 0 1 {left + (width - FOOT_SIZE[0]) / 2:.4f} {bottom:.4f} cm /CkWatermarkFoot Do Q")
    return "\n".join(ops)


def _draw_on(writer: PdfWriter, page: PageObject, forms: dict[str, IndirectObject]) -> None:
    """Keep the page's own drawing inside q … Q, then draw the stamp over the visible box."""
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else DictionaryObject()
    page[NameObject("/Resources")] = resources
    xobjects = resources.get("/XObject")
    xobjects = xobjects.get_object() if xobjects is not None else DictionaryObject()
    resources[NameObject("/XObject")] = xobjects
    for name, form in forms.items():
        xobjects[NameObject(name)] = form
    box = page.cropbox
    parts = ArrayObject([_stream(writer, b"q\n")])
    contents = page.get("/Contents")
    if contents is not None:
        resolved = contents.get_object()
        if isinstance(resolved, ArrayObject):
            parts.extend(resolved)
        else:
            parts.append(contents if isinstance(contents, IndirectObject) else writer._add_object(resolved))
    draw = stamp_operators(float(box.left), float(box.bottom), float(box.width), float(box.height))
    parts.append(_stream(writer, f"\nQ\n{draw}\n".encode()))
    page[NameObject("/Contents")] = parts


def _drop_unreachable(writer: PdfWriter) -> None:
    """Free every object of ``writer`` that its catalog does not reach: what was copied with a
    page and then detached from it (annotations, their pop-ups, XMP streams, replaced contents)."""
    seen: set[int] = set()
    root = writer.root_object
    stack: list = [root.indirect_reference]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if obj.pdf is not writer or obj.idnum in seen:
                continue
            seen.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):  # streams are dictionaries too
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    for idnum in range(1, len(writer._objects) + 1):
        if idnum not in seen:
            writer._objects[idnum - 1] = None


def _check_limits(reader: PdfReader) -> None:
    try:
        check_pdf_pages(reader)
    except ValidationFailed as exc:
        raise PlanTooLarge(exc.message) from exc


def _stamp(data: bytes, *, judge_key: str, text: str) -> bytes:
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        raise PlanUnreadable("encrypted with a password")
    try:
        _check_limits(reader)
    except PDF_ERRORS as exc:
        raise PlanUnreadable(str(exc)) from exc
    writer = PdfWriter()
    forms = {
        "/CkWatermark": _form_xobject(writer, watermark_page(judge_key=judge_key, text=text, part="sheet"),
                                      SHEET_SIZE),
        "/CkWatermarkFoot": _form_xobject(writer, watermark_page(judge_key=judge_key, text=text, part="foot"),
                                          FOOT_SIZE),
    }  # fmt: skip
    for source in reader.pages:
        for key in PAGE_KEYS_DROPPED:  # before the copy, so none of it is copied
            if key in source:
                del source[NameObject(key)]
        if "/Resources" in source:
            _strip_xobject_metadata(source["/Resources"].get_object())
        page = writer.add_page(source)
        if page.rotation % 360:
            page.transfer_rotation_to_content()
        _draw_on(writer, page, forms)
    writer.metadata = None  # no /Info: no /Producer, /Creator, /Author, /Title
    writer.xmp_metadata = None
    _drop_unreachable(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
