"""docs/state-machines.md stays true to the code: its table names every lifecycle with its prefix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from contest.core.lifecycle import lifecycle_models

pytestmark = pytest.mark.unit

DOC = Path(__file__).resolve().parents[2] / "docs" / "state-machines.md"
ROW = re.compile(r"^\| `(?P<model>\w+\.\w+)` \| [^|]+ \| [^|]+ \| `(?P<prefix>[\w.]+)`", re.MULTILINE)


def test_the_state_machine_table_lists_every_lifecycle_with_its_audit_prefix():
    documented = {m["model"].lower(): m["prefix"] for m in ROW.finditer(DOC.read_text(encoding="utf-8"))}
    actual = {model._meta.label_lower: model.lifecycle.audit for model in lifecycle_models()}
    assert documented == actual
