"""Certificate PDFs: A4 landscape, Chinese, the font embedded, a QR code of the verification URL.

Speed (docs/awards.md): WeasyPrint subsets the embedded font for every PDF, and a full CJK font
(65,000 glyphs) makes that slow (~0.2 s a certificate). So a ``Renderer`` first cuts Noto Serif
CJK SC — located through fontconfig (``fc-match``) — down to the characters of every certificate
it will render (fontTools, once; cached on disk by the character set's hash), declares that cut
as an ``@font-face``, and then renders each certificate from one Django template with one parsed
stylesheet and one ``FontConfiguration``. WeasyPrint still subsets per PDF, from the small font.
Characters the cut lacks fall back to the system fonts through fontconfig.

The QR code is segno's PNG of the URL, one pixel per module with a four-module quiet zone, drawn
pixelated, so the image inside the PDF is exactly segno's matrix.
"""

from __future__ import annotations

import base64
import hashlib
import io
import multiprocessing
import os
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path

import django
import segno
from django.template.loader import get_template

TEMPLATE_VERSION = "cert-v1"
TEMPLATE = "awards/certificate_pdf.html"
FONT_FAMILY = "Noto Serif CJK SC"
CUT_FAMILY = "NotoSerifCJKsc-Certificate"
FONT_CACHE = Path(tempfile.gettempdir()) / "contest-certificate-fonts"
#: characters every certificate may print besides its own fields
FIXED_CHARACTERS = (
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz:/.-_?=&%#~ ，。：；、“”‘’《》（）·"
    "荣誉证书你单位的参赛项目在比赛中获核验码年月日第届创客中国中小企业创新创业大赛"
)

STYLESHEET = """
@page { size: A4 landscape; margin: 0; }
html, body { margin: 0; padding: 0; }
body { font-family: FAMILY; font-weight: normal; color: #3a2412; }
.sheet { position: relative; width: 297mm; height: 210mm; box-sizing: border-box; padding: 12mm; }
.frame { box-sizing: border-box; height: 186mm; border: 3mm double #b8892b; padding: 12mm 22mm 10mm;
         position: relative; }
.title { text-align: center; font-size: 40pt; color: #a4161a; margin: 2mm 0 6mm; }
.edition { text-align: center; font-size: 14pt; margin-bottom: 8mm; }
.body { font-size: 16pt; line-height: 1.9; text-indent: 2em; }
.name { font-size: 20pt; border-bottom: 0.4mm solid #3a2412; padding: 0 2mm; }
.level { text-align: center; font-size: 34pt; color: #a4161a; margin: 6mm 0 2mm; }
.citation { font-size: 12pt; text-align: center; color: #5a4632; }
.issuers { position: absolute; right: 22mm; bottom: 16mm; text-align: right; font-size: 13pt; line-height: 1.6; }
.verify { position: absolute; left: 22mm; bottom: 12mm; font-size: 8.5pt; color: #5a4632; }
.verify img { width: 26mm; height: 26mm; image-rendering: pixelated; display: block; margin-bottom: 1.5mm; }
.code { font-size: 11pt; color: #3a2412; }
"""


@dataclass(frozen=True)
class CertificateText:
    """What a certificate prints."""

    entrant: str
    title: str
    event: str
    group: str
    level: str
    edition: str
    date: str  # 2024年10月26日
    issuers: tuple[str, ...]
    code: str  # display form, XXXX-XXXX-XXXX-C
    verify_url: str
    citation: str = ""

    def characters(self) -> set[str]:
        chars: set[str] = set()
        for field in fields(self):
            value = getattr(self, field.name)
            for part in value if isinstance(value, tuple) else (value,):
                chars.update(part)
        return chars


