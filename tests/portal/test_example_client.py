"""The example client in docs/ (standard library only) against a live server, end to end: push a
JSON file of items with their files, replay it safely, reconcile."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from contest.portal.models import PortalPush
from contest.registration.models import Entry

from .factories import enterprise_item, maker_item, new_client, pdf_bytes, png_bytes

pytestmark = [pytest.mark.integration]

CLIENT = Path(__file__).resolve().parents[2] / "docs" / "portal_client.py"


@pytest.fixture
def divisions(transactional_db):
    """The live server needs a transactional database, whose flush empties the divisions a
    migration loads; put them back."""
    from contest.catalog.divisions import load_divisions
    from contest.catalog.models import Division

    if not Division.objects.exists():
        load_divisions(Division)


def run_client(base: str, credential: str, items: Path) -> tuple[int, list[str]]:
    done = subprocess.run(
        [sys.executable, str(CLIENT), "--base", base, str(items)],
        env={"PORTAL_CREDENTIAL": credential, "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return done.returncode, done.stdout.splitlines()


def test_the_example_client_pushes_a_file_of_items_and_reconciles(divisions, live_server, ningbo, tmp_path):
    _, credential = new_client(ningbo)
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "企业计划书.pdf").write_bytes(pdf_bytes(2))
    (tmp_path / "plans" / "团队计划书.pdf").write_bytes(pdf_bytes(3))
    (tmp_path / "产品.png").write_bytes(png_bytes())
    company = {**enterprise_item("GD-1"), "business_plan": "plans/企业计划书.pdf", "images": ["产品.png"]}
    team = {**maker_item("GD-2"), "business_plan": "plans/团队计划书.pdf"}
    plain = enterprise_item("GD-3")
    items = tmp_path / "items.json"
    items.write_text(json.dumps({"items": [company, team, plain]}, ensure_ascii=False), encoding="utf-8")
    base = f"{live_server.url}/api/v1/portal"

    first_code, first = run_client(base, credential, items)
    again_code, again = run_client(base, credential, items)

    entries = {e.number: e for e in Entry.objects.filter(event=ningbo)}
    result = json.loads(first[-1])
    assert (first_code, again_code) == (0, 0)
    assert result == {"accepted": True, "pushed": 3, "held": 3, "agree": True, "differing": [],
                      "list_sha256": result["list_sha256"]}  # fmt: skip
    assert json.loads(again[-1]) == result
    assert (first[0][-5:], again[0][-16:]) == ("→ 200", "→ 200 (replayed)")
    assert sorted(line.split()[1] for line in first[1:4]) == ["created"] * 3
    assert (len(entries), PortalPush.objects.count()) == (3, 1)
    plans = sorted(e.business_plan_pages or 0 for e in entries.values())
    assert plans == [0, 2, 3]


def test_the_example_client_reports_a_refused_item_and_exits_1(divisions, live_server, ningbo, tmp_path):
    _, credential = new_client(ningbo)
    items = tmp_path / "items.json"
    bad = enterprise_item("BAD", code="91330203MA0000000X")
    items.write_text(json.dumps({"items": [bad]}, ensure_ascii=False), encoding="utf-8")

    code, lines = run_client(f"{live_server.url}/api/v1/portal", credential, items)

    assert code == 1
    assert lines[1] == "  BAD: invalid  credit_code: 统一社会信用代码校验位不正确，请核对。"
    assert json.loads(lines[-1])["accepted"] is False
    assert Entry.objects.count() == 0
