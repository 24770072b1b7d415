"""Benchmark: a deadline-day surge of submissions over HTTP, under the production server.

    .venv/bin/python bench/registration_surge.py [--seconds 60] [--clients 100] [--drafts 3000]

What it does:

1. Creates a scratch PostgreSQL database next to the one DATABASE_URL names (default
   postgres://postgres@127.0.0.1:5432/contest), migrates it, imports the 9th-edition plan and
   opens registration for 宁波's regional event — all in this process, through the services.
2. Builds a pool of entrants, each with its own user, enterprise profile, API token and a complete
   draft with its business plan uploaded (``save_enterprise``, ``create_entry``, ``update_entry``,
   ``issue_api_token``) — off the clock. The rules allow one active entry per enterprise and
   edition, so every draft belongs to a different entrant; a client takes the next draft and
   submits it with that entrant's token.
3. Starts ``uvicorn contest.asgi:application --workers 2`` with ``contest.settings.prod``
   (DEBUG off, SECURE_SSL_REDIRECT off, ALLOWED_HOSTS=127.0.0.1) on a loopback port.
4. Ceiling: the clients hammer ``GET /api/v1/editions`` (a trivial read) for a few seconds.
5. Surge: the clients loop ``POST /api/v1/me/entries/{id}/submit`` with httpx for ``--seconds``.
   Half-way, ``set_registration_window`` (the service the console uses) moves the closing day
   to yesterday: from then on the server's own window check must refuse (409).
6. Proof, from the database after the server stopped: every 2xx receipt has its Submission row
   (same number, sha256, entry); every Submission row was acknowledged with a 2xx; no
   Submission has ``submitted_at`` at or after the moment the closing commit returned; the
   audit chain verifies.

Two things about the server that the figures show:

* Under ASGI each in-flight request runs in its own thread with its own database connection;
  100 clients without a pool exceed PostgreSQL's default max_connections (100) and answer 500.
  The server therefore runs with ``DATABASE_URL=…?pool=true`` (psycopg_pool, 4 connections per
  worker); ``--no-pool`` shows the failure (it also starves anything else using the server).
* ``uvicorn --workers N`` leaves Nagle's algorithm on for accepted sockets (Kludex/uvicorn#3149),
  so a request on a kept-alive connection waits ~40 ms for the client's delayed ACK:
  ``single_client_p50_ms`` is mostly that wait, not Django.

Ends with one JSON line of figures. Loopback only; every loop is bounded in time and count.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "src/contest/catalog/data/plans/edition9.txt"
SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/contest"
MAX_REQUESTS = 200_000  # a hard bound on the surge, whatever the timing


def log(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


# -- the scratch database and the in-process Django used for setup and proof ---------------------


def scratch_url(base: str) -> tuple[str, str, str]:
    """(scratch database URL, its name, the maintenance URL used to create and drop it)."""
    parts = urlsplit(base)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("registration_surge needs PostgreSQL: set DATABASE_URL=postgres://…")
    name = f"bench_surge_{os.getpid()}"
    return (
        urlunsplit(parts._replace(path=f"/{name}")),
        name,
        urlunsplit(parts._replace(path="/postgres")),
    )


def admin_sql(maintenance_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(sql)


def server_env(database_url: str, media_root: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "contest.settings.prod",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "false",
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": media_root,
            # No mail server here; the messages are built and dropped. Tasks go to the database
            # queue as in production (no worker runs during the bench).
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            # Refusals (409) are expected by the thousand here; only errors are worth a line.
            "LOG_LEVEL": "ERROR",
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    return env


def setup_django(env: dict[str, str]) -> None:
    import warnings

    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG", "SECURE_SSL_REDIRECT",
                                           "ALLOWED_HOSTS", "DATABASE_URL", "MEDIA_ROOT", "EMAIL_BACKEND", "LOG_LEVEL")})  # fmt: skip
    sys.path.insert(0, str(ROOT / "src"))
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    import django

    django.setup()


def build_pool(size: int) -> tuple[object, list[tuple[str, int]], float]:
    """Migrate, import the plan, open 宁波, and make ``size`` entrants with a complete draft each.

    Returns (the event, [(token key, entry id)], seconds taken).
    """
    from django.core.management import call_command
    from pypdf import PdfWriter
    from stdnum.cn import uscc

    from contest.accounts.models import User
    from contest.accounts.tokens import issue_api_token
    from contest.catalog.models import Event
    from contest.registration import services

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("import_plan", str(PLAN), "--edition", "9", verbosity=0, stdout=io.StringIO())
    event = Event.objects.get(edition__number=9, tier="regional", seq=30)
    secretariat = User.objects.create_superuser("bench-secretariat", "secretariat@example.cn", None)
    services.set_registration_window(by=secretariat, event=event,
                                     opens_at=datetime(2024, 1, 1, tzinfo=SHANGHAI), closes_on=date(2030, 7, 31))  # fmt: skip

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    pdf = buffer.getvalue()
    finances = [{"year": 2021, "revenue": "100", "profit": "-20"}, {"year": 2022, "revenue": "800", "profit": "50"},
                {"year": 2023, "revenue": "3200.5", "profit": "400"}]  # fmt: skip
    pool = []
    for i in range(size):
        user = User.objects.create(username=f"surge{i:06d}", email=f"surge{i:06d}@example.cn")
        head = f"91330203MA{i:07d}"
        services.save_enterprise(by=user, data={
            "name": f"宁波浪涌科技有限公司{i:06d}", "credit_code": head + uscc.calc_check_digit(head),
            "founded_on": "2020-05-01", "registered_capital": "500", "employees": "45",
            "revenue_last_year": "3200.50", "industry": "C", "sme_status": "none", "contact_name": "张伟",
            "contact_phone": "13812345678", "division_confirmed": True,
        })  # fmt: skip
        entry = services.create_entry(by=user, event=event, group_code="enterprise",
                                      data={"title": f"浪涌项目 {i:06d}"})  # fmt: skip
        services.update_entry(by=user, entry=entry, business_plan=("商业计划书.pdf", pdf), data={
            "industry": "I", "summary": f"第 {i} 个项目的简介：面向中小制造企业的检测平台。", "innovation": "小样本学习",
            "market": "长三角", "business_model": "软件订阅", "team_description": "博士团队", "finances": finances,
        })  # fmt: skip
        _, key = issue_api_token(by=user, name="bench")
        pool.append((key, entry.pk))
        if (i + 1) % 500 == 0:
            log(f"  … {i + 1} entrants ready ({time.perf_counter() - started:.0f} s)")
    return event, pool, time.perf_counter() - started


def close_window(event) -> tuple[float, float]:
    """Close registration through the service: the closing day becomes yesterday.

    Returns (wall time before the call, wall time after its transaction committed).
    """
    from django.db import connection

    from contest.accounts.models import User
    from contest.registration import services

    secretariat = User.objects.get(username="bench-secretariat")
    yesterday = datetime.now(SHANGHAI).date() - timedelta(days=1)
    before = time.time()
    services.set_registration_window(by=secretariat, event=event,
                                     opens_at=datetime(2024, 1, 1, tzinfo=SHANGHAI), closes_on=yesterday)  # fmt: skip
    after = time.time()
    connection.close()
    return before, after


# -- the server -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], port: int, workers: int, log_file) -> subprocess.Popen:
    """uvicorn in its own session, its output (Django's 4xx warnings by the thousand) to ``log_file``."""
    command = [sys.executable, "-m", "uvicorn", "contest.asgi:application", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"]  # fmt: skip
    return subprocess.Popen(
        command, cwd=ROOT, env=env, start_new_session=True, stdout=log_file, stderr=subprocess.STDOUT
    )


def server_errors(log_path: Path) -> int:
    """How many requests the server logged as an internal error (a 5xx with a traceback)."""
    return log_path.read_text(encoding="utf-8", errors="replace").count("Internal Server Error")


def wait_ready(base: str, server: subprocess.Popen, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"uvicorn exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/api/v1/editions", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("uvicorn did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # its own session: uvicorn and its workers only
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


# -- the clients ------------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


async def ceiling(base: str, clients: int, seconds: float) -> dict:
    import httpx

    latencies: list[float] = []
    statuses: Counter = Counter()
    stop_at = time.monotonic() + seconds

    async def client(http: httpx.AsyncClient) -> None:
        while time.monotonic() < stop_at and len(latencies) < MAX_REQUESTS:
            t0 = time.perf_counter()
            response = await http.get("/api/v1/editions")
            latencies.append(time.perf_counter() - t0)
            statuses[response.status_code] += 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        started = time.monotonic()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        elapsed = time.monotonic() - started
    return {"requests": len(latencies), "rps": round(len(latencies) / elapsed, 1), "p50_ms": pct(latencies, 0.5),
            "p99_ms": pct(latencies, 0.99), "statuses": dict(statuses)}  # fmt: skip


@dataclass
class Surge:
    receipts: dict[str, dict] = field(default_factory=dict)  # number → receipt
    accepted: list[tuple[float, float, float]] = field(default_factory=list)  # (start, end, latency)
    refused: list[tuple[float, float, float]] = field(default_factory=list)
    other: Counter = field(default_factory=Counter)  # unexpected HTTP statuses
    transport_errors: Counter = field(default_factory=Counter)  # no answer (the proof counts their rows)
    refused_before_close: int = 0
    pool_empty_waits: int = 0
    close_started: float | None = None
    close_committed: float | None = None
    started: float = 0.0  # wall clock
    elapsed: float = 0.0


async def surge(base: str, clients: int, seconds: float, pool: list[tuple[str, int]], event) -> Surge:
    import httpx

    result = Surge()
    drafts: deque[tuple[str, int]] = deque(pool)
    closed = asyncio.Event()
    result.started = time.time()
    started = time.monotonic()
    stop_at = started + seconds
    sent = 0

    async def closer() -> None:
        await asyncio.sleep(seconds / 2)
        result.close_started, result.close_committed = await asyncio.to_thread(close_window, event)
        closed.set()
        log(f"  window closed at t={time.monotonic() - started:.1f} s")

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal sent
        while time.monotonic() < stop_at and sent < MAX_REQUESTS:
            if not drafts:
                result.pool_empty_waits += 1
                await asyncio.sleep(0.05)
                continue
            key, entry_id = drafts.popleft()
            sent += 1
            t_start = time.time()
            t0 = time.perf_counter()
            try:
                response = await http.post(f"/api/v1/me/entries/{entry_id}/submit",
                                           headers={"Authorization": f"Bearer {key}"})  # fmt: skip
            except httpx.HTTPError as exc:
                # No answer: the server may or may not have committed it. The draft is not reused;
                # a row without a receipt shows up in the proof as unacknowledged.
                result.transport_errors[type(exc).__name__] += 1
                continue
            latency = time.perf_counter() - t0
            t_end = time.time()
            if response.status_code == 200:
                body = response.json()
                result.receipts[body["number"]] = {**body, "_entry": entry_id, "_start": t_start}
                result.accepted.append((t_start, t_end, latency))
            elif response.status_code == 409 and response.json().get("code") == "closed":
                result.refused.append((t_start, t_end, latency))
                if not closed.is_set():
                    result.refused_before_close += 1
                drafts.append((key, entry_id))  # still a draft: another client may try it again
            else:
                try:
                    code = response.json().get("code")
                except ValueError:
                    code = "not JSON"
                result.other[f"{response.status_code} {code}"] += 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        await asyncio.gather(closer(), *(client(http) for _ in range(clients)))
    result.elapsed = time.monotonic() - started
    return result


# -- the proof --------------------------------------------------------------------------------------


def prove(result: Surge) -> dict:
    from django.utils import timezone

    from contest.core.audit import verify_chain
    from contest.registration.models import Entry, Submission

    rows = {s.number: s for s in Submission.objects.all()}
    lost = [n for n, r in result.receipts.items()
            if n not in rows or rows[n].sha256 != r["sha256"] or rows[n].entry_id != r["_entry"]]  # fmt: skip
    unacknowledged = [n for n in rows if n not in result.receipts]
    closed_at = datetime.fromtimestamp(result.close_committed, tz=SHANGHAI)
    after_close = [n for n, s in rows.items() if s.submitted_at >= closed_at]
    started_after_close = [n for n, r in result.receipts.items() if r["_start"] >= result.close_committed]
    checked, broken = verify_chain()
    return {
        "submission_rows": len(rows),
        "entries_submitted": Entry.objects.filter(status="submitted").count(),
        "lost": len(lost),
        "unacknowledged": len(unacknowledged),
        "accepted_after_close": len(after_close),
        "accepted_requests_started_after_close": len(started_after_close),
        "last_submitted_at": timezone.localtime(max(s.submitted_at for s in rows.values())).isoformat()
        if rows
        else None,
        "window_closed_at": closed_at.isoformat(),
        "audit_records_verified": checked,
        "audit_chain_ok": broken is None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds", type=float, default=60, help="length of the surge; the window closes half-way"
    )
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument(
        "--drafts", type=int, default=3000, help="entrants with a complete draft, made beforehand"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ceiling-seconds", type=float, default=10)
    parser.add_argument(
        "--no-pool",
        action="store_true",
        help="run the server without psycopg's connection pool (DATABASE_URL ?pool=true); under ASGI every "
        "in-flight request then holds its own connection, and 100 clients exceed max_connections=100",
    )
    args = parser.parse_args()

    database_url, name, maintenance = scratch_url(os.environ.get("DATABASE_URL", DEFAULT_URL))
    media_root = tempfile.mkdtemp(prefix="bench-surge-media-")
    admin_sql(maintenance, f'CREATE DATABASE "{name}"')
    server = None
    try:
        env = server_env(database_url, media_root)
        setup_django(env)
        if not args.no_pool:
            # Django 5.1+ pools through psycopg_pool when OPTIONS["pool"] is set; dj-database-url
            # reads it from the URL. Each worker then holds at most 4 connections.
            env["DATABASE_URL"] = f"{database_url}?pool=true"
        log(f"setting up {args.drafts} entrants in {name} …")
        event, pool, setup_seconds = build_pool(args.drafts)
        log(f"  ready in {setup_seconds:.1f} s")
        from django.db import connection

        connection.close()

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = Path(media_root) / "uvicorn.log"
        log_file = log_path.open("w", encoding="utf-8")
        server = start_server(env, port, args.workers, log_file)
        wait_ready(base, server)
        load_before = os.getloadavg()[0]
        log(
            f"uvicorn --workers {args.workers} on {base}; ceiling: GET /api/v1/editions for {args.ceiling_seconds:.0f} s"
        )
        alone = asyncio.run(ceiling(base, 1, 3))  # one client: the server's own time per request
        top = asyncio.run(ceiling(base, args.clients, args.ceiling_seconds))
        log(f"  {top['rps']} req/s, p50 {top['p50_ms']} ms, p99 {top['p99_ms']} ms (one client alone: "
            f"p50 {alone['p50_ms']} ms)")  # fmt: skip
        log(
            f"surge: {args.clients} clients submitting for {args.seconds:.0f} s, window closes at t={args.seconds / 2:.0f} s"
        )
        result = asyncio.run(surge(base, args.clients, args.seconds, pool, event))
        load_after = os.getloadavg()[0]
        stop_server(server)
        log_file.close()
        errors_logged = server_errors(log_path)
        if errors_logged:
            log(log_path.read_text(encoding="utf-8", errors="replace")[-3000:])
        proof = prove(result)
    finally:
        if server is not None:
            stop_server(server)
        from django.db import connections

        connections.close_all()
        admin_sql(maintenance, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(media_root, ignore_errors=True)

    open_seconds = result.close_committed - result.started
    accepted_latency = [lat for _, _, lat in result.accepted]
    refused_latency = [lat for _, _, lat in result.refused]
    figures = {
        "bench": "registration_surge",
        "database": "postgresql",
        "server": f"uvicorn --workers {args.workers} (contest.settings.prod)",
        "db_pool": not args.no_pool,
        "clients": args.clients,
        "seconds": args.seconds,
        "drafts_prepared": args.drafts,
        "setup_seconds": round(setup_seconds, 1),
        "ceiling_rps": top["rps"],
        "ceiling_p50_ms": top["p50_ms"],
        "ceiling_p99_ms": top["p99_ms"],
        "single_client_p50_ms": alone["p50_ms"],
        "accepted": len(result.accepted),
        "refused_after_close": len(result.refused),
        "refused_before_close": result.refused_before_close,
        "other_responses": dict(result.other),
        "transport_errors": dict(result.transport_errors),
        "submissions_per_s": round(len(result.accepted) / open_seconds, 1),
        "submit_p50_ms": pct(accepted_latency, 0.5),
        "submit_p99_ms": pct(accepted_latency, 0.99),
        "refusal_p50_ms": pct(refused_latency, 0.5),
        "refusal_p99_ms": pct(refused_latency, 0.99),
        "refusals_per_s": round(len(result.refused) / (result.elapsed - open_seconds), 1),
        "pool_exhausted": result.pool_empty_waits > 0,
        "server_errors_logged": errors_logged,
        "load_average_before": round(load_before, 2),
        "load_average_after": round(load_after, 2),
        **proof,
    }
    figures["proof_ok"] = (
        figures["lost"] == 0 and figures["unacknowledged"] == 0 and figures["accepted_after_close"] == 0
        and figures["accepted_requests_started_after_close"] == 0 and figures["audit_chain_ok"]
        and not figures["other_responses"] and figures["server_errors_logged"] == 0
    )  # fmt: skip
    log(
        f"accepted {figures['accepted']} ({figures['submissions_per_s']}/s, p50 {figures['submit_p50_ms']} ms, "
        f"p99 {figures['submit_p99_ms']} ms); refused after close {figures['refused_after_close']} "
        f"(p50 {figures['refusal_p50_ms']} ms)\n"
        f"lost {figures['lost']}, unacknowledged {figures['unacknowledged']}, accepted after close "
        f"{figures['accepted_after_close']}, audit chain {'ok' if figures['audit_chain_ok'] else 'BROKEN'}"
    )
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
