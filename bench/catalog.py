"""Benchmark: the public event list page and the API event list over the real 9th-edition plan.

    .venv/bin/python bench/catalog.py

Builds a throw-away database (a temporary SQLite file, or a test database next to the one
DATABASE_URL names), migrates it, imports the shipped plan through ``import_plan``, then times
each request through ``django.test.Client`` (the full middleware stack, no network) and counts
its queries. Targets: median server time under 30 ms, and the same number of queries whether a
filter leaves one event or all fifty. Ends with one JSON line.
"""

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
RUNS = 200
WARMUP = 20
TARGET_MS = 30.0

PAGE = "/editions/9/events/"
PAGE_ONE = "/editions/9/events/?q=深圳"
API = "/api/v1/events?edition=9&limit=200"
API_ONE = "/api/v1/events?edition=9&limit=200&q=深圳"


def setup_django(tmp: Path) -> bool:
    """Configure Django; True when DATABASE_URL names a server whose test database we create."""
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contest.settings.test")
    use_server = "DATABASE_URL" in os.environ
    if not use_server:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    import django

    # WhiteNoise notes that static files were never collected; the bench serves none.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    return use_server


def timed(client, url: str) -> tuple[list[float], int]:
    """Server times in ms over RUNS requests (after WARMUP), and the query count of one request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARMUP):
        check(client.get(url), url)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        check(response, url)
    with CaptureQueriesContext(connection) as ctx:
        check(client.get(url), url)
    return times, len(ctx.captured_queries)


def count_queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        check(client.get(url), url)
    return len(ctx.captured_queries)


def check(response, url: str) -> None:
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-catalog-") as tmp:
        use_server = setup_django(Path(tmp))

        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import setup_test_environment, teardown_test_environment

        setup_test_environment()  # allows the test client's host, keeps mail in memory
        old_name = connection.settings_dict["NAME"]
        if use_server:
            # A database of its own, so that a test run using test_<name> is left alone.
            connection.settings_dict["TEST"]["NAME"] = f"test_{old_name}_bench_{os.getpid()}"
        try:
            if use_server:
                connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            else:
                call_command("migrate", verbosity=0, interactive=False)
            call_command("import_plan", str(PLAN), "--edition", "9", verbosity=0, stdout=io.StringIO())
            client = Client()

            page_times, page_queries = timed(client, PAGE)
            api_times, api_queries = timed(client, API)
            page_one_queries = count_queries(client, PAGE_ONE)
            api_one_queries = count_queries(client, API_ONE)
            api_count = client.get(API).json()["count"]
            api_one_count = client.get(API_ONE).json()["count"]
        finally:
            if use_server and connection.settings_dict["NAME"] != old_name:  # never the real database
                connection.creation.destroy_test_db(old_name, verbosity=0)
            connection.close()
            teardown_test_environment()

    result = {
        "bench": "catalog",
        "runs": RUNS,
        "events": api_count,
        "events_filtered": api_one_count,
        "list_page_ms_median": round(statistics.median(page_times), 2),
        "list_page_ms_p95": round(p95(page_times), 2),
        "api_list_ms_median": round(statistics.median(api_times), 2),
        "api_list_ms_p95": round(p95(api_times), 2),
        "list_page_queries": page_queries,
        "list_page_queries_filtered": page_one_queries,
        "api_list_queries": api_queries,
        "api_list_queries_filtered": api_one_queries,
        "queries_constant": page_queries == page_one_queries and api_queries == api_one_queries,
        "target_ms": TARGET_MS,
    }
    result["meets_target"] = (
        result["list_page_ms_median"] < TARGET_MS
        and result["api_list_ms_median"] < TARGET_MS
        and result["queries_constant"]
    )
    human = (
        f"event list page  median {result['list_page_ms_median']} ms, p95 {result['list_page_ms_p95']} ms, "
        f"{page_queries} queries ({page_one_queries} with one event)\n"
        f"API event list   median {result['api_list_ms_median']} ms, p95 {result['api_list_ms_p95']} ms, "
        f"{api_queries} queries ({api_one_queries} with one event)\n"
    )
    sys.stderr.write(human)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
