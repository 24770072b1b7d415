"""The catalog's read API at /api/v1/: exact shapes, errors, query counts, docs served locally."""

import json
import re

import pytest

from contest.catalog.enums import OrgRole, RegistrationMode, Tier
from contest.catalog.models import Division, Edition, EditionGroup, Event, EventOrganization, Organization

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

MIIT_CENTRE = "工业和信息化部网络安全产业发展中心（工业和信息化部信息中心）"
GD_DEPT = "广东省工业和信息化厅"


def make_edition(number: int = 9, *, year: int = 2024, is_current: bool = True) -> Edition:
    edition = Edition.objects.create(
        number=number, year=year, title=f"第{number}届“创客中国”中小企业创新创业大赛", is_current=is_current
    )
    EditionGroup.objects.create(edition=edition, code="enterprise", name="企业组", order=1)
    EditionGroup.objects.create(edition=edition, code="maker", name="创客组", order=2)
    return edition


def make_event(
    edition: Edition,
    *,
    tier: str,
    seq: int,
    name: str,
    location: str = "",
    province: str | None = None,
    city: str | None = None,
    city_name: str = "",
    theme: str = "",
    roles: tuple[tuple[str, str], ...] = (),
    urls: tuple[str, ...] = (),
    mode: str = RegistrationMode.PLATFORM,
    served: tuple[str, ...] = (),
) -> Event:
    event = Event.objects.create(
        edition=edition,
        tier=tier,
        seq=seq,
        name=name,
        location=location,
        province=Division.objects.get(code=province) if province else None,
        city=Division.objects.get(code=city) if city else None,
        city_name=city_name,
        theme=theme,
        registration_urls=list(urls),
        registration_mode=mode,
    )
    for order, (role, org_name) in enumerate(roles, start=1):
        organization, _ = Organization.objects.get_or_create(name=org_name)
        EventOrganization.objects.create(event=event, organization=organization, role=role, order=order)
    event.served_divisions.set(Division.objects.filter(code__in=served))
    return event


def shenzhen(edition: Edition) -> Event:
    return make_event(
        edition,
        tier=Tier.REGIONAL,
        seq=33,
        name="第九届“创客中国”深圳市中小企业创新创业大赛",
        location="深圳市",
        province="440000",
        city="440300",
        city_name="深圳市",
        roles=((OrgRole.LEAD, "深圳市中小企业服务局"),),
        urls=("大赛官网 www.cnmaker.org.cn",),
        served=("440300",),
    )


def guangdong(edition: Edition) -> Event:
    return make_event(
        edition,
        tier=Tier.REGIONAL,
        seq=17,
        name="第九届“创客中国”广东省中小企业创新创业大赛",
        location="广东省",
        province="440000",
        roles=((OrgRole.LEAD, GD_DEPT),),
        urls=("http://i.gdsme.org/",),
        mode=RegistrationMode.EXTERNAL,
        served=("440000",),
    )


def biomedicine(edition: Edition) -> Event:
    return make_event(
        edition,
        tier=Tier.THEMATIC,
        seq=8,
        name="第九届“创客中国”生物医药中小企业创新创业大赛",
        location="广东省广州市",
        province="440000",
        city="440100",
        city_name="广州市",
        theme="生物医药",
        roles=((OrgRole.HOST, MIIT_CENTRE), (OrgRole.HOST, GD_DEPT)),
        urls=("大赛官网 www.cnmaker.org.cn",),
    )


def national_final(edition: Edition) -> Event:
    return make_event(
        edition,
        tier=Tier.NATIONAL_FINAL,
        seq=1,
        name="第九届“创客中国”中小企业创新创业大赛全国总决赛",
        location="广东省东莞市",
        province="440000",
        city="441900",
        city_name="东莞市",
        roles=(
            (OrgRole.HOST, MIIT_CENTRE),
            (OrgRole.HOST, GD_DEPT),
            (OrgRole.HOST, "东莞市人民政府"),
            (OrgRole.UNDERTAKER, "东莞市工业和信息化局"),
        ),
    )


