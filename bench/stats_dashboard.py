"""Benchmark: the statistics dashboard (/console/stats/) over a season of 40,000 entries.

    .venv/bin/python bench/stats_dashboard.py [--entries 40000] [--runs 15]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scratch .venv/bin/python bench/stats_dashboard.py

Builds a throw-away database (a temporary SQLite file, or a test database next to the one
DATABASE_URL names), imports the shipped 9th-edition plan and bulk-creates (setup speed only;
the pages under test read them through the real selectors and templates):

* entries spread over every event that registers on the platform, both groups, entrants from
  every province, five industries and every status, created over 60 Beijing days;
* for every event a review round of up to 200 qualified entries with 3 judges each (score
  sheets mostly submitted), published advancement decisions for a tenth, a roadshow session
  with 10 finalists and 5 confirmed awards.

Then it times the whole dashboard (all charts) through ``django.test.Client`` as the
secretariat (the whole edition) and as 宁波's organizer (one event), first at a tenth of the
entries, then at all of them, and counts the queries (they must not change with the size).
Target: median under 1 s for the secretariat at 40,000 entries. Ends with one JSON line.
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
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "src/contest/catalog/data/plans/edition9.txt"
TARGET_MS = 1000.0
WARMUP = 2
SHANGHAI = ZoneInfo("Asia/Shanghai")
STATUSES = [
    "submitted",
    "qualified",
    "qualified",
    "qualified",
    "resubmitted",
    "returned",
    "disqualified",
    "draft",
    "withdrawn",
    "qualified",
]
INDUSTRIES = "CIMCLCI"
PER_ROUND, JUDGES, FINALISTS, AWARDS = 200, 3, 10, 5


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


def add_entries(events, start: int, stop: int) -> None:
    """Entrants, enterprises and entries ``start``..``stop``-1, round-robin over ``events``."""
    from django.contrib.auth.hashers import make_password
    from django.db.models.functions import Mod
    from stdnum.cn import uscc

    from contest.accounts.models import User
    from contest.catalog.models import Division, EditionGroup
    from contest.registration.models import Enterprise, Entry

    groups = list(EditionGroup.objects.filter(edition_id=events[0].edition_id).order_by("order"))
    prefectures = list(Division.objects.filter(level="prefecture").order_by("code"))
    unusable = make_password(None)
    batch = 2000
    for low in range(start, stop, batch):
        high = min(low + batch, stop)
        users = User.objects.bulk_create(
            [
                User(username=f"bench-{i:06d}", email=f"bench-{i:06d}@example.cn", password=unusable)
                for i in range(low, high)
            ]
        )
        divisions, codes = [], []
        for i in range(low, high):
            division = prefectures[i % len(prefectures)]
            head = f"91{division.code}MA{i:07d}"
            divisions.append(division)
            codes.append(head + uscc.calc_check_digit(head))
        enterprises = Enterprise.objects.bulk_create(
            [
                Enterprise(
                    owner=u,
                    name=f"测试企业{i:06d}有限公司",
                    credit_code=code,
                    division_code=code[2:8],
                    division=d,
                    division_confirmed=True,
                    founded_on="2018-01-01",
                    registered_capital=500,
                    employees=50,
                    revenue_last_year=3000,
                    industry="C",
                    contact_name="张伟",
                    contact_phone="+8613812345678",
                )
                for i, u, code, d in zip(range(low, high), users, codes, divisions, strict=True)
            ]
        )
        Entry.objects.bulk_create(
            [
                Entry(
                    edition_id=events[0].edition_id,
                    event=events[i % len(events)],
                    group=groups[(i // 3) % 2],
                    owner=e.owner,
                    enterprise=e,
                    credit_code=e.credit_code,
                    division=e.division,
                    title=f"测试项目{i}",
                    industry=INDUSTRIES[i % len(INDUSTRIES)],
                    summary="基于深度学习的缺陷检测。",
                    status=STATUSES[i % len(STATUSES)],
                    number=None if STATUSES[i % len(STATUSES)] == "draft" else f"CK9-B-{i:06d}",
                )
                for i, e in zip(range(low, high), enterprises, strict=True)
            ]
        )
    base = datetime(2024, 6, 1, 8, tzinfo=SHANGHAI)
    spread = Entry.objects.filter(title__startswith="测试项目").annotate(day=Mod("id", 60))
    for day in range(60):
        at = base + timedelta(days=day, hours=day % 14)
        spread.filter(day=day).update(created_at=at, submitted_at=at + timedelta(hours=3))
    Entry.objects.filter(status="draft").update(submitted_at=None)


def add_review(events, by) -> None:
    """A round per event (PER_ROUND qualified entries × JUDGES), decisions, a session, awards."""
    from decimal import Decimal

    from contest.awards.models import Award, AwardLevel
    from contest.finals.models import RoadshowSession, SessionSlot
    from contest.registration.models import Entry
    from contest.review.models import (
        AdvancementDecision,
        Assignment,
        Expert,
        ReviewRound,
        RoundEntry,
        RoundJudge,
        ScoreSheet,
    )

    experts = Expert.objects.bulk_create(
        [
            Expert(name=f"专家{i}", organization_name="研究院", kind="technical", phone=f"+86139{i:08d}")
            for i in range(60)
        ]
    )
    level = AwardLevel.objects.create(
        edition_id=events[0].edition_id, name="一等奖", rank=10, is_default=True
    )
    now = datetime(2024, 8, 1, 9, tzinfo=SHANGHAI)
    for n, event in enumerate(events):
        entries = list(Entry.objects.filter(event=event, status="qualified").order_by("pk")[:PER_ROUND])
        if not entries:
            continue
        round_ = ReviewRound.objects.create(
            edition_id=event.edition_id, event=event, name="网络初评", stage="preliminary", status="published"
        )
        panel = [experts[(n * JUDGES + j) % len(experts)] for j in range(JUDGES)]
        RoundJudge.objects.bulk_create(
            [RoundJudge(round=round_, expert=e, max_load=PER_ROUND) for e in panel]
        )
        round_entries = RoundEntry.objects.bulk_create(
            [RoundEntry(round=round_, entry=e, code=f"R{i:04d}") for i, e in enumerate(entries)]
        )
        assignments = Assignment.objects.bulk_create(
            [Assignment(round=round_, round_entry=re, expert=e) for re in round_entries for e in panel]
        )
        ScoreSheet.objects.bulk_create(
            [
                ScoreSheet(
                    assignment=a,
                    total=Decimal("80"),
                    status="submitted" if i % 7 else "draft",
                    submitted_at=now,
                )
                for i, a in enumerate(assignments)
            ]
        )
        AdvancementDecision.objects.bulk_create(
            [
                AdvancementDecision(
                    round=round_,
                    round_entry=re,
                    decision="advance" if i % 10 == 0 else "hold",
                    staged_by=by,
                    published_at=now,
                )
                for i, re in enumerate(round_entries)
            ]
        )
        session = RoadshowSession.objects.create(
            edition_id=event.edition_id,
            event=event,
            name="决赛",
            venue="会议中心",
            starts_at=now,
            created_by=by,
        )
        SessionSlot.objects.bulk_create([SessionSlot(session=session, entry=e) for e in entries[:FINALISTS]])
        Award.objects.bulk_create(
            [
                Award(
                    event=event,
                    group=e.group,
                    entry=e,
                    level=level,
                    order=i + 1,
                    status="confirmed",
                    staged_by=by,
                )
                for i, e in enumerate(entries[:AWARDS])
            ]
        )


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=40_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    small = args.entries // 10
    with tempfile.TemporaryDirectory(prefix="bench-stats-") as tmp:
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
            from contest.catalog.models import Edition, Event
            from contest.registration.models import Entry

            edition = Edition.objects.get(number=9)
            events = list(
                Event.objects.filter(edition=edition, registration_mode="platform")
                .exclude(tier="national_final")
                .order_by("tier", "seq")
            )
            ningbo = Event.objects.get(edition=edition, tier="regional", seq=30)
            secretariat = User.objects.create_user("bench-secretariat", "bench-secretariat@example.cn")
            Role.objects.create(user=secretariat, kind=RoleKind.SECRETARIAT, edition=edition)
            organizer = User.objects.create_user("bench-organizer", "bench-organizer@example.cn")
            Role.objects.create(
                user=organizer, kind=RoleKind.ORGANIZER, organization=ningbo.roles.first().organization
            )
            sec_client, org_client = Client(), Client()
            sec_client.force_login(secretariat)
            org_client.force_login(organizer)
            for c in (sec_client, org_client):  # force_login skips the sign-in pages: both steps done
                session = c.session
                session[TWO_FACTOR] = VERIFIED
                session.save()
            url = "/console/stats/"

            t0 = time.perf_counter()
            add_entries(events, 0, small)
            small_times, small_queries = timed(sec_client, url, args.runs)
            add_entries(events, small, args.entries)
            add_review(events, secretariat)
            setup_s = time.perf_counter() - t0
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            large_times, large_queries = timed(sec_client, url, args.runs)
            org_times, org_queries = timed(org_client, url, args.runs)
            xlsx_times, _ = timed(sec_client, "/console/stats/funnel/?format=xlsx", args.runs)
            total = Entry.objects.count()
            funnel = [r["项目数"] for r in sec_client.get(url).context["charts"][1].rows]
        finally:
            if use_server and connection.settings_dict["NAME"] != old_name:  # never the real database
                connection.creation.destroy_test_db(old_name, verbosity=0)
            connection.close()
            teardown_test_environment()

    result = {
        "bench": "stats_dashboard",
        "database": connection.vendor,
        "runs": args.runs,
        "entries": total,
        "events": len(events),
        "funnel": funnel,
        "setup_s": round(setup_s, 1),
        "dashboard_small_ms_median": round(statistics.median(small_times), 1),
        "dashboard_secretariat_ms_median": round(statistics.median(large_times), 1),
        "dashboard_secretariat_ms_max": round(max(large_times), 1),
        "dashboard_organizer_ms_median": round(statistics.median(org_times), 1),
        "funnel_xlsx_ms_median": round(statistics.median(xlsx_times), 1),
        "queries_small": small_queries,
        "queries_large": large_queries,
        "queries_organizer": org_queries,
        "queries_constant": small_queries == large_queries,
        "target_ms": TARGET_MS,
    }
    result["meets_target"] = (
        result["dashboard_secretariat_ms_median"] < TARGET_MS and result["queries_constant"]
    )
    sys.stderr.write(
        f"dashboard, {small:,} entries, secretariat   median {result['dashboard_small_ms_median']} ms, "
        f"{small_queries} queries\n"
        f"dashboard, {total:,} entries, secretariat  median {result['dashboard_secretariat_ms_median']} ms, "
        f"{large_queries} queries\n"
        f"dashboard, {total:,} entries, 宁波 organizer median {result['dashboard_organizer_ms_median']} ms, "
        f"{org_queries} queries\n"
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
