"""Benchmark: the worst uploads the platform allows, and hostile ones it must refuse, cost bounded
time and memory (issue 10).

    .venv/bin/python bench/uploads.py [--runs 5]

Cases, each timed over ``--runs`` runs (median) in a forked child process so its memory is its own:

* ``pdf_worst_check``: the largest plan allowed — 100 pages of 5,000 × 5,000 pt, each with 400
  lines of text — through ``validators.check_pdf`` (parse, page count, every page's boxes);
* ``pdf_worst_identity_scan``: the same plan's text extracted for the identity warning
  (``validators.plan_text``, bounded to 100 pages and 200,000 characters);
* ``pdf_worst_watermark_cold`` / ``_warm``: the judge's copy of that plan, first with an empty
  cache (the two WeasyPrint renders of the stamp) and then with the stamp cached;
* ``pdf_hostile_check`` / ``pdf_hostile_watermark``: the 435-byte plan with one 14,400 × 14,400
  pt page, refused by the upload check and by the watermark (it took 20 s to stamp before);
* ``image_worst_check``: a 5,000 × 5,000 PNG (25 megapixels, the limit) identified, verified and
  decoded by ``validators.check_image``; ``image_hostile_check``: a 60,000 × 60,000 PNG header;
* ``xlsx_worst_read``: the entry import's largest table (5,000 rows × 21 columns) read by
  ``registration.importer.read_entry_table``; ``xlsx_hostile_read``: an .xlsx of 79 KB that
  unpacks to 1,000,000 rows, refused at row 5,001.

For each: ``ms`` (median wall time), ``cpu_ms`` (median CPU time of the child: on a shared machine
it says more than the wall time), ``py_peak_mb`` (tracemalloc: Python allocations — pypdf and
openpyxl are pure Python) and ``rss_peak_mb`` (the child's peak resident memory above its start:
Pillow and Pango allocate outside Python), plus ``outcome`` (``ok`` or the refusal). Ends with one
JSON line, including ``load_average_1m``.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import resource
import statistics
import struct
import sys
import tempfile
import time
import tracemalloc
import warnings
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(tmp: Path) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contest.settings.test")
    os.environ["MEDIA_ROOT"] = str(tmp / "media")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    import django

    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()


# -- the inputs ---------------------------------------------------------------------------------------


def worst_pdf(pages: int = 100, side: int = 5000, lines: int = 400) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = DictionaryObject(
        {NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
         NameObject("/BaseFont"): NameObject("/Helvetica")}
    )  # fmt: skip
    font_ref = writer._add_object(font)
    for number in range(pages):
        page = writer.add_blank_page(width=side, height=side)
        text = "".join(
            f"BT /F1 9 Tf 40 {side - 20 - i * 12} Td (Page {number + 1} line {i + 1}: market, technology, team) Tj ET\n"
            for i in range(lines)
        )
        stream = DecodedStreamObject()
        stream.set_data(text.encode())
        page[NameObject("/Contents")] = writer._add_object(stream.flate_encode())
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font_ref})}
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def hostile_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=14400, height=14400)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def worst_png(side: int = 5000) -> bytes:
    """A real side × side RGB PNG (flat colour, so it is small on disk but 25 megapixels decoded)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (side, side), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def hostile_png(side: int = 60000) -> bytes:
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + png_chunk(b"IEND", b""))  # fmt: skip


