"""Benchmark: the organizer console's entry list with 10,000 entries in one event.

    .venv/bin/python bench/organizer_list.py [--runs 50]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scratch .venv/bin/python bench/organizer_list.py

Builds a throw-away database (a temporary SQLite file, or a test database next to the one
DATABASE_URL names), imports the shipped 9th-edition plan, gives 宁波's lead organization an
organizer, and bulk-creates entries for 宁波's event directly (setup speed only; the page under
test reads them through the real selectors and templates). Then it times
``/console/events/<id>/entries/`` through ``django.test.Client`` (full middleware, no network)
at 1,000 and at 10,000 entries, plus a filtered search at 10,000, and counts the queries.
Targets: median under 150 ms at 10,000 entries and the same number of queries at 1,000 and
10,000. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "src/contest/catalog/data/plans/edition9.txt"
TARGET_MS = 150.0
SMALL, LARGE = 1_000, 10_000
WARMUP = 5
STATUSES = [
    "submitted",
    "submitted",
    "resubmitted",
    "returned",
    "qualified",
    "disqualified",
    "draft",
    "withdrawn",
]
TITLES = [
    "工业视觉缺陷检测平台",
    "注塑机能耗优化系统",
    "港口集卡智能调度平台",
    "高导热石墨烯散热膜",
    "海洋垃圾无人清扫船",
]
DISTRICTS = ["330203", "330205", "330206", "330211", "330212", "330213"]


def setup_django(tmp: Path) -> bool:
    """Configure Django; True when DATABASE_URL names a server whose test database we create."""
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contest.settings.test")
    use_server = "DATABASE_URL" in os.environ
    if not use_server:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    import django

    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    return use_server


def add_entries(event, start: int, stop: int) -> None:
    """Entrants, enterprises and entries ``start``..``stop``-1 for ``event``, in bulk."""
    from django.contrib.auth.hashers import make_password
    from stdnum.cn import uscc

    from contest.accounts.models import User
    from contest.catalog.models import Division, EditionGroup
    from contest.registration.models import DuplicateFlag, Enterprise, Entry

    group = EditionGroup.objects.get(edition_id=event.edition_id, code="enterprise")
    divisions = {d.code: d for d in Division.objects.filter(code__in=["330200"])}
    ningbo = divisions["330200"]
    unusable = make_password(None)
    batch = 2000
    for low in range(start, stop, batch):
        high = min(low + batch, stop)
        users = User.objects.bulk_create(
            [User(username=f"bench-{i:06d}", password=unusable) for i in range(low, high)]
        )
        codes = []
        for i in range(low, high):
            head = f"91{DISTRICTS[i % len(DISTRICTS)]}MA{i:07d}"
            codes.append(head + uscc.calc_check_digit(head))
        enterprises = Enterprise.objects.bulk_create(
            [
                Enterprise(
                    owner=u,
                    name=f"宁波测试企业{i:05d}有限公司",
                    credit_code=code,
                    division_code=code[2:8],
                    division=ningbo,
                    division_confirmed=True,
                    founded_on="2018-01-01",
                    registered_capital=500,
                    employees=50,
                    revenue_last_year=3000,
                    industry="C",
                    contact_name="张伟",
                    contact_phone="+8613812345678",
                )
                for i, u, code in zip(range(low, high), users, codes, strict=True)
            ]
        )
        entries = Entry.objects.bulk_create(
            [
                Entry(
                    edition_id=event.edition_id,
                    event=event,
                    group=group,
                    owner=e.owner,
                    enterprise=e,
                    credit_code=e.credit_code,
                    division=ningbo,
                    title=f"{TITLES[i % len(TITLES)]}{i}",
                    industry="CI"[i % 2],
                    summary="基于深度学习的表面缺陷检测，面向中小制造企业。",
                    status=STATUSES[i % len(STATUSES)],
                    number=None if STATUSES[i % len(STATUSES)] == "draft" else f"CK9-R30-{i:06d}",
                )
                for i, e in zip(range(low, high), enterprises, strict=True)
            ]
        )
        flags = [
            DuplicateFlag(entry=a, other=b, field="title", score="0.850")
            for a, b in zip(entries[::50], entries[1::50], strict=False)
        ]
        DuplicateFlag.objects.bulk_create(flags)


def timed(client, url: str, runs: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARMUP):
        check(client.get(url), url)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        check(response, url)
    with CaptureQueriesContext(connection) as ctx:
        check(client.get(url), url)
    if os.environ.get("BENCH_PROFILE"):
        for query in ctx.captured_queries:
            sys.stderr.write(f"{query['time']:>8} {query['sql'][:160]}\n")
    return times, len(ctx.captured_queries)


def check(response, url: str) -> None:
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-console-") as tmp:
        use_server = setup_django(Path(tmp))

        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import setup_test_environment, teardown_test_environment

        from contest.accounts.session_state import TWO_FACTOR, VERIFIED

        setup_test_environment()
        old_name = connection.settings_dict["NAME"]
        if use_server:
            connection.settings_dict["TEST"]["NAME"] = f"test_{old_name}_bench_{os.getpid()}"
        try:
            if use_server:
                connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            else:
                call_command("migrate", verbosity=0, interactive=False)
            call_command("import_plan", str(PLAN), "--edition", "9", verbosity=0, stdout=io.StringIO())

            from contest.accounts.enums import RoleKind
            from contest.accounts.models import Role, User
            from contest.catalog.models import Event

            event = Event.objects.get(edition__number=9, tier="regional", seq=30)
            organizer = User.objects.create_user("bench-organizer")
            Role.objects.create(
                user=organizer, kind=RoleKind.ORGANIZER, organization=event.roles.first().organization
            )
            client = Client()
            client.force_login(organizer)
            session = client.session  # force_login skips the sign-in pages: both steps count as done
            session[TWO_FACTOR] = VERIFIED
            session.save()
            url = f"/console/events/{event.pk}/entries/"
            search = f"{url}?status=submitted&q=检测"

            t0 = time.perf_counter()
            add_entries(event, 0, SMALL)
            small_times, small_queries = timed(client, url, args.runs)
            add_entries(event, SMALL, LARGE)
            setup_s = time.perf_counter() - t0
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            large_times, large_queries = timed(client, url, args.runs)
            search_times, search_queries = timed(client, search, args.runs)
            total = client.get(url).context["page"].paginator.count
        finally:
            if use_server and connection.settings_dict["NAME"] != old_name:  # never the real database
                connection.creation.destroy_test_db(old_name, verbosity=0)
            connection.close()
            teardown_test_environment()

    result = {
        "bench": "organizer_list",
        "database": connection.vendor,
        "runs": args.runs,
        "entries": total,
        "setup_s": round(setup_s, 1),
        "list_1k_ms_median": round(statistics.median(small_times), 2),
        "list_10k_ms_median": round(statistics.median(large_times), 2),
        "list_10k_ms_p95": round(p95(large_times), 2),
        "search_10k_ms_median": round(statistics.median(search_times), 2),
        "search_10k_ms_p95": round(p95(search_times), 2),
        "queries_1k": small_queries,
        "queries_10k": large_queries,
        "queries_search_10k": search_queries,
        "queries_constant": small_queries == large_queries == search_queries,
        "target_ms": TARGET_MS,
    }
    result["meets_target"] = (
        result["list_10k_ms_median"] < TARGET_MS
        and result["search_10k_ms_median"] < TARGET_MS
        and result["queries_constant"]
    )
    sys.stderr.write(
        f"entry list, 1,000 entries   median {result['list_1k_ms_median']} ms, {small_queries} queries\n"
        f"entry list, 10,000 entries  median {result['list_10k_ms_median']} ms, p95 {result['list_10k_ms_p95']} ms, "
        f"{large_queries} queries\n"
        f"filtered search, 10,000     median {result['search_10k_ms_median']} ms, "
        f"p95 {result['search_10k_ms_p95']} ms, {search_queries} queries\n"
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
