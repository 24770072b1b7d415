"""`make run` as a newcomer uses it: the site under ASGI and the background worker, together.

Runs the real `make run` on a fresh SQLite database and a free port, signs in through the login page
in Debian's chromium, starts an automatic assignment and a certificate batch from the console and
waits until the page says each has finished (only a running worker can finish them), then stops
`make run` with Ctrl-C and checks that both the site and the worker are gone."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "cnmaker-demo-2024"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 -- a local URL the test built
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def make_run(tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "MEDIA_ROOT": str(tmp_path / "media"),
           "PORT": str(port), "HOST": "127.0.0.1"}  # fmt: skip
    env.pop("DJANGO_SETTINGS_MODULE", None)  # as a person runs it: manage.py's own default (dev)
    log = (tmp_path / "make-run.log").open("w+")
    process = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while not answers(base + "/") and time.monotonic() < deadline:
        assert process.poll() is None, (tmp_path / "make-run.log").read_text()
        time.sleep(1)
    try:
        yield base, tmp_path / "db.sqlite3", process, tmp_path / "make-run.log"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def sign_in(context, base: str, username: str):
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    return page


def test_make_run_serves_the_site_and_runs_background_work_until_ctrl_c(make_run, new_context):
    base, database, process, log = make_run
    with sqlite3.connect(database) as db:
        (round_id,) = db.execute(
            "SELECT id FROM review_reviewround WHERE status = 'open' ORDER BY id"
        ).fetchone()
        (event_id, group_code) = db.execute(
            "SELECT b.event_id, g.code FROM awards_certificatebatch b JOIN catalog_editiongroup g ON g.id = b.group_id"
        ).fetchone()
    assert "演示账号 / demo logins:" in log.read_text()

    organizer = sign_in(new_context(), base, "shenzhen-organizer")
    organizer.goto(f"{base}/console/review/rounds/{round_id}/assignment")
    organizer.click("#run form button[type=submit]")
    # the page polls the run (static JS under the site's CSP, which refuses eval: no wait_for_function)
    expect(organizer.locator("#run-status")).to_have_text("已完成", timeout=120_000)

    awards = sign_in(new_context(), base, "ningbo-organizer")
    awards.goto(f"{base}/console/awards/{event_id}/{group_code}/")
    awards.click("text=生成证书")
    expect(awards.locator("#batch-status")).to_have_text("已完成", timeout=120_000)

    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the terminal reaches the whole process group
    assert process.wait(timeout=30) in (0, 2, -signal.SIGINT)  # make itself ends by the signal
    time.sleep(1)
    assert (answers(base + "/"), "site and worker stopped" in log.read_text()) == (False, True)
    leftovers = subprocess.run(
        ["pgrep", "-f", f"--port {base.rsplit(':', 1)[1]}"], capture_output=True, text=True
    )
    assert leftovers.stdout == ""
