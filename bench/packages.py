"""Benchmark: an event package of 4,000 entries with their PDFs and images, checked and written through
the package services (``contest.packages.services``) — the two background jobs, run in this process.

    .venv/bin/python bench/packages.py [--items 4000] [--makers 1000] [--pdf-kb 0]

On a scratch database: a temporary SQLite file, or, when DATABASE_URL names PostgreSQL, a scratch
database created beside it and dropped afterwards. Migrates, imports the 9th-edition plan, opens
宁波's registration, then:

1. **builds** the package on disk through ``zipfile`` (names in GBK without the UTF-8 flag, as
   Chinese Windows writes them): one workbook (xlsxwriter, constant memory) with ``--items`` rows —
   ``--makers`` of them maker teams with two members each on 团队成员 — a business plan PDF for
   every row (3 pages; ``--pdf-kb`` pads each with an incompressible attachment, to make a
   several-GB package) and an image for every enterprise row. Off the clock.
2. **upload + check**: ``upload_package(run_now=True)`` — the package copied to default storage
   in chunks, hashed, then the check job: every row and file through ``intake.check_items``.
3. **confirm + write**: ``confirm_import(run_now=True)`` — the package read again and written in one
   transaction through ``intake.write_items``.

Figures: seconds and statement counts of each phase; ``peak_rss_mb`` (the process's peak resident
memory, ``ru_maxrss``) after building, after the check and after the write — the package is never
whole in memory, so the peaks do not grow with ``--pdf-kb``. Tasks the write enqueues (the bulk
duplicate check) go to a dummy backend: a bulk worker runs them in production, not the import job.
Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import secrets
import shutil
import sys
import tempfile
import time
import warnings
import zipfile
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "src/contest/catalog/data/plans/edition9.txt"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def log(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def scratch_database(tmp: Path):
    """(DATABASE_URL of a scratch database, a function that removes it)."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        return f"sqlite:///{tmp / 'bench.sqlite3'}", lambda: None
    import psycopg

    parts = urlsplit(base)
    name = f"bench_packages_{secrets.token_hex(4)}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


