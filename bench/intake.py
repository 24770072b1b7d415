"""Benchmark: 4,000 entries of both groups, each with its business plan PDF, through
``registration.services.intake.write_items`` in one call — the portal's or a package's bulk write.

    .venv/bin/python bench/intake.py [--items 4000] [--makers 1000] [--no-files] [--excel 3000]

On a scratch database: a temporary SQLite file, or, when DATABASE_URL names PostgreSQL, a scratch
database created beside it and dropped afterwards. Migrates, imports the 9th-edition plan, opens
宁波's registration, then times:

* ``seconds``: ``write_items`` of ``--items`` new items (``--makers`` of them maker teams with two
  members), everything included: cleaning, the file checks (pypdf), placeholder owners, profiles,
  entries, stored files, receipts, statuses, the audit records;
* ``check_seconds``: ``check_items`` of the same items first (the preview: cleaning and file
  checks, nothing written). ``write_items`` does that work before it takes the event's lock, so
  ``seconds - check_seconds`` is about how long the lock is held;
* ``rerun_seconds``: the same items again (all ``unchanged``: nothing written but the batch's
  audit record);
* ``excel_import_seconds``: ``import_entries`` of ``--excel`` enterprise rows into another event
  (the console's Excel import; 430 s for 3,000 rows before it used the same bulk writer).

The duplicate check ``write_items`` queues after its commit (one bulk task) runs in the worker
and is not timed here. ``cpu_seconds`` is this process's CPU time for the same call (on a
shared machine it says more than the wall time; the database is in-process for SQLite). ``queries`` counts the statements of the first ``write_items``; ``peak_mb`` is the process's peak
resident memory. The audit chain is verified at the end. Ends with one JSON line.
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


def scratch_database(tmp: Path) -> tuple[str, callable]:
    """(DATABASE_URL of a scratch database, a function that removes it)."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        return f"sqlite:///{tmp / 'bench.sqlite3'}", lambda: None
    import psycopg

    parts = urlsplit(base)
    name = f"bench_intake_{secrets.token_hex(4)}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


def pdf_template() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def build_items(count: int, makers: int, *, files: bool):
    from stdnum.cn import uscc

    from contest.registration.services.intake import IntakeFile, IntakeItem

    template = pdf_template()
    items = []
    for i in range(count):
        plan = None
        if files:
            data = template + f"\n% item {i}\n".encode()  # a different file (and SHA-256) for each item
            plan = IntakeFile(name=f"计划书{i}.pdf", size=len(data), read=lambda data=data: data)
        text = {
            "title": f"项目{i:05d} 智能制造平台", "industry": "C", "summary": f"第 {i} 个项目的简介。" * 5,
            "innovation": "自适应算法", "market": "长三角", "business_model": "订阅", "team_description": "博士团队",
            "funding_sought": "500", "pitch_video_url": "",
        }  # fmt: skip
        if i < count - makers:
            head = f"91330203MA{i:07d}"
            fields = {
                "name": f"宁波测试企业{i:05d}有限公司", "credit_code": head + uscc.calc_check_digit(head),
                "founded_on": "2019-03-15", "registered_capital": "800", "employees": 56,
                "revenue_last_year": "4200.5", "is_listed": "否", "industry": "制造业", "sme_status": "无",
                "contact_name": "王芳", "contact_phone": f"139{i:08d}", **text,
            }  # fmt: skip
            items.append(
                IntakeItem(key=f"企业组 第 {i + 2} 行", group="enterprise", fields=fields, business_plan=plan)
            )
        else:
            fields = {
                "team_name": f"创客团队{i:05d}", "leader_name": "李雷", "leader_phone": f"137{i:08d}",
                "declares_not_enterprise": "是", **text,
            }  # fmt: skip
            members = [
                {"name": "韩梅梅", "role": "算法", "phone": f"136{i:08d}", "affiliation": "宁波大学"},
                {"name": "王强", "role": "", "phone": f"135{i:08d}", "affiliation": ""},
            ]
            items.append(IntakeItem(key=f"创客组 第 {i + 2} 行", group="maker", fields=fields, members=members,
                                    business_plan=plan))  # fmt: skip
    return items


