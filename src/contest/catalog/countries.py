"""Countries and regions (ISO 3166-1 alpha-2) with their names and main time zone.

Nothing here is typed by hand except a few choices of a country's main zone:

* the list of codes and the English fallback names come from ``iso3166.tab`` of the IANA time
  zone database, shipped in the ``tzdata`` package (current ISO 3166-1 as of ISO/TC 46 N1127);
* the names in Chinese and English come from libphonenumber's region names (CLDR-derived),
  shipped in the ``phonenumbers`` package (``phonenumbers.geodata.locale.LOCALE_DATA``);
* a country's main time zone is the first zone listed for it in ``zone.tab`` (the table puts
  the most populous zone first where geography allows), corrected in ``MAIN_ZONE`` where the
  first listed is the geographically first rather than the capital's.

Hong Kong, Macao and Taiwan are named as regions of China (中国香港 / Hong Kong, China), the
usage of the organising committee's notices.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from django.utils.translation import get_language
from phonenumbers.geodata.locale import LOCALE_DATA

#: where zone.tab lists another zone first (west to east, or an island) than the capital's
MAIN_ZONE = {
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "RU": "Europe/Moscow",
    "US": "America/New_York",
    "UA": "Europe/Kyiv",
}
CHINA_REGIONS = {
    "HK": ("中国香港", "Hong Kong, China"),
    "MO": ("中国澳门", "Macao, China"),
    "TW": ("中国台湾", "Taiwan, China"),
}
MAINLAND = "CN"


def _tab(name: str) -> list[list[str]]:
    text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def _iso_names() -> dict[str, str]:
    return {row[0]: row[1] for row in _tab("iso3166.tab")}


@cache
def _zones() -> dict[str, str]:
    first: dict[str, str] = {}
    for row in _tab("zone.tab"):
        first.setdefault(row[0], row[2])
    return {**first, **MAIN_ZONE}


def _cldr_name(code: str, language: str) -> str | None:
    names = LOCALE_DATA.get(code)
    if not names:
        return None
    value = names.get(language) or names.get("en")
    for _ in range(5):  # "*xx" points at another language's entry
        if not value or not value.startswith("*"):
            break
        value = names.get(value[1:])
    return value or None


def _language() -> str:
    return "zh" if (get_language() or "zh").lower().startswith("zh") else "en"


@cache
def _name(code: str, language: str) -> str:
    if code in CHINA_REGIONS:
        return CHINA_REGIONS[code][0 if language == "zh" else 1]
    return _cldr_name(code, language) or _iso_names().get(code, code)


def is_country(code: str) -> bool:
    return code in _iso_names()


def country_name(code: str, language: str | None = None) -> str:
    """The name of ``code`` in ``language`` ("zh" or "en"), the active language by default."""
    code = (code or "").upper()
    if not is_country(code):
        return code
    return _name(code, language or _language())


def main_time_zone(code: str) -> str | None:
    """The IANA zone of the country's capital or most populous place (``None`` if unknown)."""
    return _zones().get((code or "").upper())


def country_choices(*, exclude: tuple[str, ...] = (), language: str | None = None) -> list[tuple[str, str]]:
    """(code, name) for every current ISO 3166-1 code in ``language``, in the order of the English
    names (one order in both languages; the code follows a Chinese name to help typing)."""
    language = language or _language()
    codes = sorted((c for c in _iso_names() if c not in exclude), key=lambda c: _name(c, "en").casefold())
    if language == "en":
        return [(code, _name(code, "en")) for code in codes]
    return [(code, f"{_name(code, 'zh')}（{code}）") for code in codes]