def pdf_bytes(pad_kb: int, seed: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": f"商业计划书 {seed}"})  # a different file (and SHA-256) for each row
    if pad_kb:
        writer.add_attachment("附件.bin", os.urandom(pad_kb * 1024))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_bytes(seed: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (seed % 256, 80, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


class GbkName(zipfile.ZipInfo):
    """A member whose name is written in GBK without the UTF-8 flag."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def build_package(path: Path, *, items: int, makers: int, pad_kb: int) -> dict:
    import xlsxwriter
    from stdnum.cn import uscc

    from contest.packages.columns import ENTERPRISE_COLUMNS, MAKER_COLUMNS, MEMBER_COLUMNS

    book_path = path.with_suffix(".xlsx")
    book = xlsxwriter.Workbook(str(book_path), {"constant_memory": True, "strings_to_numbers": False})
    sheets = {}
    for title, columns in (
        ("企业组", ENTERPRISE_COLUMNS),
        ("创客组", MAKER_COLUMNS),
        ("团队成员", MEMBER_COLUMNS),
    ):
        sheet = book.add_worksheet(title)
        headers = [c.header for c in columns]
        sheet.write_row(0, 0, headers)
        sheets[title] = [sheet, headers, 0]

    def write(title: str, row: dict) -> None:
        sheet, headers, line = sheets[title]
        sheets[title][2] = line + 1
        sheet.write_row(line + 1, 0, [str(row.get(h, "")) for h in headers])

    files = []
    text = {"项目简介": "基于深度学习的表面缺陷检测，面向中小制造企业。" * 4, "技术与创新": "小样本学习",
            "市场前景": "珠三角电子制造", "商业模式": "软件订阅", "团队情况": "博士团队", "融资需求（万元）": "500"}  # fmt: skip
    for i in range(items):
        plan = f"材料/{i:05d}/商业计划书.pdf"
        files.append((plan, i, "pdf"))
        if i < items - makers:
            head = f"91440106MA{i:07d}"
            image = f"材料/{i:05d}/产品图片.png"
            files.append((image, i, "png"))
            write("企业组", {"企业名称": f"广州测试企业{i:05d}有限公司", "统一社会信用代码": head + uscc.calc_check_digit(head),
                           "成立日期": "2019-03-15", "注册资本（万元）": "800", "从业人数": "56",
                           "上年营业收入（万元）": "4200.5", "是否上市": "否", "所属行业": "制造业", "专精特新情况": "无",
                           "联系人": "王芳", "联系人手机": f"139{i:08d}", "项目名称": f"项目{i:05d} 智能制造平台",
                           "商业计划书": plan, "项目图片": image, **text})  # fmt: skip
        else:
            phone, title = f"137{i:08d}", f"创客项目{i:05d}"
            write("创客组", {"团队名称": f"创客团队{i:05d}", "负责人姓名": "李雷", "负责人手机": phone,
                           "未注册企业声明": "是", "行业领域": "C", "项目名称": title, "商业计划书": plan, **text})  # fmt: skip
            for n, (name, phone_of) in enumerate((("韩梅梅", "136"), ("王强", "135"))):
                write("团队成员", {"负责人手机": phone, "项目名称": title, "成员姓名": name,
                               "成员角色": "算法" if n == 0 else "", "成员手机": f"{phone_of}{i:08d}",
                               "所在单位": "中山大学"})  # fmt: skip
    book.close()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        info = GbkName("广东省报名表.xlsx", date_time=(2024, 5, 1, 12, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as target, book_path.open("rb") as source:
            shutil.copyfileobj(source, target, 1024 * 1024)
        for name, seed, kind in files:
            info = GbkName(name, date_time=(2024, 5, 1, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, pdf_bytes(pad_kb, seed) if kind == "pdf" else png_bytes(seed))
    book_path.unlink()
    return {"files": len(files) + 1, "package_mb": round(path.stat().st_size / 1024 / 1024, 1)}


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=4000)
    parser.add_argument("--makers", type=int, default=1000)
    parser.add_argument("--pdf-kb", type=int, default=0, help="pad each PDF by this many KB (incompressible)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-packages-"))
    url, drop = scratch_database(tmp)
    os.environ["DATABASE_URL"] = url
    os.environ["MEDIA_ROOT"] = str(tmp / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contest.settings.test")
    sys.path.insert(0, str(ROOT / "src"))
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    import django

    django.setup()
    from django.test.utils import override_settings

    # Work the import enqueues (the duplicate check after the write) runs on a bulk worker in
    # production, not in the organizer's job: it is queued and dropped here, not timed.
    try:
        with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}):
            figures = run(args, tmp)
    finally:
        drop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(figures, ensure_ascii=False))


def run(args, tmp: Path) -> dict:
    from django.conf import settings
    from django.core.files import File
    from django.core.management import call_command
    from django.db import connection

    from contest.accounts.models import User
    from contest.catalog.models import Event
    from contest.core.audit import verify_chain
    from contest.packages import services
    from contest.registration import services as registration
    from contest.registration.models import Entry, TeamMember

    settings.MEDIA_ROOT = str(tmp / "media")
    log("migrating …")
    call_command("migrate", verbosity=0)
    call_command("import_plan", str(PLAN), "--edition", "9", verbosity=0)
    admin = User.objects.create_superuser("bench", "bench@example.cn", "pw-Strong-2024")
    ningbo = Event.objects.get(edition__number=9, tier="regional", seq=30)
    registration.set_registration_window(by=admin, event=ningbo, opens_at=datetime(2024, 1, 1, tzinfo=SHANGHAI),
                                         closes_on=datetime(2099, 7, 31).date())  # fmt: skip

    log(f"building a package of {args.items} entries …")
    path = tmp / "广东报名包.zip"
    built = build_package(path, items=args.items, makers=args.makers, pad_kb=args.pdf_kb)
    rss_built = peak_mb()

    log(f"upload + check ({built['package_mb']} MB) …")
    counter = Counter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter), path.open("rb") as handle:
        checked = services.upload_package(
            by=admin, event=ningbo, file=File(handle, name=path.name), run_now=True
        )
    check_seconds = time.perf_counter() - started
    check_queries, rss_check = counter.count, peak_mb()
    if checked.status != "checked":
        raise SystemExit(f"check refused: {checked.message} {checked.report.get('problems', [])[:5]}")

    log("confirm + write …")
    counter = Counter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        written = services.confirm_import(by=admin, package_import=checked, run_now=True)
    write_seconds = time.perf_counter() - started
    write_queries, rss_write = counter.count, peak_mb()
    if written.status != "imported":
        raise SystemExit(f"write refused: {written.message} {written.report.get('problems', [])[:5]}")

    entries = Entry.objects.filter(event=ningbo).count()
    members = TeamMember.objects.count()
    verified, broken = verify_chain()
    return {
        "bench": "packages", "database": connection.vendor, "items": args.items, "makers": args.makers,
        "files": built["files"], "package_mb": built["package_mb"], "pdf_pad_kb": args.pdf_kb,
        "check_seconds": round(check_seconds, 1), "check_queries": check_queries,
        "write_seconds": round(write_seconds, 1), "write_queries": write_queries,
        "peak_rss_mb_built": rss_built, "peak_rss_mb_check": rss_check, "peak_rss_mb_write": rss_write,
        "entries": entries, "members": members, "actions": written.report["actions"],
        "audit_records_verified": verified, "audit_chain_ok": broken is None,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }  # fmt: skip


if __name__ == "__main__":
    main()