def excel_rows(count: int) -> list[dict]:
    from stdnum.cn import uscc

    rows = []
    for i in range(count):
        head = f"91330212MB{i:07d}"
        rows.append({
            "row": i + 2, "name": f"北仑测试企业{i:05d}有限公司", "credit_code": head + uscc.calc_check_digit(head),
            "founded_on": "2020-01-01", "registered_capital": 300, "employees": 20, "revenue_last_year": 900,
            "is_listed": "否", "industry": "I", "sme_status": "", "contact_name": "张伟",
            "contact_phone": f"134{i:08d}", "title": f"导入项目{i:05d}", "summary": "线下报名的项目。",
        })  # fmt: skip
    return rows


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
    parser.add_argument("--no-files", action="store_true")
    parser.add_argument("--excel", type=int, default=3000, help="rows for the Excel import (0: skip)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    url, drop = scratch_database(tmp)
    os.environ["DATABASE_URL"] = url
    os.environ["MEDIA_ROOT"] = str(tmp / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contest.settings.test")
    sys.path.insert(0, str(ROOT / "src"))
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    import django

    django.setup()
    from django.test.utils import override_settings

    # The duplicate check the write queues runs in the worker after the commit, not in the request.
    try:
        with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}):
            figures = run(args)
    finally:
        drop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(figures, ensure_ascii=False))


def run(args) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from contest.accounts.models import User
    from contest.catalog.models import Event
    from contest.core.audit import verify_chain
    from contest.registration import services
    from contest.registration.models import Entry, Submission
    from contest.registration.services.intake import check_items, write_items

    log("migrating …")
    call_command("migrate", verbosity=0)
    call_command("import_plan", str(PLAN), "--edition", "9", verbosity=0)
    admin = User.objects.create_superuser("bench", "bench@example.cn", "pw-Strong-2024")
    ningbo = Event.objects.get(edition__number=9, tier="regional", seq=30)
    thematic = Event.objects.get(edition__number=9, tier="thematic", seq=5)
    for event in (ningbo, thematic):
        services.set_registration_window(by=admin, event=event, opens_at=datetime(2024, 1, 1, tzinfo=SHANGHAI),
                                         closes_on=datetime(2099, 7, 31).date())  # fmt: skip
    items = build_items(args.items, args.makers, files=not args.no_files)
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    log(f"check_items: {len(items)} items …")
    started = time.perf_counter()
    preview = check_items(event=ningbo, items=items)
    check_seconds = time.perf_counter() - started
    assert not [p for o in preview for p in o.problems], [p for o in preview for p in o.problems][:3]

    log(f"write_items: {len(items)} items …")
    counter = Counter()
    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counter):
        outcomes = write_items(by=admin, event=ningbo, items=items, source="package")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert [o.action for o in outcomes] == ["created"] * len(items), {o.action for o in outcomes}
    assert Entry.objects.filter(event=ningbo, status="submitted").count() == len(items)
    assert Submission.objects.count() == len(items)

    log("the same items again …")
    started = time.perf_counter()
    again = write_items(by=admin, event=ningbo, items=items, source="package")
    rerun = time.perf_counter() - started
    assert {o.action for o in again} == {"unchanged"}

    excel = excel_cpu = None
    if args.excel:
        log(f"import_entries: {args.excel} Excel rows …")
        rows = excel_rows(args.excel)
        started, excel_cpu = time.perf_counter(), time.process_time()
        report = services.import_entries(by=admin, event=thematic, rows=rows)
        excel, excel_cpu = time.perf_counter() - started, time.process_time() - excel_cpu
        assert len(report.with_action("created")) == args.excel, report.lines()[:5]

    checked, broken = verify_chain()
    assert broken is None, broken
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "bench": "intake",
        "database": connection.vendor,
        "items": len(items),
        "makers": args.makers,
        "files": not args.no_files,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "check_seconds": round(check_seconds, 2),
        "queries": counter.count,
        "peak_mb": round(peak_mb, 1),
        "peak_mb_at_start": round(rss_start / 1024, 1),
        "rerun_seconds": round(rerun, 2),
        "excel_rows": args.excel,
        "excel_import_seconds": round(excel, 2) if excel is not None else None,
        "excel_import_cpu_seconds": round(excel_cpu, 2) if excel_cpu is not None else None,
        "audit_records_verified": checked,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


if __name__ == "__main__":
    main()
