"""Property: however the PDF wraps the cells, the parser reads the same plan."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contest.catalog.importer.common import is_org_name, split_org_list
from contest.catalog.importer.text import read_text

from .plans import OFFICIAL, SECTIONS, TITLE, golden_by_tier, hosts_text
from .test_importer import golden_without_mode, plan_rows_as_golden

pytestmark = pytest.mark.unit

GOLDEN_BY_TIER = golden_by_tier()


def cut(data, text: str, max_cuts: int = 3) -> list[str]:
    """Split a cell at random points, as a narrow PDF column does."""
    if len(text) < 2:
        return [text]
    points = data.draw(st.lists(st.integers(1, len(text) - 1), max_size=max_cuts, unique=True), label="cuts")
    points = sorted(points)
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]


def render(data) -> str:
    """The golden plan laid out the way a PDF extractor emits a table: each cell's
    fragments on their own lines, cells on one line separated by a space or broken
    onto the next line, page numbers and leading spaces sprinkled in between rows."""
    lines = [str(data.draw(st.integers(1, 9), label="page")), "附件 2", TITLE]
    for tier, heading, header in SECTIONS:
        events = GOLDEN_BY_TIER[tier]
        lines += [f"{heading}（共 {len(events)}场）", header]
        numbered = header.startswith("序号")
        for index, event in enumerate(events):
            cells = [cut(data, event["name"]), cut(data, event["location"]), cut(data, hosts_text(event))]
            if "承办单位" in header:
                cells.append(cut(data, "、".join(event["undertakers"])))
            merged_below = tier == "thematic" and index > 0  # the merged cell shows once
            if "报名网址" in header and not merged_below:
                parts = [("大赛官网 " + u) if u == OFFICIAL else u for u in event["registration_urls"]]
                cells.append([" 或 ".join(parts)] if data.draw(st.booleans(), label="url one line")
                             else [parts[0], *("或 " + p for p in parts[1:])])  # fmt: skip
            row_lines: list[str] = []
            current = ""
            for c, fragments in enumerate(cells):
                for f, fragment in enumerate(fragments):
                    same_line = c > 0 and f == 0 and current and data.draw(st.booleans(), label="same line")
                    if same_line:
                        current += " " + fragment
                    else:
                        if current:
                            row_lines.append(current)
                        current = fragment
            row_lines.append(current)
            if numbered:
                if data.draw(st.booleans(), label="number alone"):
                    row_lines.insert(0, str(event["seq"]))
                else:
                    row_lines[0] = f"{event['seq']} {row_lines[0]}"
            if data.draw(st.booleans(), label="leading space"):
                row_lines[0] = " " + row_lines[0]
            for line in row_lines:
                lines.append(line)
                if data.draw(st.booleans(), label="blank"):
                    lines.append("")
            if data.draw(st.integers(0, 9), label="page break") == 0:
                lines.append(str(data.draw(st.integers(2, 40), label="page number")))
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_text_reader_rewrapped_cells_keep_the_result(data):
    text = render(data)
    plan = read_text(text, expected_edition=9)
    assert plan_rows_as_golden(plan) == golden_without_mode()


@settings(max_examples=200, derandomize=True)
@given(st.sampled_from(sorted({h[0] for e in golden_by_tier()["thematic"] for h in e["hosts"]})), st.data())
def test_org_name_prefix_of_a_name_is_never_mistaken_for_the_whole(name, data):
    """A cut inside an organisation name never leaves two names that both pass."""
    point = data.draw(st.integers(1, len(name) - 1))
    left, right = name[:point], name[point:]
    assert not (is_org_name(left) and is_org_name(right))
    assert split_org_list(name) == [(name, "host")]
