"""Benchmark: reading an uploaded workbook, openpyxl (read-only) against python-calamine.

    .venv/bin/python bench/spreadsheet_readers.py [--runs 3]

Two files, made in a temporary directory:

* ``template``: 5,000 rows in the entry-import template's shape (the headers of
  ``registration.services.ENTRY_IMPORT_COLUMNS``, the example row repeated with numbered names),
  written by ``contest.core.exporters``;
* ``hostile``: 1,000,000 rows of one cell each, no ``<dimension>`` (~80 KB compressed).

For each reader and file a subprocess per run reads the header and the first 1,001 rows and stops
(what an importer with a 1,000-row limit does); it reports the time and ``ru_maxrss``. A third
reader, ``iter_table``, is the importer's own entry point (``contest.core.spreadsheets``): on the
hostile file it refuses before parsing cells. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_ROWS, HOSTILE_ROWS, TAKE = 5_000, 1_000_000, 1_001

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def hostile(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            part.write(b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * HOSTILE_ROWS)
            part.write(b"</sheetData></worksheet>")


def template(path: Path) -> None:
    from contest.core.exporters import Sheet, write_workbook_to
    from contest.registration import services
    from contest.registration.views.console import IMPORT_EXAMPLE

    headers = [c.header for c in services.ENTRY_IMPORT_COLUMNS]
    rows = []
    for i in range(TEMPLATE_ROWS):
        row = dict(zip(headers, IMPORT_EXAMPLE, strict=True))
        row[headers[0]] = f"宁波测试企业{i:05d}有限公司"
        rows.append(row)
    write_workbook_to([Sheet(title="报名表", columns=headers, rows=rows)], str(path))


def read(reader: str, path: str) -> int:
    data = Path(path).read_bytes()
    if reader == "openpyxl":
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = list(itertools.islice(book.worksheets[0].iter_rows(values_only=True), TAKE))
        book.close()
    elif reader == "calamine":
        import io

        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        rows = list(itertools.islice(book.get_sheet_by_index(0).iter_rows(), TAKE))
    else:
        from contest.core.spreadsheets import SpreadsheetError, iter_table

        try:
            rows = list(itertools.islice(iter_table(data, filename="x.xlsx", max_bytes=10 << 20), TAKE))
        except SpreadsheetError:
            rows = []  # refused: the figure is the time to refuse
    return len(rows)


def peak_kb() -> int:
    """This process's peak resident set (VmHWM; ``ru_maxrss`` would carry the parent's over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(reader: str, path: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contest.settings.test")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    before = peak_kb()
    t0, c0 = time.perf_counter(), time.process_time()
    n = read(reader, path)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    after = peak_kb()
    print(
        json.dumps(
            {
                "ms": elapsed * 1000,
                "cpu_ms": cpu * 1000,
                "rows": n,
                "rss_before_mb": before / 1024,
                "rss_after_mb": after / 1024,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contest.settings.test")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    result: dict = {"bench": "spreadsheet_readers", "runs": args.runs, "take_rows": TAKE}
    with tempfile.TemporaryDirectory(prefix="bench-readers-") as tmpname:
        files = {"template": Path(tmpname) / "template.xlsx", "hostile": Path(tmpname) / "hostile.xlsx"}
        template(files["template"])
        hostile(files["hostile"])
        for name, path in files.items():
            result[f"{name}_kb"] = round(path.stat().st_size / 1024, 1)
            for reader in ("openpyxl", "calamine", "iter_table"):
                runs = []
                for _ in range(args.runs):
                    done = subprocess.run(
                        [sys.executable, __file__, "--child", reader, str(path)],
                        check=True, capture_output=True, text=True,
                    )  # fmt: skip
                    runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
                result[f"{name}_{reader}"] = {
                    "ms_median": round(statistics.median(r["ms"] for r in runs)),
                    "cpu_ms_median": round(statistics.median(r["cpu_ms"] for r in runs)),
                    "rows": runs[0]["rows"],
                    "peak_rss_mb": round(max(r["rss_after_mb"] for r in runs), 1),
                    "rss_growth_mb": round(max(r["rss_after_mb"] - r["rss_before_mb"] for r in runs), 1),
                }
                print(name, reader, result[f"{name}_{reader}"], file=sys.stderr)
    result["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
