"""Import rules that ruff and import-linter cannot state (run by `make lint`).

1. No module imports another module's private name: ``from contest.x import _helper`` (or
   ``contest.x._helper`` through ``import``) is refused; a name another module needs is public.
2. Every function-level import (ruff PLC0415) states its reason on the same line:
   ``import weasyprint  # noqa: PLC0415 -- loads Pango; only the PDF path needs it``.

Exit 0 when clean; otherwise one line per finding and exit 1.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOQA = re.compile(r"#\s*noqa:[^#]*\bPLC0415\b(?P<rest>.*)$")
REASON = re.compile(r"^\s*(--|—|:)\s*\S.{4,}")


def private_imports(path: Path, tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("contest"):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{path}:{node.lineno}: imports private name {node.module}.{alias.name}")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            base = node.value
            parts = []
            while isinstance(base, ast.Attribute):
                parts.append(base.attr)
                base = base.value
            if isinstance(base, ast.Name) and base.id == "contest":
                dotted = ".".join(["contest", *reversed(parts), node.attr])
                found.append(f"{path}:{node.lineno}: uses private name {dotted}")
    return found


def unexplained_noqa(path: Path, source: str) -> list[str]:
    found = []
    for number, line in enumerate(source.splitlines(), start=1):
        match = NOQA.search(line)
        if match and not REASON.match(match["rest"]):
            found.append(
                f"{path}:{number}: function-level import without a reason (`# noqa: PLC0415 -- why`)"
            )
    return found


def check(paths: list[Path]) -> list[str]:
    findings = []
    for path in paths:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source, filename=str(path))
        findings += private_imports(path.relative_to(ROOT), tree)
        findings += unexplained_noqa(path.relative_to(ROOT), source)
    return findings


def python_files(*folders: str) -> list[Path]:
    return sorted(
        p for folder in folders for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts
    )


def main() -> int:
    findings = check(python_files("src", "bench", "scripts"))
    for line in findings:
        print(line)
    if findings:
        print(f"{len(findings)} import finding(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
