"""`make run`'s server: the site under ASGI (uvicorn, as in production, so live screens stream) and
the background worker (`manage.py run_worker`), started together and stopped together.

Ctrl-C (or SIGTERM) stops both; if either exits on its own, the other is stopped and this script
exits with the first one's status, so a crashed worker is never left unnoticed behind a live site.

    python scripts/serve.py [--host 127.0.0.1] [--port 8000]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def commands(host: str, port: int) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "site": [python, "-m", "uvicorn", "contest.asgi:application", "--app-dir", str(ROOT / "src"),
                 "--host", host, "--port", str(port), "--no-access-log", "--timeout-graceful-shutdown", "3"],
        "worker": [python, str(ROOT / "manage.py"), "run_worker", "--queue-name", "*", "--no-reload", "--interval", "1"],
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args(argv)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "contest.settings.dev"),
           "PYTHONUNBUFFERED": "1"}  # fmt: skip
    children = {
        name: subprocess.Popen(cmd, cwd=ROOT, env=env) for name, cmd in commands(args.host, args.port).items()
    }
    stopping = False

    def stop(signum=None, frame=None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    status = 0
    try:
        while not stopping:
            for name, child in children.items():
                code = child.poll()
                if code is not None:
                    print(f"==> {name} exited with status {code}; stopping the rest", file=sys.stderr)
                    status = code or 1
                    stopping = True
                    break
            time.sleep(0.2)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    print("==> site and worker stopped", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
