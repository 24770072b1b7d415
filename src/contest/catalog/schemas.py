"""API shapes for the catalog. Presentation only: every value comes from the models and selectors."""

from typing import Any, Literal

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from ninja import Field, Schema

from contest.catalog import selectors
from contest.catalog.enums import DivisionLevel, OrgRole, RegistrationMode, Tier
from contest.catalog.models import Event
from contest.core.api import InputSchema, integer, text

# Bounds keep out-of-range numbers a 422 instead of a database error.
EDITION_MAX = 32767  # PositiveSmallIntegerField
ID_MAX = 2**63 - 1  # BigAutoField
OFFSET_MAX = 1_000_000
DIVISION_CODE = r"^[0-9]{6}$"
#: Free text to search for: no control characters (``core.api.Text``), at most 100 characters.
SearchText = text(100, "名称包含的文字")


def event_url(event: Event) -> str:
    """The event's page on the site (a path; the API and the site share one host)."""
    return reverse("catalog:event_detail", args=[event.edition.number, event.pk])


def tier_label_zh(event: Event) -> str:
    """The API speaks Chinese whatever the request's language (the enums' labels are translatable)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(event.get_tier_display())


class EventQuery(InputSchema):
    edition: integer(ge=1, le=EDITION_MAX, description="届次，默认当前届") | None = None
    tier: Tier | None = Field(None, description="赛事类别")
    province: str | None = Field(None, pattern=DIVISION_CODE, description="省级区划代码，如 440000")
    q: text(100, "名称、主题或地点包含的文字") | None = None


class DivisionRef(Schema):
    code: str
    name: str


class DivisionOut(Schema):
    code: str
    name: str
    short_name: str
    level: DivisionLevel


class GroupOut(Schema):
    code: str
    name: str


class EditionOut(Schema):
    number: int
    year: int
    title: str
    groups: list[GroupOut]
    event_count: int


class OrganizationRef(Schema):
    id: int
    name: str


class HostOut(Schema):
    id: int
    name: str
    role: Literal["host", "lead"]


class EventOut(Schema):
    id: int
    edition: int
    tier: Tier
    tier_label: str
    seq: int
    name: str
    location: str
    province: DivisionRef | None
    city: DivisionRef | None
    city_name: str
    theme: str
    hosts: list[HostOut]
    undertakers: list[OrganizationRef]
    registration_urls: list[str]
    registration_mode: RegistrationMode
    url: str

    @staticmethod
    def resolve_edition(obj: Event) -> int:
        return obj.edition.number

    @staticmethod
    def resolve_tier_label(obj: Event) -> str:
        return tier_label_zh(obj)

    @staticmethod
    def resolve_hosts(obj: Event) -> list[dict[str, Any]]:
        return [
            {"id": r.organization.pk, "name": r.organization.name, "role": r.role}
            for r in selectors.host_roles_of(obj)
        ]

    @staticmethod
    def resolve_undertakers(obj: Event) -> list[dict[str, Any]]:
        return [{"id": o.pk, "name": o.name} for o in selectors.undertakers_of(obj)]

    @staticmethod
    def resolve_url(obj: Event) -> str:
        return event_url(obj)


class EventDetailOut(EventOut):
    served_divisions: list[DivisionRef]


class OrganizationOut(Schema):
    id: int
    name: str
    event_count: int


class OrganizationEventOut(Schema):
    id: int
    edition: int
    tier: Tier
    tier_label: str
    seq: int
    name: str
    url: str
    roles: list[OrgRole]

    @staticmethod
    def resolve_edition(obj: Event) -> int:
        return obj.edition.number

    @staticmethod
    def resolve_tier_label(obj: Event) -> str:
        return tier_label_zh(obj)

    @staticmethod
    def resolve_url(obj: Event) -> str:
        return event_url(obj)

    @staticmethod
    def resolve_roles(obj: Event) -> list[str]:
        return [r.role for r in obj.org_roles]


class OrganizationDetailOut(OrganizationOut):
    events: list[OrganizationEventOut]


class MyEventsOut(Schema):
    regional: EventOut | None
    thematic: list[EventOut]
    overseas: EventOut | None
