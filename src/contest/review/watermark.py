"""The judge's copy of a business plan: every page stamped with the judge's name and phone tail,
and nothing of the original file's metadata left.

* The watermark is a one-page PDF rendered by WeasyPrint (transparent background, Noto CJK), a
  diagonal tiling of the stamp plus one readable line at the foot of the page. It depends only
  on the judge and the page size, so it is cached per judge and size.
* Each page of the plan is copied into a fresh ``PdfWriter`` (never cloned: the document catalog
  with its outlines, names, XMP and info dictionary stays behind), its rotation is moved into its
  content, page-level metadata and annotations (whose /T names an author) are dropped, and the
  watermark is merged on top with ``merge_transformed_page``.
* The result has no /Info and no /Metadata; a leak test reads it back with pypdf and byte search.
"""

from __future__ import annotations

import hashlib
import io
from html import escape

from django.core.cache import cache
from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.generic import DictionaryObject, NameObject

CACHE_SECONDS = 24 * 3600
#: keys that can carry names, notes or scripts on a page; none is needed to read the page.
PAGE_KEYS_DROPPED = ("/Metadata", "/PieceInfo", "/Annots", "/Thumb", "/B", "/AA", "/LastModified")


class PlanUnreadable(Exception):
    """The stored plan cannot be opened (corrupt, or encrypted with a password)."""


def stamp_text(name: str, phone: str) -> str:
    tail = "".join(ch for ch in phone if ch.isdigit())[-4:]
    return f"{name} · 手机尾号 {tail} · 仅供评审使用"


def _watermark_html(text: str, width: float, height: float) -> str:
    step_x, step_y = 250, 150
    tiles = "".join(
        f'<div class="t" style="left:{x}pt;top:{y}pt">{escape(text)}</div>'
        for y in range(30, int(height) + step_y, step_y)
        for x in range(-120, int(width) + step_x, step_x)
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><style>
@page {{ size: {width:.2f}pt {height:.2f}pt; margin: 0 }}
html, body {{ margin: 0; background: transparent }}
body {{ font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif; }}
.t {{ position: absolute; transform: rotate(-30deg); white-space: nowrap; font-size: 15pt;
      color: rgba(160, 30, 30, 0.16) }}
.foot {{ position: absolute; left: 0; right: 0; bottom: 8pt; text-align: center; font-size: 8pt;
         color: rgba(60, 60, 60, 0.75) }}
</style></head><body>{tiles}<div class="foot">{escape(text)}</div></body></html>"""


def render_watermark(text: str, width: float, height: float) -> bytes:
    """A one-page transparent PDF of ``width`` × ``height`` points carrying ``text``."""
    from weasyprint import HTML  # heavy import, only when a plan is served

    return HTML(string=_watermark_html(text, width, height)).write_pdf()


def cache_key(*, judge_key: str, text: str, width: float, height: float) -> str:
    size = f"{round(width)}x{round(height)}"
    digest = hashlib.sha256(f"{judge_key}|{text}|{size}".encode()).hexdigest()[:32]
    return f"review:watermark:v1:{digest}"


def watermark_page(*, judge_key: str, text: str, width: float, height: float) -> PageObject:
    """The watermark page for a judge and a page size, from the cache when it was made before."""
    key = cache_key(judge_key=judge_key, text=text, width=width, height=height)
    data = cache.get(key)
    if data is None:
        data = render_watermark(text, round(width), round(height))
        cache.set(key, data, CACHE_SECONDS)
    return PdfReader(io.BytesIO(data)).pages[0]


def _strip_xobject_metadata(resources, depth: int = 0) -> None:
    """Drop /Metadata (XMP) from image and form XObjects, and from the forms' own XObjects."""
    if depth > 4 or not isinstance(resources, DictionaryObject) or "/XObject" not in resources:
        return
    for ref in resources["/XObject"].get_object().values():
        obj = ref.get_object()
        if isinstance(obj, DictionaryObject):  # streams are dictionaries too
            obj.pop("/Metadata", None)
            if "/Resources" in obj:
                _strip_xobject_metadata(obj["/Resources"].get_object(), depth + 1)


def watermarked_plan(data: bytes, *, judge_key: str, text: str) -> bytes:
    """The plan's pages, stamped, with every piece of document metadata removed."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise PlanUnreadable("encrypted")
        pages = list(reader.pages)
    except PlanUnreadable:
        raise
    except Exception as exc:  # pypdf raises many kinds on damaged files
        raise PlanUnreadable(str(exc)) from exc
    writer = PdfWriter()
    for source in pages:
        page = writer.add_page(source)
        for key in PAGE_KEYS_DROPPED:
            if key in page:
                del page[NameObject(key)]
        if "/Resources" in page:
            _strip_xobject_metadata(page["/Resources"].get_object())
        if page.rotation % 360:
            page.transfer_rotation_to_content()
        box = page.cropbox
        stamp = watermark_page(
            judge_key=judge_key, text=text, width=float(box.width), height=float(box.height)
        )
        page.merge_transformed_page(stamp, Transformation().translate(float(box.left), float(box.bottom)))
    writer.metadata = None  # no /Info: no /Producer, /Creator, /Author, /Title
    writer.xmp_metadata = None
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
