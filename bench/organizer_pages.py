"""Benchmark: the organizer's review pages of one round at season scale (10,000 entries × 5 sheets).

    .venv/bin/python bench/organizer_pages.py [--runs 20] [--entries 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/contest .venv/bin/python bench/organizer_pages.py

Builds a throw-away database as ``bench/organizer_list.py`` does (a temporary SQLite file, or a
test database next to the one DATABASE_URL names — never that database itself), with its
builder: the 9th-edition plan, 宁波's organizer, and ``organizer_list.add_entries`` for 10,000
entries of 宁波's event (entrants, enterprises, entries in bulk). The entry list is timed on
that mix of statuses (default, search, status filter). Then every entry is qualified (the
drafts get a registration number, as submitting gives one) and the round is built through the
services — ``create_round``, ``add_entries`` (all 10,000), ``add_judges`` (100 experts),
``set_quota`` (enterprise group, 1,000 places) — except the 50,000 assignments and submitted
score sheets, which are bulk-inserted with what ``save_sheet`` stores (rubric scores in 0.5
steps, the total as ``aggregation.sheet_total`` quantized to 4 places, version 2). The round is
then opened with ``set_round_status``.

Timed with ``django.test.Client`` as the organizer (full middleware, no network): 5 warm-up
requests, ``--runs`` timed ones, the queries of one more; median and p95. Pages: the ranking
(first page, the cut line's page, the last page, a search, a group filter, an industry
filter), the progress page, the assignment table (first page, last page, search, filter), the
round's entries (first page, search), and the entry list. Target: every median under 300 ms.
Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import organizer_list  # the sibling bench whose builders this one reuses

TARGET_MS = 300.0
JUDGES_PER_ENTRY = 5
PANEL = 100
BATCH = 5_000
SEED = 20241203
#: rubric code → the maximum; scores drawn from 50 %–100 % of it in 0.5 steps
MAXIMA = {"innovation": 30, "business_model": 20, "market": 20, "team": 20, "finance_social": 10}


def build_round(event, organizer, n_entries: int, log) -> object:
    """Qualify the event's entries, and a round of them with 100 judges and 5 submitted sheets each."""
    from django.db import IntegrityError, connection, transaction

    from contest.registration.enums import EntryStatus
    from contest.registration.models import Entry
    from contest.review import aggregation as agg
    from contest.review import services
    from contest.review.enums import QuotaKind, RoundStatus, SheetStatus
    from contest.review.models import Assignment, Expert, RoundEntry, ScoreSheet
    from contest.review.rankings import rubric_of
    from contest.review.services import anonymous_code

    t = time.perf_counter()
    drafts = list(Entry.objects.filter(event=event, number__isnull=True).only("pk"))
    for e in drafts:
        e.number = f"CK9-R30-D{e.pk:06d}"
    Entry.objects.bulk_update(drafts, ["number"], batch_size=BATCH)
    Entry.objects.filter(event=event).update(status=EntryStatus.QUALIFIED)
    round_ = services.create_round(by=organizer, edition=event.edition, event=event,
                                   data={"name": "网络初评", "stage": "preliminary", "judges_per_entry": JUDGES_PER_ENTRY,
                                         "default_max_load": 1000})  # fmt: skip
    try:
        with transaction.atomic():
            services.add_entries(by=organizer, round=round_)
    except IntegrityError:
        # ``anonymous_code`` keeps 6 hex digits (16.7 million codes): among 10,000 entries two share
        # one with a probability of about 95 %, and the service's bulk insert fails on the unique
        # (round, code). Bench only: the same codes, a colliding one made unique with the entry id.
        entries = list(Entry.objects.filter(event=event, status=EntryStatus.QUALIFIED).order_by("pk"))
        rows, used = [], set()
        for e in entries:
            code = anonymous_code(round_, e)
            code = code if code not in used else f"{code}-{e.pk}"
            used.add(code)
            rows.append(RoundEntry(round=round_, entry=e, code=code))
        RoundEntry.objects.bulk_create(rows, batch_size=BATCH)
        collisions = len(rows) - len({anonymous_code(round_, e) for e in entries})
        log(f"services.add_entries refused: {collisions} duplicate anonymous codes; bulk-inserted instead")
    experts = Expert.objects.bulk_create([
        Expert(name=f"专家{n:03d}", organization_name=f"研究院{n % 30}", kind="technical", expertise=["C", "I"],
               phone=f"+86139{n:08d}")
        for n in range(PANEL)
    ])  # fmt: skip
    services.add_judges(by=organizer, round=round_, experts=experts)
    services.set_quota(by=organizer, round=round_, group_code="enterprise", kind=QuotaKind.COUNT, count=1000)
    log(
        f"round with {n_entries:,} entries and {PANEL} judges through the services: {time.perf_counter() - t:.1f} s"
    )

    t = time.perf_counter()
    rng = random.Random(SEED)
    rubric = rubric_of(round_)
    now = datetime(2024, 8, 1, 4, tzinfo=UTC)
    round_entries = list(RoundEntry.objects.filter(round=round_).order_by("pk").values_list("pk", flat=True))
    panel = [e.pk for e in experts]
    assignments = []
    for re_id in round_entries:
        for expert_id in rng.sample(panel, JUDGES_PER_ENTRY):
            assignments.append(Assignment(round=round_, round_entry_id=re_id, expert_id=expert_id, source="auto",
                                          match_score=0))  # fmt: skip
    assignments = Assignment.objects.bulk_create(assignments, batch_size=BATCH)
    if assignments[0].pk is None:  # a backend that does not return the ids
        assignments = list(Assignment.objects.filter(round=round_).order_by("pk"))
    sheets = []
    for a in assignments:
        values = {c: Decimal(rng.randint(m, 2 * m)) / 2 for c, m in MAXIMA.items()}
        sheets.append(ScoreSheet(assignment_id=a.pk, scores={c: str(v) for c, v in values.items()},
                                 total=agg.quantize(agg.sheet_total(rubric, values), 4), status=SheetStatus.SUBMITTED,
                                 submitted_at=now, version=2))  # fmt: skip
    ScoreSheet.objects.bulk_create(sheets, batch_size=BATCH)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    log(f"{len(assignments):,} assignments and submitted sheets in bulk: {time.perf_counter() - t:.1f} s")
    return services.set_round_status(by=organizer, round=round_, to=RoundStatus.OPEN)