def overseas(edition: Edition) -> Event:
    return make_event(
        edition,
        tier=Tier.OVERSEAS_FINAL,
        seq=1,
        name="第九届“创客中国”中小企业创新创业大赛境外区域赛（决赛）",
        location="广东省",
        province="440000",
        roles=((OrgRole.HOST, "工业和信息化部中小企业发展促进中心"),),
        urls=("大赛官网 www.cnmaker.org.cn",),
    )


def org_id(name: str) -> int:
    return Organization.objects.get(name=name).pk


def shenzhen_json(event: Event) -> dict:
    return {
        "id": event.pk,
        "edition": 9,
        "tier": "regional",
        "tier_label": "区域赛",
        "seq": 33,
        "name": "第九届“创客中国”深圳市中小企业创新创业大赛",
        "location": "深圳市",
        "province": {"code": "440000", "name": "广东省"},
        "city": {"code": "440300", "name": "深圳市"},
        "city_name": "深圳市",
        "theme": "",
        "hosts": [{"id": org_id("深圳市中小企业服务局"), "name": "深圳市中小企业服务局", "role": "lead"}],
        "undertakers": [],
        "registration_urls": ["大赛官网 www.cnmaker.org.cn"],
        "registration_mode": "platform",
        "url": f"/editions/9/events/{event.pk}/",
    }


# --- editions ---------------------------------------------------------------------------------


def test_editions_list_newest_first_with_groups_and_counts(client):
    edition9 = make_edition(9)
    make_edition(8, year=2023, is_current=False)
    shenzhen(edition9)
    guangdong(edition9)

    response = client.get("/api/v1/editions")

    assert response.status_code == 200
    assert response.json() == [
        {
            "number": 9,
            "year": 2024,
            "title": "第9届“创客中国”中小企业创新创业大赛",
            "groups": [{"code": "enterprise", "name": "企业组"}, {"code": "maker", "name": "创客组"}],
            "event_count": 2,
        },
        {
            "number": 8,
            "year": 2023,
            "title": "第8届“创客中国”中小企业创新创业大赛",
            "groups": [{"code": "enterprise", "name": "企业组"}, {"code": "maker", "name": "创客组"}],
            "event_count": 0,
        },
    ]


def test_edition_detail_known_number(client):
    edition = make_edition(9)
    EditionGroup.objects.filter(edition=edition, code="maker").update(name="创业组")

    response = client.get("/api/v1/editions/9")

    assert response.status_code == 200
    assert response.json() == {
        "number": 9,
        "year": 2024,
        "title": "第9届“创客中国”中小企业创新创业大赛",
        "groups": [{"code": "enterprise", "name": "企业组"}, {"code": "maker", "name": "创业组"}],
        "event_count": 0,
    }


def test_edition_detail_unknown_number_is_404_json(client):
    make_edition(9)

    response = client.get("/api/v1/editions/99")

    assert response.status_code == 404
    assert response.json() == {"detail": "没有第 99 届。", "code": "edition_not_found", "field": "number"}


@pytest.mark.parametrize("count", [1, 3])
def test_editions_list_query_count_is_constant(client, django_assert_num_queries, count):
    for number in range(1, count + 1):
        shenzhen(make_edition(number, is_current=False))

    with django_assert_num_queries(2):  # editions with counts, their groups
        response = client.get("/api/v1/editions")

    assert len(response.json()) == count


# --- events -----------------------------------------------------------------------------------


def test_events_item_shape_is_exact(client):
    edition = make_edition(9)
    event = shenzhen(edition)

    response = client.get("/api/v1/events?edition=9")

    assert response.status_code == 200
    assert response.json() == {"items": [shenzhen_json(event)], "count": 1}


