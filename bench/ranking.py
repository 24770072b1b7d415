"""Benchmark: recomputing every ranking of a season (100,000 entries, 500,000 score sheets).

    .venv/bin/python bench/ranking.py                # PostgreSQL at postgres://postgres@127.0.0.1:5432/
    DATABASE_URL=postgres://postgres@host:5432/x .venv/bin/python bench/ranking.py

PostgreSQL only: creates a scratch database on the server DATABASE_URL names (never the named
database itself), migrates it, imports the 9th-edition plan, and loads a season: 100,000
qualified entries spread over 50 events, one open review round per event (mean and trimmed mean
alternating), 5 judges from a 100-expert panel per entry, 500,000 submitted score sheets with
random rubric scores (0.5 steps). Entries and round entries go in with ``bulk_create`` in batches
of 5,000 and only the fields the database requires (one enterprise owns every entry, whose credit
code is left empty; maker-group entries are enterprise rows too); assignments and sheets with
COPY. None of that is timed. The scratch database is dropped at the end.

Timed, median of 3 runs each (and the load average before and after, since the machines are shared):

* ``recompute_rankings`` over the whole edition after a late edit to one sheet (target < 3 s):
  the SQL aggregation, Decimal division, ranking with tie-breaks, the SHA-256 of all 100 rankings
  (one per round and group), the one changed ranking written as a snapshot, one audit record;
  also its first run (all 100 snapshots written) and a run with nothing changed;
* ``ranking_sql.rankings`` alone (no writes), and its first statement alone;
* the floor: ONE raw ``SELECT round_entry_id, AVG(total) … GROUP BY round_entry_id`` fetched;
* for scale, ``services.compute_rows`` (score sheets loaded as objects) on one round.

Also checks that ``ranking_sql`` and ``compute_rows`` agree on that round. Ends with one JSON line.
"""

import io
import json
import os
import random
import statistics
import sys
import time
import warnings
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "src/contest/catalog/data/plans/edition9.txt"
ENTRIES = int(os.environ.get("BENCH_ENTRIES", "100000"))
ROUNDS = 50
JUDGES_PER_ENTRY = 5
PANEL = 100  # experts per round
BATCH = 5_000
RUNS = 3
TARGET_S = 3.0
SEED = 20240801
MAXIMA = {"innovation": 30, "business_model": 20, "market": 20, "team": 20, "finance_social": 10}


def setup_django() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contest.settings.test")
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench/ranking.py needs PostgreSQL: DATABASE_URL=postgres://user@host:5432/")
    if url.rstrip("/").count("/") < 3:  # a server without a database name
        url = url.rstrip("/") + "/postgres"
    os.environ["DATABASE_URL"] = url
    import django

    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()


