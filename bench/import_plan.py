"""Benchmark: importing the 9th edition plan (target < 0.5 s).

Measures, on a fresh database each run: parsing the seed text alone, and the whole
`import_plan` (parse + validate + write 50 events, 44 organisations and the audit
records in one transaction). Reports medians over N runs and ends with one JSON line.

    .venv/bin/python bench/import_plan.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contest.settings.test")
PLAN = ROOT / "src/contest/catalog/data/plans/edition9.txt"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="bench-import-")
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from contest.catalog.importer import read_plan
    from contest.catalog.models import Edition, EditionGroup, Event, EventOrganization, Organization
    from contest.catalog.services import import_plan

    call_command("migrate", verbosity=0)
    data = PLAN.read_bytes()

    parse_times, import_times, reimport_times = [], [], []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        read_plan(data, filename=PLAN.name, expected_edition=9)
        parse_times.append(time.perf_counter() - t0)

        # A fresh catalog each run in this scratch database; the audit chain (append-only)
        # simply grows, as it would in production.
        with connection.cursor() as cursor:
            for model in (EventOrganization, Event.served_divisions.through, Event, Organization, EditionGroup,
                          Edition):  # fmt: skip
                cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608
        t0 = time.perf_counter()
        report = import_plan(plan=read_plan(data, filename=PLAN.name, expected_edition=9), edition_number=9,
                             source=data, source_name=PLAN.name)  # fmt: skip
        import_times.append(time.perf_counter() - t0)
        assert len(report.created) == 50, report.lines()[0]

        t0 = time.perf_counter()
        report = import_plan(plan=read_plan(data, filename=PLAN.name, expected_edition=9), edition_number=9,
                             source=data, source_name=PLAN.name)  # fmt: skip
        reimport_times.append(time.perf_counter() - t0)
        assert len(report.unchanged) == 50

    figures = {
        "bench": "import_plan",
        "database": connection.vendor,
        "runs": args.runs,
        "events": Event.objects.count(),
        "parse_ms_median": round(statistics.median(parse_times) * 1000, 1),
        "import_ms_median": round(statistics.median(import_times) * 1000, 1),
        "import_ms_max": round(max(import_times) * 1000, 1),
        "reimport_ms_median": round(statistics.median(reimport_times) * 1000, 1),
        "target_ms": 500,
        "meets_target": statistics.median(import_times) < 0.5,
    }
    print(f"parse {figures['parse_ms_median']} ms, import {figures['import_ms_median']} ms, "
          f"re-import (no change) {figures['reimport_ms_median']} ms — median of {args.runs}")  # fmt: skip
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