def test_events_body_has_literal_chinese(client):
    shenzhen(make_edition(9))

    response = client.get("/api/v1/events")

    body = response.content.decode("utf-8")
    assert "深圳市中小企业服务局" in body
    assert "\\u" not in body
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_events_default_to_current_edition_in_plan_order(client):
    older = make_edition(8, year=2023, is_current=False)
    make_event(older, tier=Tier.REGIONAL, seq=1, name="第八届“创客中国”北京市中小企业创新创业大赛")
    edition = make_edition(9)
    sz = shenzhen(edition)
    gd = guangdong(edition)
    bio = biomedicine(edition)
    final = national_final(edition)
    abroad = overseas(edition)

    response = client.get("/api/v1/events")

    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 5
    assert [(e["id"], e["tier"], e["seq"]) for e in data["items"]] == [
        (final.pk, "national_final", 1),
        (gd.pk, "regional", 17),
        (sz.pk, "regional", 33),
        (bio.pk, "thematic", 8),
        (abroad.pk, "overseas_final", 1),
    ]


def test_events_hosts_and_undertakers_keep_plan_order(client):
    final = national_final(make_edition(9))

    item = client.get("/api/v1/events").json()["items"][0]

    assert item["id"] == final.pk
    assert item["hosts"] == [
        {"id": org_id(MIIT_CENTRE), "name": MIIT_CENTRE, "role": "host"},
        {"id": org_id(GD_DEPT), "name": GD_DEPT, "role": "host"},
        {"id": org_id("东莞市人民政府"), "name": "东莞市人民政府", "role": "host"},
    ]
    assert item["undertakers"] == [{"id": org_id("东莞市工业和信息化局"), "name": "东莞市工业和信息化局"}]
    assert item["registration_urls"] == []


def test_events_external_registration_is_reported(client):
    gd = guangdong(make_edition(9))

    item = client.get("/api/v1/events").json()["items"][0]

    assert item["id"] == gd.pk
    assert item["registration_mode"] == "external"
    assert item["registration_urls"] == ["http://i.gdsme.org/"]
    assert item["city"] is None
    assert item["city_name"] == ""


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tier=regional", ["beijing", "guangdong", "shenzhen"]),
        ("tier=thematic", ["biomedicine"]),
        ("province=440000", ["guangdong", "shenzhen", "biomedicine"]),
        ("province=310000", []),
        ("q=深圳", ["shenzhen"]),
        ("q=生物医药", ["biomedicine"]),
        ("q=北京市", ["beijing"]),
        ("tier=regional&province=440000&q=深圳", ["shenzhen"]),
    ],
)
def test_events_filters(client, query, expected):
    edition = make_edition(9)
    ids = {
        "shenzhen": shenzhen(edition).pk,
        "guangdong": guangdong(edition).pk,
        "biomedicine": biomedicine(edition).pk,
        "beijing": make_event(
            edition,
            tier=Tier.REGIONAL,
            seq=1,
            name="第九届“创客中国”北京市中小企业创新创业大赛",
            location="北京市",
            province="110000",
        ).pk,
    }

    response = client.get(f"/api/v1/events?edition=9&{query}")

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [ids[key] for key in expected]
    assert response.json()["count"] == len(expected)


def test_events_pagination_limit_and_offset(client):
    edition = make_edition(9)
    for seq in range(1, 6):
        make_event(edition, tier=Tier.THEMATIC, seq=seq, name=f"专题赛{seq}")

    response = client.get("/api/v1/events?limit=2&offset=3")

    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 5
    assert [item["name"] for item in data["items"]] == ["专题赛4", "专题赛5"]


def test_events_default_page_is_50(client):
    edition = make_edition(9)
    for seq in range(1, 53):
        make_event(edition, tier=Tier.THEMATIC, seq=seq, name=f"专题赛{seq}")

    data = client.get("/api/v1/events").json()

    assert data["count"] == 52
    assert len(data["items"]) == 50


