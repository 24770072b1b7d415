"""scripts/check_imports.py, the import rules `make lint` adds to ruff and import-linter."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("check_imports", ROOT / "scripts" / "check_imports.py")
check_imports = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_imports)


def _findings(tmp_path, monkeypatch, source: str) -> list[str]:
    module = tmp_path / "src" / "m.py"
    module.parent.mkdir()
    module.write_text(source, encoding="utf-8")
    monkeypatch.setattr(check_imports, "ROOT", tmp_path)
    return check_imports.check([module])


def test_a_private_name_imported_from_another_module_is_found(tmp_path, monkeypatch):
    source = "from contest.registration.services.common import S, _locked\nimport contest.core\nx = contest.core.audit._default\n"
    assert _findings(tmp_path, monkeypatch, source) == [
        "src/m.py:1: imports private name contest.registration.services.common._locked",
        "src/m.py:3: uses private name contest.core.audit._default",
    ]


def test_public_and_dunder_names_pass(tmp_path, monkeypatch):
    source = "from contest.core.audit import record, __doc__\nfrom os import _exit\n"
    assert _findings(tmp_path, monkeypatch, source) == []


def test_a_function_level_import_needs_a_reason(tmp_path, monkeypatch):
    source = (
        "def f():\n"
        "    import weasyprint  # noqa: PLC0415\n"
        "    import pypdf  # noqa: PLC0415 -- loaded only when a PDF is watermarked\n"
    )
    assert _findings(tmp_path, monkeypatch, source) == [
        "src/m.py:2: function-level import without a reason (`# noqa: PLC0415 -- why`)"
    ]
