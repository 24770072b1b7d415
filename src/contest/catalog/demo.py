"""Demo data for the catalog: the 9th edition from the shipped plan, if not imported yet."""

from pathlib import Path

from contest.catalog.importer import read_plan
from contest.catalog.models import Edition
from contest.catalog.services import import_plan

PLAN = Path(__file__).resolve().parent / "data" / "plans" / "edition9.txt"


def build(*, stage: str, stdout) -> list[tuple[str, str, str]]:
    if not Edition.objects.filter(number=9).exists():
        data = PLAN.read_bytes()
        report = import_plan(plan=read_plan(data, filename=PLAN.name, expected_edition=9), edition_number=9,
                             source=data, source_name=PLAN.name)  # fmt: skip
        stdout.write(report.lines()[0])
    return []