@pytest.mark.parametrize("limit", [0, 201])
def test_events_limit_outside_1_to_200_is_422(client, limit):
    make_edition(9)

    response = client.get(f"/api/v1/events?limit={limit}")

    assert response.status_code == 422
    assert [err["loc"] for err in response.json()["detail"]] == [["query", "limit"]]


def test_events_invalid_tier_is_422_naming_the_choices(client):
    make_edition(9)

    response = client.get("/api/v1/events?tier=provincial")

    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", "tier"]
    assert error["msg"] == "应为以下之一：national_final、regional、thematic、overseas_final。"


def test_events_unknown_edition_is_404(client):
    make_edition(9)

    response = client.get("/api/v1/events?edition=10")

    assert response.status_code == 404
    assert response.json() == {"detail": "没有第 10 届。", "code": "edition_not_found", "field": "edition"}


def test_events_without_any_edition_is_404(client, db):
    response = client.get("/api/v1/events")

    assert response.status_code == 404
    assert response.json() == {"detail": "还没有任何届次。", "code": "edition_not_found", "field": None}


@pytest.mark.parametrize("count", [1, 3])
def test_events_list_query_count_is_constant(client, django_assert_num_queries, count):
    edition = make_edition(9)
    for build in (national_final, biomedicine, shenzhen)[:count]:
        build(edition)

    with django_assert_num_queries(4):  # edition, count, events, their roles
        response = client.get("/api/v1/events?edition=9")

    assert response.json()["count"] == count


def test_event_detail_adds_served_divisions(client):
    edition = make_edition(9)
    event = make_event(
        edition,
        tier=Tier.REGIONAL,
        seq=5,
        name="第九届“创客中国”辽宁省中小企业创新创业大赛",
        location="辽宁省",
        province="210000",
        roles=((OrgRole.LEAD, "辽宁省工业和信息化厅"),),
        urls=("大赛官网 www.cnmaker.org.cn",),
        served=("210000", "210100"),
    )

    response = client.get(f"/api/v1/events/{event.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "id": event.pk,
        "edition": 9,
        "tier": "regional",
        "tier_label": "区域赛",
        "seq": 5,
        "name": "第九届“创客中国”辽宁省中小企业创新创业大赛",
        "location": "辽宁省",
        "province": {"code": "210000", "name": "辽宁省"},
        "city": None,
        "city_name": "",
        "theme": "",
        "hosts": [{"id": org_id("辽宁省工业和信息化厅"), "name": "辽宁省工业和信息化厅", "role": "lead"}],
        "undertakers": [],
        "registration_urls": ["大赛官网 www.cnmaker.org.cn"],
        "registration_mode": "platform",
        "url": f"/editions/9/events/{event.pk}/",
        "served_divisions": [{"code": "210000", "name": "辽宁省"}, {"code": "210100", "name": "沈阳市"}],
    }


def test_event_detail_unknown_id_is_404(client, db):
    response = client.get("/api/v1/events/999999")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "没有编号为 999999 的赛事。",
        "code": "event_not_found",
        "field": "event_id",
    }


def test_event_detail_id_beyond_bigint_is_422(client, db):
    response = client.get(f"/api/v1/events/{2**63}")

    assert response.status_code == 422


# --- organizations ----------------------------------------------------------------------------


def test_organizations_list_with_event_counts_most_active_first(client):
    edition = make_edition(9)
    guangdong(edition)
    biomedicine(edition)
    national_final(edition)

    response = client.get("/api/v1/organizations")

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {"id": org_id(GD_DEPT), "name": GD_DEPT, "event_count": 3},
            {"id": org_id(MIIT_CENTRE), "name": MIIT_CENTRE, "event_count": 2},
            {"id": org_id("东莞市人民政府"), "name": "东莞市人民政府", "event_count": 1},
            {"id": org_id("东莞市工业和信息化局"), "name": "东莞市工业和信息化局", "event_count": 1},
        ],
        "count": 4,
    }