def median_of(fn, runs: int = RUNS) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def copy_rows(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load_season(log) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from contest.accounts.enums import RoleKind
    from contest.accounts.models import Role, User
    from contest.catalog.models import Edition, EditionGroup
    from contest.registration.enums import EntryStatus
    from contest.registration.models import Enterprise, Entry
    from contest.review.enums import Aggregation, RoundStatus, SheetStatus
    from contest.review.models import Assignment, Expert, ReviewRound, RoundEntry, ScoreSheet

    rng = random.Random(SEED)
    call_command("import_plan", str(PLAN), "--edition", "9", verbosity=0, stdout=io.StringIO())
    edition = Edition.objects.get(number=9)
    events = list(edition.events.order_by("pk"))[:ROUNDS]
    groups = {g.code: g for g in EditionGroup.objects.filter(edition=edition)}
    owner = User.objects.create_user("bench-owner", "owner@example.cn", "pw-Strong-2024")
    secretariat = User.objects.create_user("bench-secretariat", "sec@example.cn", "pw-Strong-2024")
    Role.objects.create(user=secretariat, kind=RoleKind.SECRETARIAT, edition=edition)
    enterprise = Enterprise.objects.create(
        owner=owner, name="基准测试企业有限公司", credit_code="91330203MA00000001", division_code="330203",
        founded_on=date(2020, 1, 1), registered_capital=Decimal(500), employees=50,
        revenue_last_year=Decimal(1000), industry="C", contact_name="张伟", contact_phone="+8613812345678",
    )  # fmt: skip

    t = time.perf_counter()
    industries = "CIMCIC"
    for start in range(0, ENTRIES, BATCH):
        Entry.objects.bulk_create(
            [
                Entry(edition=edition, event=events[i % ROUNDS], owner=owner, enterprise=enterprise,
                      group=groups["enterprise" if (i // ROUNDS) % 5 < 3 else "maker"], title=f"基准项目 {i}",
                      industry=industries[i % len(industries)], summary="基准测试项目", status=EntryStatus.QUALIFIED,
                      number=f"CK9-B{i:06d}")
                for i in range(start, min(start + BATCH, ENTRIES))
            ]
        )  # fmt: skip
    log(f"entries: {ENTRIES:,} in {time.perf_counter() - t:.1f} s")

    rounds = ReviewRound.objects.bulk_create([
        ReviewRound(edition=edition, event=ev, name=f"网络初评 {k}", stage="preliminary", status=RoundStatus.OPEN,
                    judges_per_entry=JUDGES_PER_ENTRY,
                    aggregation=Aggregation.MEAN if k % 2 == 0 else Aggregation.TRIMMED_MEAN)
        for k, ev in enumerate(events)
    ])  # fmt: skip
    round_of_event = {r.event_id: r for r in rounds}
    experts = Expert.objects.bulk_create([
        Expert(name=f"专家{n}", organization_name=f"研究院{n % 300}", kind="technical", expertise=["C", "I", "M"],
               phone=f"+86139{n:08d}")
        for n in range(ROUNDS * PANEL)
    ], batch_size=BATCH)  # fmt: skip
    panel = {r.pk: [e.pk for e in experts[k * PANEL : (k + 1) * PANEL]] for k, r in enumerate(rounds)}

    t = time.perf_counter()
    entry_rows = Entry.objects.filter(edition=edition).order_by("pk").values_list("pk", "event_id")
    for start in range(0, ENTRIES, BATCH):
        chunk = entry_rows[start : start + BATCH]
        RoundEntry.objects.bulk_create(
            [RoundEntry(round=round_of_event[ev], entry_id=pk, code=f"B{pk:07d}") for pk, ev in chunk]
        )
    log(f"round entries: {ENTRIES:,} in {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    now = datetime(2024, 8, 1, 4, tzinfo=UTC)
    round_entries = list(RoundEntry.objects.order_by("pk").values_list("pk", "round_id"))
    assignment_rows, sheet_rows = [], []
    next_id = 1
    for re_id, round_id in round_entries:
        judges = rng.sample(panel[round_id], JUDGES_PER_ENTRY)
        for expert_id in judges:
            scores = {
                c: str(Decimal(rng.randint(m, 2 * m)) / 2) for c, m in MAXIMA.items()
            }  # 50%–100% in 0.5 steps
            total = sum((Decimal(v) for v in scores.values()), Decimal(0)).quantize(Decimal("0.0001"))
            assignment_rows.append((next_id, round_id, re_id, expert_id, "auto", 0, now))
            sheet_rows.append(
                (next_id, next_id, json.dumps(scores), total, "", SheetStatus.SUBMITTED, now, 2, now)
            )
            next_id += 1
    with connection.cursor() as cursor:
        copy_rows(cursor, Assignment._meta.db_table,
                  ["id", "round_id", "round_entry_id", "expert_id", "source", "match_score", "created_at"],
                  assignment_rows)  # fmt: skip
        copy_rows(cursor, ScoreSheet._meta.db_table,
                  ["id", "assignment_id", "scores", "total", "comment", "status", "submitted_at", "version",
                   "updated_at"], sheet_rows)  # fmt: skip
        for table in (Assignment._meta.db_table, ScoreSheet._meta.db_table):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [next_id])
        cursor.execute("ANALYZE")
    log(f"assignments and sheets: {len(sheet_rows):,} each in {time.perf_counter() - t:.1f} s (COPY)")
    return {"edition": edition, "secretariat": secretariat, "rounds": rounds, "sheets": len(sheet_rows)}


def change_one_sheet(k: int) -> None:
    """A late edit (setup, not timed): one sheet of the k-th round gets 0.5 more for 团队能力."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE review_scoresheet SET total = total + 0.5, "
            "scores = jsonb_set(scores, '{team}', to_jsonb(((scores ->> 'team')::numeric + 0.5)::text)) "
            "WHERE id = (SELECT sh.id FROM review_scoresheet sh JOIN review_assignment a ON a.id = sh.assignment_id "
            "WHERE a.round_id = (SELECT id FROM review_reviewround ORDER BY id OFFSET %s LIMIT 1) "
            "AND (sh.scores ->> 'team')::numeric <= 19.5 ORDER BY sh.id LIMIT 1)",
            [k],
        )


def main() -> None:
    setup_django()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    from contest.review import ranking_sql, services
    from contest.review.models import ReviewRound

    def log(message: str) -> None:
        sys.stderr.write(message + "\n")

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = f"bench_ranking_{os.getpid()}"
    try:
        t = time.perf_counter()
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        log(
            f"scratch database {connection.settings_dict['NAME']} migrated in {time.perf_counter() - t:.1f} s"
        )
        season = load_season(log)
        edition, secretariat = season["edition"], season["secretariat"]
        rounds = list(ReviewRound.objects.filter(pk__in=[r.pk for r in season["rounds"]]).order_by("pk"))
        round_ids = [r.pk for r in rounds]
        load_before = os.getloadavg()[0]

        def floor():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT a.round_entry_id, AVG(sh.total) FROM review_scoresheet sh "
                    "JOIN review_assignment a ON a.id = sh.assignment_id WHERE sh.status = 'submitted' "
                    "GROUP BY a.round_entry_id"
                )
                return len(cursor.fetchall())

        def recompute():
            return services.recompute_rankings(by=secretariat, edition=edition)

        firsts = sorted({r.rubric[0]["code"] for r in rounds})
        floor_s, floor_rows = median_of(floor)
        statement_s, _ = median_of(lambda: ranking_sql.entry_sums(round_ids, firsts))
        rankings_s, rankings = median_of(lambda: ranking_sql.rankings(rounds))
        first_s, first_counts = median_of(recompute, runs=1)  # every snapshot written
        unchanged_s, unchanged_counts = median_of(recompute)  # nothing changed: no snapshot written
        changed_times = []
        for k in range(RUNS):  # a late edit in one round before each run: one snapshot written
            change_one_sheet(k)
            t = time.perf_counter()
            changed_counts = recompute()
            changed_times.append(time.perf_counter() - t)
        changed_s = statistics.median(changed_times)
        load_after = os.getloadavg()[0]
        log(f"floor, one AVG … GROUP BY: {floor_s * 1000:.0f} ms for {floor_rows:,} entries")
        log(f"first statement: {statement_s * 1000:.0f} ms; rankings (no writes): {rankings_s * 1000:.0f} ms")
        log(
            f"recompute_rankings, first (writes {first_counts['snapshots']} snapshots): {first_s * 1000:.0f} ms"
        )
        log(f"recompute_rankings, one sheet changed: {changed_s * 1000:.0f} ms {changed_counts}")
        log(f"recompute_rankings, unchanged: {unchanged_s * 1000:.0f} ms")

        one = rounds[1]  # a trimmed-mean round
        orm_s, orm_rows = median_of(lambda: services.compute_rows(one), runs=1)
        fields = ("entry", "rank", "value", "exact", "n_scores", "too_few", "tied_with")
        agree = [tuple(getattr(r, f) for f in fields) for r in orm_rows] == [
            tuple(getattr(r, f) for f in fields) for r in ranking_sql.ranking_for_round(one)
        ]
        log(f"compute_rows on one round ({len(orm_rows):,} entries): {orm_s * 1000:.0f} ms; agrees: {agree}")
        sharing = sum(1 for rows in rankings.values() for r in rows if r.tied_with)
    finally:
        if os.environ.get("BENCH_KEEP_DB"):
            log(f"kept the scratch database {connection.settings_dict['NAME']} (BENCH_KEEP_DB)")
        elif connection.settings_dict["NAME"] != old_name:  # never the named database
            connection.creation.destroy_test_db(old_name, verbosity=0)
        connection.close()
        teardown_test_environment()

    result = {
        "bench": "ranking",
        "database": "postgresql",
        "entries": ENTRIES,
        "rounds": len(round_ids),
        "sheets": season["sheets"],
        "entries_sharing_a_rank": sharing,
        "runs": RUNS,
        "recompute_rankings_s_median": round(changed_s, 3),
        "recompute_rankings_first_s": round(first_s, 3),
        "recompute_rankings_unchanged_s_median": round(unchanged_s, 3),
        "rankings_no_writes_s_median": round(rankings_s, 3),
        "first_statement_s_median": round(statement_s, 3),
        "floor_avg_group_by_s_median": round(floor_s, 3),
        "ratio_recompute_to_floor": round(changed_s / floor_s, 2),
        "compute_rows_one_round_s": round(orm_s, 3),
        "compute_rows_one_round_entries": len(orm_rows),
        "sql_equals_compute_rows": agree,
        "snapshots_written": {
            "first": first_counts["snapshots"],
            "unchanged": unchanged_counts["snapshots"],
            "one_change": changed_counts["snapshots"],
        },
        "counts_after_one_change": changed_counts,
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "target_s": TARGET_S,
        "meets_target": changed_s < TARGET_S and agree,
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
