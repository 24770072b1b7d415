"""The export writers: formula injection neutralised, characters a workbook cannot hold removed."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from contest.core.exporters import safe_cell, write_csv, write_xlsx

pytestmark = pytest.mark.unit


def test_safe_cell_neutralises_formulas_and_keeps_other_values():
    assert [safe_cell(v) for v in ("=1+1", "@SUM(A1)", "-3", "宁波", 12, None)] == [
        "'=1+1", "'@SUM(A1)", "'-3", "宁波", 12, None,
    ]  # fmt: skip


def test_control_characters_never_break_a_workbook():
    reason = "x\x1b[31m 红色\x00\x07 文字\t制表\n换行"

    data = write_xlsx(["理由"], [{"理由": reason}], title="异议")

    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet["A"]] == ["理由", "x[31m 红色 文字\t制表\n换行"]


def test_control_characters_are_removed_from_csv_too():
    data = write_csv(["理由"], [{"理由": "a\x1bb\x00c"}])
    assert data.decode("utf-8") == "\ufeff理由\nabc\n"