def test_organizations_filtered_by_name(client):
    national_final(make_edition(9))

    response = client.get("/api/v1/organizations?q=东莞")

    assert [item["name"] for item in response.json()["items"]] == ["东莞市人民政府", "东莞市工业和信息化局"]


@pytest.mark.parametrize("count", [1, 3])
def test_organizations_list_query_count_is_constant(client, django_assert_num_queries, count):
    edition = make_edition(9)
    for seq in range(1, count + 1):
        make_event(
            edition, tier=Tier.THEMATIC, seq=seq, name=f"专题赛{seq}", roles=((OrgRole.HOST, f"单位{seq}"),)
        )

    with django_assert_num_queries(2):  # count, page
        response = client.get("/api/v1/organizations")

    assert response.json()["count"] == count


def test_organization_detail_lists_its_events_and_roles_in_plan_order(client):
    edition = make_edition(9)
    gd = guangdong(edition)
    bio = biomedicine(edition)
    final = national_final(edition)

    response = client.get(f"/api/v1/organizations/{org_id(GD_DEPT)}")

    assert response.status_code == 200
    assert response.json() == {
        "id": org_id(GD_DEPT),
        "name": GD_DEPT,
        "event_count": 3,
        "events": [
            {
                "id": final.pk,
                "edition": 9,
                "tier": "national_final",
                "tier_label": "全国总决赛",
                "seq": 1,
                "name": "第九届“创客中国”中小企业创新创业大赛全国总决赛",
                "url": f"/editions/9/events/{final.pk}/",
                "roles": ["host"],
            },
            {
                "id": gd.pk,
                "edition": 9,
                "tier": "regional",
                "tier_label": "区域赛",
                "seq": 17,
                "name": "第九届“创客中国”广东省中小企业创新创业大赛",
                "url": f"/editions/9/events/{gd.pk}/",
                "roles": ["lead"],
            },
            {
                "id": bio.pk,
                "edition": 9,
                "tier": "thematic",
                "tier_label": "专题赛",
                "seq": 8,
                "name": "第九届“创客中国”生物医药中小企业创新创业大赛",
                "url": f"/editions/9/events/{bio.pk}/",
                "roles": ["host"],
            },
        ],
    }


def test_organization_detail_unknown_id_is_404(client, db):
    response = client.get("/api/v1/organizations/424242")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "没有编号为 424242 的组织单位。",
        "code": "organization_not_found",
        "field": "organization_id",
    }


# --- divisions and “which event is mine” ------------------------------------------------------


def test_divisions_without_parent_are_the_provinces(client, db):
    response = client.get("/api/v1/divisions")

    assert response.status_code == 200
    data = response.json()
    assert data[0] == {"code": "110000", "name": "北京市", "short_name": "北京", "level": "province"}
    assert {"code": "440000", "name": "广东省", "short_name": "广东", "level": "province"} in data
    assert [d["level"] for d in data] == ["province"] * len(data)
    assert [d["code"] for d in data] == sorted(d["code"] for d in data)


def test_divisions_of_a_province_are_its_cities(client, db):
    response = client.get("/api/v1/divisions?parent=440000")

    assert response.status_code == 200
    data = response.json()
    assert data[0] == {"code": "440100", "name": "广州市", "short_name": "广州", "level": "prefecture"}
    assert {"code": "440300", "name": "深圳市", "short_name": "深圳", "level": "prefecture"} in data
    assert {d["code"][:2] for d in data} == {"44"}


def test_divisions_unknown_parent_is_404(client, db):
    response = client.get("/api/v1/divisions?parent=990000")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "没有代码为 990000 的省级区划。",
        "code": "division_not_found",
        "field": "parent",
    }