def xlsx(header: list[str], row_xml: str, rows: int) -> bytes:
    """A minimal .xlsx whose first sheet has the header and ``rows`` copies of ``row_xml``."""
    cells = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in header)
    sheet = io.StringIO()
    sheet.write('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                f'spreadsheetml/2006/main"><sheetData><row>{cells}</row>')  # fmt: skip
    sheet.write(row_xml * rows)
    sheet.write("</sheetData></worksheet>")
    ns = "http://schemas.openxmlformats.org"
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/2006/main" '
        f'xmlns:r="{ns}/officeDocument/2006/relationships"><sheets><sheet name="报名" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/'
        f'2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet.getvalue(),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in files.items():
            z.writestr(name, text.encode())
    return out.getvalue()


def import_header() -> list[str]:
    from contest.registration.services import ENTRY_IMPORT_COLUMNS

    return [c.header for c in ENTRY_IMPORT_COLUMNS]


def worst_xlsx() -> bytes:
    from contest.registration.services import ENTRY_IMPORT_COLUMNS, IMPORT_ROW_LIMIT

    values = {"name": "宁波某某科技有限公司", "credit_code": "91330203MA0000001X", "founded_on": "2020-05-01",
              "registered_capital": "500", "employees": "45", "revenue_last_year": "3200.5", "is_listed": "否",
              "industry": "C", "sme_status": "", "contact_name": "张伟", "contact_phone": "13812345678",
              "title": "工业视觉缺陷检测平台", "summary": "基于深度学习的表面缺陷检测，面向中小制造企业。" * 8,
              "entry_industry": "I", "innovation": "小样本学习" * 20, "market": "长三角电子制造" * 20,
              "business_model": "软件订阅" * 20, "team_description": "博士团队" * 20, "funding_sought": "2000",
              "ip_list": "发明专利:一种缺陷检测方法:ZL2022xxxx", "pitch_video_url": "https://example.cn/v.mp4"}  # fmt: skip
    row = (
        "<row>"
        + "".join(
            f'<c t="inlineStr"><is><t>{values.get(c.field, "")}</t></is></c>' for c in ENTRY_IMPORT_COLUMNS
        )
        + "</row>"
    )
    return xlsx(import_header(), row, IMPORT_ROW_LIMIT)


def hostile_xlsx() -> bytes:
    return xlsx(import_header(), "<row><c><v>1</v></c></row>", 1_000_000)


# -- measuring ----------------------------------------------------------------------------------------


def _child(fn, conn) -> None:
    start = resource.getrusage(resource.RUSAGE_SELF)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        fn()
        outcome = "ok"
    except Exception as exc:  # a refusal is an outcome to report
        outcome = f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"[:160]
    elapsed = time.perf_counter() - started
    py_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    end = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (end.ru_utime + end.ru_stime) - (start.ru_utime + start.ru_stime)
    conn.send((elapsed, py_peak, end.ru_maxrss - start.ru_maxrss, outcome, cpu))
    conn.close()


def measure(fn, runs: int) -> dict:
    ctx = multiprocessing.get_context("fork")
    results = []
    for _ in range(runs):
        parent, child = ctx.Pipe()
        process = ctx.Process(target=_child, args=(fn, child))
        process.start()
        results.append(parent.recv())
        process.join()
    return {
        "ms": round(statistics.median(r[0] for r in results) * 1000, 1),
        "cpu_ms": round(statistics.median(r[4] for r in results) * 1000, 1),
        "py_peak_mb": round(max(r[1] for r in results) / 1024 / 1024, 1),
        "rss_peak_mb": round(max(r[2] for r in results) / 1024, 1),
        "outcome": results[0][3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp))
        from django.core.cache import cache

        from contest.registration import validators as v
        from contest.registration.importer import read_entry_table
        from contest.review import watermark

        stamp = watermark.stamp_text("王芳", "+8613912345678")
        inputs = {"pdf": worst_pdf(), "hostile_pdf": hostile_pdf(), "png": worst_png(), "hostile_png": hostile_png(),
                  "xlsx": worst_xlsx(), "hostile_xlsx": hostile_xlsx()}  # fmt: skip
        sizes = {name: len(data) for name, data in inputs.items()}

        def cold_watermark():
            cache.clear()
            watermark.watermarked_plan(inputs["pdf"], judge_key="bench", text=stamp)

        cases = {
            "pdf_worst_check": lambda: v.check_pdf("plan.pdf", inputs["pdf"]),
            "pdf_worst_identity_scan": lambda: v.plan_text(inputs["pdf"]),
            "pdf_worst_watermark_cold": cold_watermark,
            "pdf_worst_watermark_warm": lambda: watermark.watermarked_plan(
                inputs["pdf"], judge_key="bench", text=stamp
            ),
            "pdf_hostile_check": lambda: v.check_pdf("plan.pdf", inputs["hostile_pdf"]),
            "pdf_hostile_watermark": lambda: watermark.watermarked_plan(
                inputs["hostile_pdf"], judge_key="bench", text=stamp
            ),
            "image_worst_check": lambda: v.check_image("poster.png", inputs["png"]),
            "image_hostile_check": lambda: v.check_image("bomb.png", inputs["hostile_png"]),
            "xlsx_worst_read": lambda: read_entry_table(inputs["xlsx"], filename="entries.xlsx"),
            "xlsx_hostile_read": lambda: read_entry_table(inputs["hostile_xlsx"], filename="entries.xlsx"),
        }
        watermark.watermarked_plan(inputs["pdf"], judge_key="bench", text=stamp)  # warm the cache
        figures = {}
        for name, fn in cases.items():
            figures[name] = measure(fn, args.runs)
            print(f"{name:28} {figures[name]}", file=sys.stderr)
    print(json.dumps({"bench": "uploads", "runs": args.runs, "input_bytes": sizes, "cases": figures,
                      "load_average_1m": round(os.getloadavg()[0], 2)}, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main()