def sign_in_completed(client) -> None:
    """``force_login`` skips the sign-in pages: mark the session's two-factor step done, as a
    completed sign-in does (and as tests/conftest.py does for the test client)."""
    try:
        from contest.accounts.session_state import TWO_FACTOR, VERIFIED
    except ImportError:  # a checkout without two-factor sign-in
        return
    session = client.session
    session[TWO_FACTOR] = VERIFIED
    session.save()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument(
        "--sqlite", type=Path, help="keep the SQLite database in this file; reuse it when it holds the round"
    )
    parser.add_argument(
        "--keep", action="store_true",
        help="with DATABASE_URL: keep the scratch test_…_pages_kept database and reuse it when it holds the round",
    )  # fmt: skip
    args = parser.parse_args()
    if args.sqlite:
        os.environ["DATABASE_URL"] = f"sqlite:///{args.sqlite.resolve()}"

    def log(message: str) -> None:
        sys.stderr.write(message + "\n")

    with tempfile.TemporaryDirectory(prefix="bench-review-pages-") as tmp:
        use_server = organizer_list.setup_django(Path(tmp)) and not args.sqlite
        reuse = bool(args.sqlite or (use_server and args.keep))

        import io

        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import setup_test_environment, teardown_test_environment
        from django.urls import reverse

        setup_test_environment()
        old_name = connection.settings_dict["NAME"]
        if use_server:
            suffix = "kept" if args.keep else os.getpid()
            connection.settings_dict["TEST"]["NAME"] = f"test_{old_name}_pages_{suffix}"
        results: dict[str, dict] = {}
        try:
            t0 = time.perf_counter()
            if use_server:
                connection.creation.create_test_db(
                    verbosity=0, autoclobber=True, serialize=False, keepdb=args.keep
                )
            else:
                call_command("migrate", verbosity=0, interactive=False)

            from contest.accounts.enums import RoleKind
            from contest.accounts.models import Role, User
            from contest.catalog.models import Event
            from contest.review.models import ReviewRound

            kept = ReviewRound.objects.filter(name="网络初评").first() if reuse else None
            if kept is None:
                call_command("import_plan", str(organizer_list.PLAN), "--edition", "9", verbosity=0,
                             stdout=io.StringIO())  # fmt: skip
            event = Event.objects.get(edition__number=9, tier="regional", seq=30)
            if kept is None:
                organizer = User.objects.create_user("bench-organizer")
                Role.objects.create(user=organizer, kind=RoleKind.ORGANIZER,
                                    organization=event.roles.first().organization)  # fmt: skip
                organizer_list.add_entries(event, 0, args.entries)
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("ANALYZE")
                log(f"{args.entries:,} entries in bulk: {time.perf_counter() - t0:.1f} s")
            else:
                organizer = User.objects.get(username="bench-organizer")
                log(f"reusing {connection.settings_dict['NAME']} (every entry qualified by the earlier run)")
            client = Client()
            client.force_login(organizer)
            sign_in_completed(client)

            def measure(name: str, url: str) -> None:
                """As ``organizer_list.timed`` (warm-ups, timed requests, the queries of one more), and
                the CPU time of this process per request: on a shared machine the wall time follows
                the load, the CPU time much less (with SQLite it holds the database's work too)."""
                from django.test.utils import CaptureQueriesContext

                for _ in range(organizer_list.WARMUP):
                    organizer_list.check(client.get(url), url)
                times, cpu = [], []
                for _ in range(args.runs):
                    start, start_cpu = time.perf_counter(), time.process_time()
                    response = client.get(url)
                    times.append((time.perf_counter() - start) * 1000)
                    cpu.append((time.process_time() - start_cpu) * 1000)
                    organizer_list.check(response, url)
                with CaptureQueriesContext(connection) as ctx:
                    organizer_list.check(client.get(url), url)
                queries = len(ctx.captured_queries)
                results[name] = {
                    "url": url,
                    "median_ms": round(statistics.median(times), 1),
                    "p95_ms": round(organizer_list.p95(times), 1),
                    "cpu_median_ms": round(statistics.median(cpu), 1),
                    "queries": queries,
                }
                log(f"{name:<28} median {results[name]['median_ms']:>8} ms  p95 {results[name]['p95_ms']:>8} ms  "
                    f"cpu {results[name]['cpu_median_ms']:>7} ms  {queries:>3} queries  {url}")  # fmt: skip

            entry_list = reverse("console:entry_list", args=[event.pk])
            measure("entry_list", entry_list)
            measure("entry_list_search", f"{entry_list}?status=submitted&q=检测")
            measure("entry_list_filter", f"{entry_list}?status=qualified")

            round_ = kept or build_round(event, organizer, args.entries, log)
            setup_s = time.perf_counter() - t0
            ranking = reverse("review:ranking", args=[round_.pk])
            first = client.get(ranking).context["view"]
            cut_page = first.cuts[0].page if first.cuts else 1
            last_page = first.page.paginator.num_pages
            some_entry = client.get(f"{ranking}?page={last_page}").context["view"].page.object_list[0]
            measure("ranking", ranking)
            measure("ranking_cut_page", f"{ranking}?page={cut_page}")
            measure("ranking_last_page", f"{ranking}?page={last_page}")
            measure("ranking_search", f"{ranking}?q={some_entry.number}")
            measure("ranking_group", f"{ranking}?group=enterprise&page=2")
            measure("ranking_industry", f"{ranking}?industry=I")
            measure("progress", reverse("review:progress", args=[round_.pk]))
            assignment = reverse("review:assignment", args=[round_.pk])
            measure("assignment", assignment)
            measure("assignment_last_page", f"{assignment}?page={last_page}")
            measure("assignment_search", f"{assignment}?q=检测平台1")
            measure("assignment_filter", f"{assignment}?industry=C&group=enterprise")
            entries = reverse("review:round_entries", args=[round_.pk])
            measure("round_entries", entries)
            measure("round_entries_search", f"{entries}?q={some_entry.code}")
            load = os.getloadavg()
        finally:
            if (
                use_server and not args.keep and connection.settings_dict["NAME"] != old_name
            ):  # never the real one
                connection.creation.destroy_test_db(old_name, verbosity=0)
            connection.close()
            teardown_test_environment()

    slowest = max(results, key=lambda k: results[k]["median_ms"])
    summary = {
        "bench": "organizer_pages",
        "database": connection.vendor,
        "entries": args.entries,
        "sheets": args.entries * JUDGES_PER_ENTRY,
        "judges": PANEL,
        "runs": args.runs,
        "setup_s": round(setup_s, 1),
        "load_average": [round(x, 2) for x in load],
        "target_ms": TARGET_MS,
        "slowest_page": slowest,
        "meets_target": all(r["median_ms"] < TARGET_MS for r in results.values()),
        "meets_target_in_cpu": all(r["cpu_median_ms"] < TARGET_MS for r in results.values()),
        "pages": {k: {f: v for f, v in r.items() if f != "url"} for k, r in results.items()},
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