def test_my_event_city_with_its_own_event_wins_over_province(client):
    edition = make_edition(9)
    sz = shenzhen(edition)
    guangdong(edition)
    bio = biomedicine(edition)
    abroad = overseas(edition)

    response = client.get("/api/v1/editions/9/my-event?province=440000&city=440300")

    assert response.status_code == 200
    data = response.json()
    assert data["regional"] == shenzhen_json(sz)
    assert [e["id"] for e in data["thematic"]] == [bio.pk]
    assert data["overseas"]["id"] == abroad.pk


def test_my_event_other_city_falls_back_to_province(client):
    edition = make_edition(9)
    shenzhen(edition)
    gd = guangdong(edition)

    response = client.get("/api/v1/editions/9/my-event?province=440000&city=440100")

    assert response.status_code == 200
    data = response.json()
    assert data["regional"]["id"] == gd.pk
    assert data["thematic"] == []
    assert data["overseas"] is None


def test_my_event_province_without_event_has_no_regional(client):
    guangdong(make_edition(9))

    response = client.get("/api/v1/editions/9/my-event?province=110000")

    assert response.json() == {"regional": None, "thematic": [], "overseas": None}


def test_my_event_city_outside_province_is_422_naming_the_field(client):
    make_edition(9)

    response = client.get("/api/v1/editions/9/my-event?province=330000&city=440300")

    assert response.status_code == 422
    assert response.json() == {"detail": "深圳市不属于浙江省。", "code": "city_mismatch", "field": "city",
                               "fields": {"city": "深圳市不属于浙江省。"}}  # fmt: skip


def test_my_event_city_code_given_as_province_is_404(client):
    make_edition(9)

    response = client.get("/api/v1/editions/9/my-event?province=330200")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "没有代码为 330200 的省级区划。",
        "code": "division_not_found",
        "field": "province",
    }


def test_my_event_unknown_edition_is_404(client, db):
    response = client.get("/api/v1/editions/3/my-event?province=440000")

    assert response.status_code == 404
    assert response.json()["code"] == "edition_not_found"


@pytest.mark.parametrize("count", [1, 3])
def test_my_event_query_count_is_constant(client, django_assert_num_queries, count):
    edition = make_edition(9)
    shenzhen(edition)
    overseas(edition)
    for seq in range(1, count + 1):
        make_event(
            edition, tier=Tier.THEMATIC, seq=seq, name=f"专题赛{seq}", roles=((OrgRole.HOST, f"单位{seq}"),)
        )

    # edition, province, city, regional + roles, thematic + roles, overseas + roles
    with django_assert_num_queries(9):
        response = client.get("/api/v1/editions/9/my-event?province=440000&city=440300")

    assert len(response.json()["thematic"]) == count


# --- schema and docs --------------------------------------------------------------------------


def test_openapi_schema_is_3_1_and_lists_the_catalog(client, db):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"] == "3.1.0"
    catalog = [
        path for path, item in schema["paths"].items() if any("catalog" in op["tags"] for op in item.values())
    ]
    assert sorted(catalog) == [
        "/api/v1/divisions",
        "/api/v1/editions",
        "/api/v1/editions/{number}",
        "/api/v1/editions/{number}/my-event",
        "/api/v1/events",
        "/api/v1/events/{event_id}",
        "/api/v1/organizations",
        "/api/v1/organizations/{organization_id}",
    ]


def test_docs_page_uses_only_local_static_assets(client, db):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode("utf-8")
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sorted(assets) == [
        "/static/ninja/favicon.png",
        "/static/ninja/favicon.svg",
        "/static/ninja/swagger-ui-bundle.js",
        "/static/ninja/swagger-ui-init.js",
        "/static/ninja/swagger-ui.css",
    ]
    settings_json = re.search(
        r'<script type="application/json" id="swagger-settings">(.*?)</script>', html, re.S
    )
    assert json.loads(settings_json.group(1)) == {
        "layout": "BaseLayout",
        "deepLinking": True,
        "validatorUrl": None,
        "url": "/api/v1/openapi.json",
    }
