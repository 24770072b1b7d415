#!/usr/bin/env python3
"""An example portal client (Python standard library only): push a JSON file of items to the
platform, then reconcile. See docs/portal.md.

    python docs/portal_client.py --base https://platform.example.cn/api/v1/portal \\
        --credential "$PORTAL_CREDENTIAL" items.json

``items.json`` is ``{"items": [...]}`` as in the API, except that ``business_plan`` and ``images``
name files on disk (relative to the JSON file); the client sends them as multipart parts. Items
go in batches (at most 100 items and 20 files, about 50 MB, per request). Each batch's
``Idempotency-Key`` is derived from its content, so running the script again after a network
failure replays what was already accepted instead of writing twice.

After pushing, it pages through ``GET /entries``, recomputes the list hash, compares it with
``GET /summary``, and checks that every pushed item is held with the ``content_sha256`` its
report gave. It prints one JSON line at the end and exits 0 when everything was accepted and
both sides agree, 1 otherwise, 2 on a usage or connection error.

The credential may also come from the environment variable ``PORTAL_CREDENTIAL``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import mimetypes
import os
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

MAX_ITEMS = 100
MAX_FILES = 20
MAX_BYTES = 50 * 1024 * 1024
TIMEOUT = 120


class Portal:
    """The platform's portal API, as one client credential sees it."""

    def __init__(self, base: str, credential: str):
        self.base = base.rstrip("/")
        self.credential = credential

    def call(self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None):
        """``(status, JSON answer, response headers)``; an HTTP error answer is returned, not raised."""
        request = urllib.request.Request(self.base + path, data=body, method=method)  # noqa: S310 -- the given URL
        request.add_header("Authorization", f"Bearer {self.credential}")
        request.add_header("Accept", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 -- the given URL
                return response.status, json.loads(response.read() or b"null"), dict(response.headers)
        except urllib.error.HTTPError as error:
            with error:
                raw = error.read()
            try:
                answer = json.loads(raw or b"null")
            except ValueError:
                answer = {"detail": raw.decode("utf-8", "replace")[:500]}
            return error.code, answer, dict(error.headers)

    def push(self, document: dict, files: dict[str, tuple[str, bytes]], key: str):
        """One push: JSON without files, multipart (``payload`` + one part per file) with them."""
        headers = {"Idempotency-Key": key}
        if not files:
            body = json.dumps(document, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
            return self.call("POST", "/entries", body=body, headers=headers)
        boundary = "----portal" + secrets.token_hex(16)
        chunks = [_part(boundary, "payload", json.dumps(document, ensure_ascii=False).encode("utf-8"),
                        content_type="application/json")]  # fmt: skip
        for part, (filename, data) in files.items():
            content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            chunks.append(_part(boundary, part, data, filename=filename, content_type=content_type))
        body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        return self.call("POST", "/entries", body=body, headers=headers)

    def holdings(self, page_size: int = 500) -> list[dict]:
        """Every entry the platform holds for the event, following the cursor."""
        rows, after = [], None
        while True:
            query = {"limit": page_size, **({"after": after} if after else {})}
            status, page, _ = self.call("GET", "/entries?" + urllib.parse.urlencode(query))
            if status != 200:
                raise RuntimeError(f"GET /entries answered {status}: {page}")
            rows += page["items"]
            after = page["next"]
            if after is None:
                return rows

    def summary(self) -> dict:
        status, answer, _ = self.call("GET", "/summary")
        if status != 200:
            raise RuntimeError(f"GET /summary answered {status}: {answer}")
        return answer


def _part(boundary: str, name: str, data: bytes, *, filename: str | None = None, content_type: str) -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        # RFC 7578: the name as UTF-8 in the quoted string (what browsers send)
        disposition += '; filename="' + filename.replace("\\", "\\\\").replace('"', '\\"') + '"'
    head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n"
    return head.encode("utf-8") + data + b"\r\n"


def list_sha256(rows: list[dict]) -> str:
    """The summary's ``list_sha256``: one line ``group\\tnatural_key\\tcontent_sha256\\n`` per entry,
    sorted by UTF-8 bytes, joined, SHA-256."""
    lines = sorted(f"{r['group']}\t{r['natural_key']}\t{r['content_sha256']}\n".encode() for r in rows)
    return hashlib.sha256(b"".join(lines)).hexdigest()


def load(path: Path) -> tuple[list[dict], dict[str, Path]]:
    """The items of a JSON file, their file paths replaced by part names, and the parts' paths."""
    document = json.loads(path.read_text(encoding="utf-8"))
    items, parts = [], {}
    for index, item in enumerate(document["items"]):
        item = dict(item)
        item.setdefault("key", f"items[{index}]")
        if item.get("business_plan"):
            parts[f"f{len(parts)}"] = path.parent / item["business_plan"]
            item["business_plan"] = f"f{len(parts) - 1}"
        names = []
        for image in item.get("images") or []:
            parts[f"f{len(parts)}"] = path.parent / image
            names.append(f"f{len(parts) - 1}")
        item["images"] = names
        items.append(item)
    return items, parts


def batches(items: list[dict], parts: dict[str, Path]):
    """Items in requests of at most MAX_ITEMS items, MAX_FILES files and about MAX_BYTES bytes."""
    batch, names, size = [], [], 0
    for item in items:
        own = [n for n in [item.get("business_plan"), *item["images"]] if n]
        own_size = sum(parts[n].stat().st_size for n in own)
        if batch and (
            len(batch) >= MAX_ITEMS or len(names) + len(own) > MAX_FILES or size + own_size > MAX_BYTES
        ):
            yield batch, names
            batch, names, size = [], [], 0
        batch.append(item)
        names += own
        size += own_size
    if batch:
        yield batch, names


def batch_key(document: dict, files: dict[str, tuple[str, bytes]]) -> str:
    """A key derived from the batch's content: the same batch, the same key (a safe retry)."""
    digest = hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    for part in sorted(files):
        digest.update(f"\n{part}\t{files[part][0]}\t".encode())
        digest.update(hashlib.sha256(files[part][1]).hexdigest().encode())
    return "auto-" + digest.hexdigest()[:40]


def run(base: str, credential: str, path: Path, out=sys.stdout) -> int:
    portal = Portal(base, credential)
    items, parts = load(path)
    accepted, expected = True, {}
    for batch, names in batches(items, parts):
        files = {name: (parts[name].name, parts[name].read_bytes()) for name in names}
        document = {"items": batch}
        key = batch_key(document, files)
        status, answer, headers = portal.push(document, files, key)
        replayed = headers.get("Idempotent-Replayed") == "true"
        print(f"POST /entries [{key}] → {status}{' (replayed)' if replayed else ''}", file=out)
        if status not in (200, 422):
            print(f"  refused: {answer}", file=out)
            accepted = False
            continue
        for row in answer["items"]:
            problems = "; ".join(f"{p['column']}: {p['message']}" for p in row["problems"])
            print(f"  {row['key']}: {row['action']} {row['number'] or ''} {problems}".rstrip(), file=out)
            if status == 200:
                expected[row["number"]] = row["content_sha256"]
        accepted = accepted and status == 200
    rows = portal.holdings()
    summary = portal.summary()
    held = {row["number"]: row["content_sha256"] for row in rows}
    differing = sorted(number for number, sha in expected.items() if held.get(number) != sha)
    agree = list_sha256(rows) == summary["list_sha256"] and summary["total"] == len(rows) and not differing
    print(
        f"GET /entries → {len(rows)} entries; GET /summary → {summary['total']}, {summary['list_sha256']}",
        file=out,
    )
    result = {"accepted": accepted, "pushed": len(expected), "held": len(rows), "agree": agree,
              "differing": differing, "list_sha256": summary["list_sha256"]}  # fmt: skip
    print(json.dumps(result, ensure_ascii=False), file=out)
    return 0 if accepted and agree else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Push a JSON file of items to the platform, then reconcile.")
    parser.add_argument("items", type=Path, help='JSON file: {"items": [...]}, file paths relative to it')
    parser.add_argument("--base", required=True, help="e.g. https://platform.example.cn/api/v1/portal")
    parser.add_argument("--credential", default=os.environ.get("PORTAL_CREDENTIAL"),
                        help="<client_id>.<secret> (default: $PORTAL_CREDENTIAL)")  # fmt: skip
    args = parser.parse_args(argv)
    if not args.credential:
        parser.error("no credential: pass --credential or set PORTAL_CREDENTIAL")
    try:
        return run(args.base, args.credential, args.items)
    except (OSError, ValueError, KeyError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
