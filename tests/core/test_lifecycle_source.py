"""The source keeps the rule: only ``core/lifecycle.py`` writes a status.

Reads every module under src/ (migrations aside) and lists each place that writes a ``status``
field any other way: ``x.status = …`` (or ``+=``), ``setattr(x, "status", …)``,
``….update(status=…)``, ``bulk_update(…, ["status", …])`` and ``update_fields=["status", …]``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

SRC = Path(__file__).resolve().parents[2] / "src" / "contest"
WRITER = SRC / "core" / "lifecycle.py"
FIELD = "status"


def _strings(node: ast.AST) -> list[str]:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def status_writes(source: str, filename: str = "<test>") -> list[int]:
    """Line numbers of every status write in ``source`` that bypasses the lifecycle writer."""
    lines = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Attribute) and leaf.attr == FIELD:
                    lines.append(node.lineno)
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name == "setattr" and len(node.args) >= 2:
            key = node.args[1]
            if isinstance(key, ast.Constant) and key.value == FIELD:
                lines.append(node.lineno)
        if name == "update" and any(k.arg == FIELD for k in node.keywords):
            lines.append(node.lineno)
        if name == "bulk_update" and len(node.args) >= 2 and FIELD in _strings(node.args[1]):
            lines.append(node.lineno)
        for keyword in node.keywords:
            if keyword.arg == "update_fields" and FIELD in _strings(keyword.value):
                lines.append(node.lineno)
    return sorted(set(lines))


def test_the_check_finds_each_kind_of_status_write():
    source = "\n".join([
        "entry.status = 'qualified'",
        "a.b.status += 'x'",
        "setattr(run, 'status', 'failed')",
        "Entry.objects.filter(pk=1).update(status='qualified', x=1)",
        "Slot.objects.bulk_update(slots, ['position', 'status'])",
        "entry.save(update_fields=['status'])",
        "Entry.objects.filter(status='qualified').count()",  # a read: not a write
        "status = 'draft'",  # a local name: not a model's field
        "Entry.objects.create(status='draft')",  # a new object starts in a state
        "models.Index(fields=['event', 'status'])",  # an index: not a write
        "entry.refresh_from_db(fields=['status'])",  # a read
    ])  # fmt: skip

    assert status_writes(source) == [1, 2, 3, 4, 5, 6]


def test_no_module_writes_a_status_except_the_lifecycle_writer():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts or path == WRITER:
            continue
        for line in status_writes(path.read_text(encoding="utf-8"), filename=str(path)):
            found.append(f"{path.relative_to(SRC)}:{line}")

    assert found == []