def qr_png(url: str) -> bytes:
    """The QR code of ``url`` as a PNG, one pixel per module, a four-module quiet zone."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=1, border=4)
    return buffer.getvalue()


def qr_data_uri(url: str) -> str:
    return "data:image/png;base64," + base64.b64encode(qr_png(url)).decode("ascii")


def render_html(text: CertificateText) -> str:
    return get_template(TEMPLATE).render({"c": text, "qr": qr_data_uri(text.verify_url)})


def system_font(family: str = FONT_FAMILY) -> tuple[Path, int] | None:
    """The file and face index fontconfig chooses for ``family``, if it is that family."""
    try:
        out = subprocess.run(  # noqa: S603 - fixed arguments
            ["fc-match", "-f", "%{file}\t%{index}\t%{family}", family],  # noqa: S607 - fontconfig's tool
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    file, index, families = ([*out.split("\t"), "", "", ""])[:3]
    if not file or family not in families.split(","):
        return None
    return Path(file), int(index or 0)


def cut_font(characters: set[str]) -> Path | None:
    """Noto Serif CJK SC cut down to ``characters`` (cached by their hash), or None without it."""
    source = system_font()
    if source is None:
        return None
    chars = "".join(sorted(characters | set(FIXED_CHARACTERS)))
    digest = hashlib.sha256(f"{source[0]}:{source[1]}:{chars}".encode()).hexdigest()[:32]
    target = FONT_CACHE / f"{digest}.otf"
    if target.exists():
        return target
    from fontTools import subset  # noqa: PLC0415 -- the subsetter is loaded only on a font-cache miss
    from fontTools.ttLib import TTFont  # noqa: PLC0415 -- loaded with the subsetter, on a cache miss

    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(str(source[0]), fontNumber=source[1])
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    FONT_CACHE.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=FONT_CACHE, suffix=".part")  # unique: processes may race here
    os.close(handle)
    font.save(partial)
    Path(partial).replace(target)  # atomic: a reader sees the whole font or none
    return target


class Renderer:
    """Renders certificates whose characters are all in ``texts`` (more may come; they fall back).
    ``font`` reuses a cut made earlier (a worker process gets the parent's)."""

    def __init__(self, texts: Iterable[CertificateText] = (), *, font: Path | None = None):
        from weasyprint import CSS  # noqa: PLC0415 -- WeasyPrint loads Pango (cffi) on import; only PDFs need it
        from weasyprint.text.fonts import FontConfiguration  # noqa: PLC0415 -- WeasyPrint loads Pango, as above

        if font is None:
            characters: set[str] = set()
            for text in texts:
                characters |= text.characters()
            font = cut_font(characters)
        self.font = font
        if font is not None:
            face = f'@font-face {{ font-family: "{CUT_FAMILY}"; src: url("{font.as_uri()}"); }}\n'
            family = f'"{CUT_FAMILY}", "{FONT_FAMILY}", serif'
        else:
            face, family = "", f'"{FONT_FAMILY}", serif'
        self.fonts = FontConfiguration()
        self.stylesheet = CSS(string=face + STYLESHEET.replace("FAMILY", family), font_config=self.fonts)

    def render(self, text: CertificateText) -> bytes:
        from weasyprint import HTML  # noqa: PLC0415 -- WeasyPrint loads Pango (cffi) on import; only PDFs need it

        document = HTML(string=render_html(text), base_url=None)
        return document.write_pdf(stylesheets=[self.stylesheet], font_config=self.fonts)


# -- several processes ---------------------------------------------------------------------------------------

_worker_renderer: Renderer | None = None


def _start_worker(font: Path | None) -> None:
    """A spawned worker: Django (for the template) and a renderer over the parent's font cut."""
    global _worker_renderer
    django.setup()
    _worker_renderer = Renderer(font=font) if font is not None else Renderer()


def _render_in_worker(text: CertificateText) -> bytes:
    assert _worker_renderer is not None
    return _worker_renderer.render(text)


def render_many(
    texts: list[CertificateText], *, workers: int = 1, renderer: Renderer | None = None
) -> Iterator[bytes]:
    """The PDFs of ``texts``, in order. With ``workers`` > 1, rendered by that many spawned
    processes (rendering is CPU-bound Python; the database work stays with the caller)."""
    renderer = renderer or Renderer(texts)
    if workers <= 1 or len(texts) < 2:
        for text in texts:
            yield renderer.render(text)
        return
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(renderer.font,)
    )
    try:
        yield from pool.map(_render_in_worker, texts, chunksize=4)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
