"""Administrative divisions shipped as data (data/divisions.csv, built by scripts/build_divisions.py)."""

import csv
from pathlib import Path

DIVISIONS_CSV = Path(__file__).resolve().parent / "data" / "divisions.csv"


def read_divisions() -> list[dict[str, str]]:
    with DIVISIONS_CSV.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_divisions(division_model) -> int:
    """Create or update every division from the CSV; provinces first so parents exist."""
    rows = read_divisions()
    by_code = {}
    for level in ("province", "prefecture"):
        for row in rows:
            if row["level"] != level:
                continue
            parent = by_code.get(row["parent"]) if row["parent"] else None
            if row["parent"] and parent is None:
                parent = division_model.objects.get(code=row["parent"])
            obj, _ = division_model.objects.update_or_create(
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "short_name": row["short_name"],
                    "level": level,
                    "parent": parent,
                    "aliases": row["aliases"],
                    "is_standard": row["is_standard"] == "1",
                },
            )
            by_code[obj.code] = obj
    return len(by_code)
