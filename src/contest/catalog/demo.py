"""Demo data for the catalog: the 9th edition from the shipped plan, if not imported yet, and the
overseas final's three stations (香港, 新加坡, 德国)."""

from pathlib import Path

from contest.catalog.enums import Tier
from contest.catalog.importer import read_plan
from contest.catalog.models import Edition, Event, EventZone
from contest.catalog.services import create_zone, import_plan

PLAN = Path(__file__).resolve().parent / "data" / "plans" / "edition9.txt"
#: the overseas final's stations: code, name, English name, country, IANA zone
ZONES = [
    ("hk", "香港", "Hong Kong", "HK", "Asia/Hong_Kong"),
    ("sg", "新加坡", "Singapore", "SG", "Asia/Singapore"),
    ("de", "德国", "Germany", "DE", "Europe/Berlin"),
]


def build(*, stage: str, stdout) -> list[tuple[str, str, str]]:
    if not Edition.objects.filter(number=9).exists():
        data = PLAN.read_bytes()
        report = import_plan(plan=read_plan(data, filename=PLAN.name, expected_edition=9), edition_number=9,
                             source=data, source_name=PLAN.name)  # fmt: skip
        stdout.write(report.lines()[0])
    overseas = Event.objects.filter(edition__number=9, tier=Tier.OVERSEAS_FINAL).order_by("seq").first()
    if overseas is not None and not EventZone.objects.filter(event=overseas).exists():
        for order, (code, name, name_en, country, zone) in enumerate(ZONES, start=1):
            data = {"code": code, "name": name, "name_en": name_en, "country": country, "time_zone": zone,
                    "order": order}  # fmt: skip
            create_zone(by=None, event=overseas, data=data)
        stdout.write(f"境外区域赛决赛：{len(ZONES)} 个站点（香港、新加坡、德国）。")
    return []
