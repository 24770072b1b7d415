"""Read-only catalog endpoints: editions, events, organizations, divisions, “which event is mine”."""

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from contest.catalog import selectors
from contest.catalog.enums import DivisionLevel
from contest.catalog.models import Division, Edition, Organization
from contest.catalog.schemas import (
    DIVISION_CODE,
    EDITION_MAX,
    ID_MAX,
    OFFSET_MAX,
    DivisionOut,
    EditionOut,
    EventDetailOut,
    EventOut,
    EventQuery,
    MyEventsOut,
    OrganizationDetailOut,
    OrganizationOut,
    SearchText,
)
from contest.core.api import ErrorOut, Integer, Invalid, integer
from contest.core.errors import NotFound, ValidationFailed

router = Router(tags=["catalog"])

NOT_FOUND = {404: ErrorOut, 422: Invalid}
EDITION_NUMBER = Path(..., ge=1, le=EDITION_MAX, description="届次")
EVENT_ID = Path(..., ge=1, le=ID_MAX, description="赛事编号")
ORGANIZATION_ID = Path(..., ge=1, le=ID_MAX, description="组织单位编号")


class CatalogPagination(LimitOffsetPagination):
    class Input(Schema):
        limit: integer(ge=1, le=200, description="每页条数，默认 50，最多 200") = 50
        offset: integer(ge=0, le=OFFSET_MAX, description="跳过的条数") = 0


def _edition(number: int | None) -> Edition:
    edition = selectors.current_edition() if number is None else selectors.edition_by_number(number)
    if edition is None:
        if number is None:
            raise NotFound("还没有任何届次。", code="edition_not_found")
        raise NotFound(f"没有第 {number} 届。", field="edition", code="edition_not_found")
    return edition


def _division(code: str, *, field: str, level: str | None = None) -> Division:
    division = selectors.division_by_code(code)
    if division is None or (level is not None and division.level != level):
        kind = "省级区划" if level == DivisionLevel.PROVINCE else "区划"
        raise NotFound(f"没有代码为 {code} 的{kind}。", field=field, code="division_not_found")
    return division


@router.get("/editions", response=list[EditionOut], summary="届次列表")
def list_editions(request: HttpRequest):
    return selectors.editions()


@router.get("/editions/{number}", response={200: EditionOut, **NOT_FOUND}, summary="一届的概况")
def get_edition(request: HttpRequest, number: Integer = EDITION_NUMBER):
    edition = selectors.editions().filter(number=number).first()
    if edition is None:
        raise NotFound(f"没有第 {number} 届。", field="number", code="edition_not_found")
    return edition


@router.get("/events", response={200: list[EventOut], **NOT_FOUND}, summary="赛事列表（按计划顺序）")
@paginate(CatalogPagination)
def list_events(request: HttpRequest, filters: Query[EventQuery]):
    flt = selectors.EventFilter(tier=filters.tier, province=filters.province, q=filters.q)
    return selectors.events(_edition(filters.edition), flt)


@router.get("/events/{event_id}", response={200: EventDetailOut, **NOT_FOUND}, summary="一场赛事")
def get_event(request: HttpRequest, event_id: Integer = EVENT_ID):
    event = selectors.event_by_id(event_id)
    if event is None:
        raise NotFound(f"没有编号为 {event_id} 的赛事。", field="event_id", code="event_not_found")
    return event


@router.get("/organizations", response={200: list[OrganizationOut], 422: Invalid}, summary="组织单位")
@paginate(CatalogPagination)
def list_organizations(
    request: HttpRequest,
    q: Query[SearchText | None] = None,
):
    return selectors.organizations_matching(q)


@router.get(
    "/organizations/{organization_id}",
    response={200: OrganizationDetailOut, **NOT_FOUND},
    summary="一个组织单位及其参与的赛事",
)
def get_organization(request: HttpRequest, organization_id: Integer = ORGANIZATION_ID) -> dict[str, Any]:
    organization: Organization | None = selectors.organization_with_count(organization_id)
    if organization is None:
        raise NotFound(
            f"没有编号为 {organization_id} 的组织单位。",
            field="organization_id",
            code="organization_not_found",
        )
    return {
        "id": organization.pk,
        "name": organization.name,
        "event_count": organization.event_count,
        "events": list(selectors.events_of_organization(organization)),
    }


@router.get(
    "/divisions", response={200: list[DivisionOut], **NOT_FOUND}, summary="行政区划（省级或某省的地级）"
)
def list_divisions(
    request: HttpRequest,
    parent: str | None = Query(None, pattern=DIVISION_CODE, description="上级区划代码；不填则列出省级区划"),
):
    if parent is None:
        return selectors.provinces()
    return selectors.cities_of(_division(parent, field="parent", level=DivisionLevel.PROVINCE))


@router.get(
    "/editions/{number}/my-event",
    response={200: MyEventsOut, **NOT_FOUND},
    summary="我该参加哪场赛事",
    description="按注册地所在的省级区划（及城市）找出负责的区域赛，并列出不限地域的专题赛和境外区域赛。",
)
def my_event(
    request: HttpRequest,
    number: Integer = EDITION_NUMBER,
    province: str = Query(..., pattern=DIVISION_CODE, description="省级区划代码，如 440000"),
    city: str | None = Query(None, pattern=DIVISION_CODE, description="地级区划代码，如 440300"),
) -> selectors.MyEvents:
    edition = _edition(number)
    province_div = _division(province, field="province", level=DivisionLevel.PROVINCE)
    city_div = None
    if city is not None:
        city_div = _division(city, field="city", level=DivisionLevel.PREFECTURE)
        if city_div.parent_id != province_div.pk:
            raise ValidationFailed(
                f"{city_div.name}不属于{province_div.name}。", field="city", code="city_mismatch"
            )
    return selectors.events_for_place(edition, province_div, city_div)
