"""Regenerate src/contest/catalog/data/divisions.csv from python-stdnum's GB/T 2260 table.

python-stdnum ships the administrative division codes it uses to check resident ID
numbers (stdnum/cn/loc.dat), with the years each name was valid. We keep the
province- and prefecture-level divisions in force today, plus the divisions the
competition treats as its own (see EXTRA). Run: .venv/bin/python scripts/build_divisions.py
"""

import csv
import re
from pathlib import Path

import stdnum.cn

LOC = Path(stdnum.cn.__file__).parent / "loc.dat"
OUT = Path(__file__).resolve().parent.parent / "src/contest/catalog/data/divisions.csv"

# Prefecture-level rows that are groupings, not divisions a person lives in.
SKIP = {"市辖区", "县", "市", "省直辖县级行政单位", "自治区直辖县级行政单位", "省直辖行政单位", "林区"}
PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
# Not in GB/T 2260 as a division, but run its own regional event and registers
# enterprises under the 66 prefix of the unified social credit code.
EXTRA = [("660000", "新疆生产建设兵团", "兵团", "prefecture", "650000", "兵团、新疆兵团", "0")]


def current_name(raw: str) -> str | None:
    """'[1989-1993]锦西市,[1994-]葫芦岛市' -> '葫芦岛市'; a name that ended -> None."""
    name = None
    for part in raw.split(","):
        match = re.fullmatch(r"(?:\[(\d{4})?-(\d{4})?\])?(.+)", part.strip())
        if match and match.group(2) is None:
            name = match.group(3)
    return name


def short(name: str, level: str) -> str:
    if level == "province":
        for suffix in PROVINCE_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                return name[: -len(suffix)]
    if name.endswith("市") and len(name) > 2:
        return name[:-1]
    return name


def main() -> None:
    rows = []
    province = None
    for line in LOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if not line.startswith(" "):
            province = line[:2]
            continue
        code4, _, rest = line.strip().partition(" ")
        if not re.fullmatch(r"\d\d00", code4):
            continue
        name = current_name(re.search(r'county="([^"]*)"', rest).group(1))
        if name is None or name in SKIP:
            continue
        code = province + code4
        if code4 == "0000":
            rows.append((code, name, short(name, "province"), "province", "", "", "1"))
        else:
            rows.append((code, name, short(name, "prefecture"), "prefecture", province + "0000", "", "1"))
    rows.extend(EXTRA)
    rows.sort()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "name", "short_name", "level", "parent", "aliases", "is_standard"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} divisions to {OUT}")


if __name__ == "__main__":
    main()
