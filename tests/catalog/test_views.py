"""The public catalog site: pages, filters, “which event is mine?”, organizations, query counts."""

from __future__ import annotations

import itertools
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from contest.catalog.enums import OrgRole, RegistrationMode, Tier
from contest.catalog.models import Division, Edition, EditionGroup, Event, EventOrganization, Organization

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

OFFICIAL = "大赛官网 www.cnmaker.org.cn"


# --- small factories --------------------------------------------------------------------------


def make_edition(number: int = 9, *, is_current: bool = True) -> Edition:
    edition = Edition.objects.create(
        number=number,
        year=2015 + number,
        title=f"第{number}届“创客中国”中小企业创新创业大赛",
        is_current=is_current,
    )
    EditionGroup.objects.create(edition=edition, code="enterprise", name="企业组", order=1)
    EditionGroup.objects.create(edition=edition, code="maker", name="创客组", order=2)
    return edition


def division(code: str) -> Division:
    return Division.objects.get(code=code)


def make_event(
    edition: Edition,
    name: str,
    *,
    tier: str = Tier.REGIONAL,
    seq: int = 1,
    location: str = "",
    province: str | None = None,
    city: str | None = None,
    theme: str = "",
    urls: tuple[str, ...] = ("www.cnmaker.org.cn",),
    mode: str = RegistrationMode.PLATFORM,
    served: tuple[str, ...] = (),
    hosts: tuple[str, ...] = (),
    lead: tuple[str, ...] = (),
    undertakers: tuple[str, ...] = (),
) -> Event:
    event = Event.objects.create(
        edition=edition,
        tier=tier,
        seq=seq,
        name=name,
        location=location,
        province=division(province) if province else None,
        city=division(city) if city else None,
        theme=theme,
        registration_urls=list(urls),
        registration_mode=mode,
    )
    event.served_divisions.set([division(code) for code in served])
    order = 0
    for role, names in ((OrgRole.LEAD, lead), (OrgRole.HOST, hosts), (OrgRole.UNDERTAKER, undertakers)):
        for org_name in names:
            order += 1
            org, _ = Organization.objects.get_or_create(name=org_name)
            EventOrganization.objects.create(event=event, organization=org, role=role, order=order)
    return event


def make_regional(edition: Edition, seq: int, place: str, code: str, *, province: str, **kwargs) -> Event:
    return make_event(
        edition,
        f"第九届“创客中国”{place}中小企业创新创业大赛",
        seq=seq,
        location=place,
        province=province,
        city=code if code != province else None,
        served=(code,),
        lead=kwargs.pop("lead", (f"{place}工业和信息化局",)),
        **kwargs,
    )


@pytest.fixture
def plan():
    """A miniature plan: one event per tier plus the regional events the rules turn on."""
    edition = make_edition()
    final = make_event(
        edition,
        "第九届“创客中国”中小企业创新创业大赛全国总决赛",
        tier=Tier.NATIONAL_FINAL,
        location="广东省东莞市",
        province="440000",
        city="441900",
        urls=(),
        hosts=("工业和信息化部网络安全产业发展中心（工业和信息化部信息中心）", "东莞市人民政府"),
        undertakers=("东莞市工业和信息化局",),
    )
    beijing = make_regional(
        edition,
        1,
        "北京市",
        "110000",
        province="110000",
        urls=("https://www.smebj.cn/",),
        mode=RegistrationMode.EXTERNAL,
        lead=("北京市经济和信息化局",),
    )
    guangdong = make_regional(
        edition,
        19,
        "广东省",
        "440000",
        province="440000",
        urls=("i.gdsme.org",),
        mode=RegistrationMode.EXTERNAL,
        lead=("广东省工业和信息化厅",),
    )
    zhejiang = make_regional(
        edition, 10, "浙江省", "330000", province="330000", lead=("浙江省经济和信息化厅",)
    )
    xinjiang = make_regional(edition, 28, "新疆维吾尔自治区", "650000", province="650000")
    ningbo = make_regional(edition, 30, "宁波市", "330200", province="330000", lead=("宁波市经济和信息化局",))
    shenzhen = make_regional(
        edition, 33, "深圳市", "440300", province="440000", lead=("深圳市中小企业服务局",)
    )
    bingtuan = make_regional(
        edition,
        34,
        "兵团",
        "660000",
        province="650000",
        urls=("大赛官网 www.cnmaker.org.cn或", "http://www.xjbtsme.gov.cn.org.cn"),
        lead=("新疆生产建设兵团工业和信息化局",),
    )
    security = make_event(
        edition,
        "第九届“创客中国”网络安全中小企业创新创业大赛",
        tier=Tier.THEMATIC,
        seq=1,
        location="北京市",
        province="110000",
        theme="网络安全",
        hosts=("工业和信息化部网络安全产业发展中心（工业和信息化部信息中心）", "北京市经济和信息化局"),
    )
    overseas = make_event(
        edition,
        "第九届“创客中国”中小企业创新创业大赛境外区域赛（决赛）",
        tier=Tier.OVERSEAS_FINAL,
        location="广东省",
        province="440000",
        hosts=("工业和信息化部中小企业发展促进中心",),
    )
    return {
        "edition": edition,
        "final": final,
        "beijing": beijing,
        "guangdong": guangdong,
        "zhejiang": zhejiang,
        "xinjiang": xinjiang,
        "ningbo": ningbo,
        "shenzhen": shenzhen,
        "bingtuan": bingtuan,
        "security": security,
        "overseas": overseas,
    }


# --- reading the HTML -------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Collector(HTMLParser):
    """Collects every element as (tag, attrs, text) so tests can assert exact visible texts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self.stack: list[dict] = []

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": []}
        self.elements.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append({"tag": tag, "attrs": dict(attrs), "text": []})

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i]["tag"] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for element in self.stack:
            element["text"].append(data)


def elements(response, tag: str, **attrs: str) -> list[dict]:
    """Elements of ``tag`` whose attributes contain the given values (class matches one class)."""
    parser = _Collector()
    parser.feed(response.content.decode())
    found = []
    for el in parser.elements:
        if el["tag"] != tag:
            continue
        ok = True
        for key, value in attrs.items():
            key = key.rstrip("_")
            have = el["attrs"].get(key)
            if have is None or (value not in have.split() if key == "class" else have != value):
                ok = False
        if ok:
            found.append({**el, "text": re.sub(r"\s+", " ", "".join(el["text"])).strip()})
    return found


def texts(response, tag: str, **attrs: str) -> list[str]:
    return [el["text"] for el in elements(response, tag, **attrs)]


def definitions(response) -> list[tuple[str, str]]:
    """Every (term, definition) pair of the page's description lists, in order."""
    parser = _Collector()
    parser.feed(response.content.decode())
    flat = [
        re.sub(r"\s+", " ", "".join(el["text"])).strip()
        for el in parser.elements
        if el["tag"] in ("dt", "dd")
    ]
    return list(zip(flat[::2], flat[1::2], strict=True))


def event_list_url(edition: Edition, **params: str) -> str:
    url = reverse("catalog:event_list", args=[edition.number])
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}?{query}" if query else url


# --- home and edition home --------------------------------------------------------------------


def test_home_without_edition_explains_how_to_import(client):
    response = client.get(reverse("catalog:home"))

    assert response.status_code == 200
    assert texts(response, "h1") == ["尚未导入赛事计划"]
    assert texts(response, "code") == [
        "python manage.py import_plan src/contest/catalog/data/plans/edition9.txt --edition 9"
    ]


def test_home_with_plan_shows_current_edition_counts_per_tier(client, plan):
    make_edition(8, is_current=False)

    response = client.get(reverse("catalog:home"))

    assert texts(response, "h1") == ["第9届“创客中国”中小企业创新创业大赛"]
    assert texts(response, "span", class_="tier-tile__label") == [
        "全国总决赛",
        "区域赛",
        "专题赛",
        "境外区域赛决赛",
    ]
    assert texts(response, "span", class_="tier-tile__count") == ["1 场", "7 场", "1 场", "1 场"]
    assert [
        a["attrs"]["href"] for a in elements(response, "a") if "?tier=" in a["attrs"].get("href", "")
    ] == [
        "/editions/9/events/?tier=national_final",
        "/editions/9/events/?tier=regional",
        "/editions/9/events/?tier=thematic",
        "/editions/9/events/?tier=overseas_final",
    ]
    assert texts(response, "ul", class_="pill-list") == ["企业组创客组"]
    assert elements(response, "form", role="search")[0]["attrs"]["action"] == "/editions/9/events/"
    assert "/editions/9/mine/" in [a["attrs"].get("href") for a in elements(response, "a")]


def test_edition_home_of_another_edition_shows_its_own_counts(client, plan):
    older = make_edition(8, is_current=False)
    make_regional(older, 1, "天津市", "120000", province="120000")

    response = client.get(reverse("catalog:edition_home", args=[8]))

    assert texts(response, "h1") == [older.title]
    assert texts(response, "span", class_="tier-tile__count") == ["0 场", "1 场", "0 场", "0 场"]


def test_edition_home_unknown_number_is_404(client, plan):
    response = client.get(reverse("catalog:edition_home", args=[99]))

    assert response.status_code == 404


# --- event list ---------------------------------------------------------------------------------


def test_event_list_groups_events_by_tier_in_plan_order(client, plan):
    response = client.get(event_list_url(plan["edition"]))

    groups = [(g["label"], [c.event.name for c in g["cards"]]) for g in response.context["groups"]]
    assert groups == [
        ("全国总决赛", ["第九届“创客中国”中小企业创新创业大赛全国总决赛"]),
        (
            "区域赛",
            [
                "第九届“创客中国”北京市中小企业创新创业大赛",
                "第九届“创客中国”浙江省中小企业创新创业大赛",
                "第九届“创客中国”广东省中小企业创新创业大赛",
                "第九届“创客中国”新疆维吾尔自治区中小企业创新创业大赛",
                "第九届“创客中国”宁波市中小企业创新创业大赛",
                "第九届“创客中国”深圳市中小企业创新创业大赛",
                "第九届“创客中国”兵团中小企业创新创业大赛",
            ],
        ),
        ("专题赛", ["第九届“创客中国”网络安全中小企业创新创业大赛"]),
        ("境外区域赛决赛", ["第九届“创客中国”中小企业创新创业大赛境外区域赛（决赛）"]),
    ]
    assert texts(response, "h2") == [
        "全国总决赛 （1 场）",
        "区域赛 （7 场）",
        "专题赛 （1 场）",
        "境外区域赛决赛 （1 场）",
    ]
    assert texts(response, "p", class_="result-count") == ["共 10 场赛事"]
    assert [
        a["attrs"]["href"] for a in elements(response, "a") if a["attrs"].get("href", "").startswith("#")
    ] == [
        "#main",
        "#tier-national_final",
        "#tier-regional",
        "#tier-thematic",
        "#tier-overseas_final",
    ]


def test_event_list_province_filter_keeps_the_province_and_its_planned_cities(client, plan):
    response = client.get(event_list_url(plan["edition"], province="440000"))

    assert texts(response, "h3", class_="event-card__name") == [
        "第九届“创客中国”中小企业创新创业大赛全国总决赛",
        "第九届“创客中国”广东省中小企业创新创业大赛",
        "第九届“创客中国”深圳市中小企业创新创业大赛",
        "第九届“创客中国”中小企业创新创业大赛境外区域赛（决赛）",
    ]
    assert texts(response, "p", class_="result-count") == ["共 4 场赛事"]
    assert texts(response, "div", role="alert") == []


def test_event_list_province_select_lists_only_provinces_with_events(client, plan):
    response = client.get(event_list_url(plan["edition"], province="440000"))

    options = elements(response, "option")
    province_options = [
        (o["attrs"]["value"], o["text"]) for o in options if o["attrs"]["value"].endswith("0000")
    ]
    assert province_options == [
        ("110000", "北京市"),
        ("330000", "浙江省"),
        ("440000", "广东省"),
        ("650000", "新疆维吾尔自治区"),
    ]
    assert [o["attrs"]["value"] for o in options if "selected" in o["attrs"]] == ["", "440000"]


def test_event_list_tier_filter_shows_only_that_tier(client, plan):
    response = client.get(event_list_url(plan["edition"], tier="thematic"))

    assert texts(response, "h3", class_="event-card__name") == [
        "第九届“创客中国”网络安全中小企业创新创业大赛"
    ]
    assert texts(response, "h2") == ["专题赛 （1 场）"]


def test_event_list_search_matches_part_of_the_name(client, plan):
    response = client.get(event_list_url(plan["edition"], q="宁波"))

    assert texts(response, "h3", class_="event-card__name") == ["第九届“创客中国”宁波市中小企业创新创业大赛"]
    assert texts(response, "p", class_="result-count") == ["共 1 场赛事"]


def test_event_list_filters_combine(client, plan):
    response = client.get(event_list_url(plan["edition"], tier="regional", province="330000", q="宁波"))

    assert texts(response, "h3", class_="event-card__name") == ["第九届“创客中国”宁波市中小企业创新创业大赛"]


def test_event_list_unknown_tier_is_ignored_with_a_message(client, plan):
    response = client.get(event_list_url(plan["edition"], tier="semifinal", province="440300"))

    assert response.status_code == 200
    assert texts(response, "div", role="alert") == [
        "筛选条件“赛事类别”的值“semifinal”无效，已忽略。 筛选条件“省份”的值“440300”无效，已忽略。"
    ]
    assert texts(response, "p", class_="result-count") == ["共 10 场赛事"]


def test_event_list_unknown_province_keeps_the_valid_conditions(client, plan):
    response = client.get(event_list_url(plan["edition"], tier="thematic", province="999999"))

    assert texts(response, "div", role="alert") == ["筛选条件“省份”的值“999999”无效，已忽略。"]
    assert texts(response, "h3", class_="event-card__name") == [
        "第九届“创客中国”网络安全中小企业创新创业大赛"
    ]


def test_event_list_without_match_shows_the_empty_state(client, plan):
    response = client.get(event_list_url(plan["edition"], q="不存在的赛事"))

    assert texts(response, "p", class_="result-count") == ["共 0 场赛事"]
    assert texts(response, "div", class_="empty-state") == [
        "没有符合条件的赛事 请换一个名称关键词，或清除筛选条件查看全部赛事。 查看全部赛事"
    ]
    assert texts(response, "h3", class_="event-card__name") == []


def test_event_list_marks_external_portals_and_the_official_site(client, plan):
    response = client.get(event_list_url(plan["edition"], tier="regional", q="北京"))

    assert texts(response, "ul", class_="reg-links") == ["外部报名网站 https://www.smebj.cn/"]
    (link,) = [a for a in elements(response, "a") if a["text"] == "https://www.smebj.cn/"]
    assert link["attrs"] == {
        "href": "https://www.smebj.cn/",
        "rel": "noopener",
        "target": "_blank",
        "aria-describedby": "new-window-hint",
    }

    response = client.get(event_list_url(plan["edition"], q="深圳"))

    assert texts(response, "ul", class_="reg-links") == [OFFICIAL]


def test_event_list_shows_location_hosts_and_lead(client, plan):
    response = client.get(event_list_url(plan["edition"], q="深圳"))

    assert definitions(response) == [
        ("地点", "深圳市"),
        ("主办单位", "深圳市中小企业服务局牵头"),
        ("报名", OFFICIAL),
    ]


def test_event_list_unknown_edition_is_404(client, plan):
    response = client.get(reverse("catalog:event_list", args=[99]))

    assert response.status_code == 404


@pytest.mark.parametrize("n", [1, 3])
def test_event_list_runs_a_fixed_number_of_queries(client, django_assert_num_queries, n):
    edition = make_edition()
    for i in range(1, n + 1):
        make_event(
            edition,
            f"区域赛{i}",
            seq=i,
            province="440000",
            hosts=(f"主办{i}",),
            lead=(f"牵头{i}",),
            undertakers=(f"承办{i}",),
        )
        make_event(edition, f"专题赛{i}", tier=Tier.THEMATIC, seq=i, hosts=(f"主办{i}",))

    # edition, provinces with events, events, their roles
    with django_assert_num_queries(4):
        response = client.get(event_list_url(edition, province="440000"))

    assert response.context["total"] == n


def test_event_list_current_redirects_to_the_current_edition(client, plan):
    make_edition(8, is_current=False)

    response = client.get(reverse("catalog:event_list_current"))

    assert response.status_code == 302
    assert response["Location"] == "/editions/9/events/"


def test_event_list_current_without_edition_redirects_home(client):
    response = client.get(reverse("catalog:event_list_current"))

    assert response.status_code == 302
    assert response["Location"] == "/"


# --- event detail -------------------------------------------------------------------------------


def test_event_detail_shows_the_plan_facts(client, plan):
    event = plan["shenzhen"]

    response = client.get(reverse("catalog:event_detail", args=[9, event.pk]))

    assert texts(response, "h1") == ["第九届“创客中国”深圳市中小企业创新创业大赛"]
    assert definitions(response) == [
        ("赛事类别", "区域赛"),
        ("序号", "33"),
        ("赛事名称", "第九届“创客中国”深圳市中小企业创新创业大赛"),
        ("地点（按计划原文）", "深圳市"),
        ("所属省份", "广东省"),
        ("城市", "深圳市"),
        ("主办单位", "深圳市中小企业服务局牵头"),
        ("承办单位", "计划未列出"),
    ]
    assert texts(response, "ul", class_="reg-links") == [OFFICIAL]
    assert texts(response, "p", class_="registration-mode") == ["报名方式：本平台（大赛官网）报名"]


def test_event_detail_links_a_url_without_scheme_with_http(client, plan):
    response = client.get(reverse("catalog:event_detail", args=[9, plan["shenzhen"].pk]))

    (link,) = [a for a in elements(response, "a") if a["text"] == "www.cnmaker.org.cn"]
    assert link["attrs"]["href"] == "http://www.cnmaker.org.cn"
    assert link["attrs"]["rel"] == "noopener"
    assert link["attrs"]["target"] == "_blank"


def test_event_detail_splits_several_addresses_and_marks_each(client, plan):
    response = client.get(reverse("catalog:event_detail", args=[9, plan["bingtuan"].pk]))

    links = elements(response, "ul", class_="reg-links")[0]
    assert links["text"] == "大赛官网 www.cnmaker.org.cn 外部报名网站 http://www.xjbtsme.gov.cn.org.cn"


def test_event_detail_marks_external_registration(client, plan):
    response = client.get(reverse("catalog:event_detail", args=[9, plan["guangdong"].pk]))

    assert texts(response, "p", class_="registration-mode") == ["报名方式：外部报名网站"]
    assert texts(response, "ul", class_="reg-links") == ["外部报名网站 i.gdsme.org"]
    (link,) = [a for a in elements(response, "a") if a["text"] == "i.gdsme.org"]
    assert link["attrs"]["href"] == "http://i.gdsme.org"


def test_event_detail_lists_hosts_with_lead_and_undertakers_linked(client, plan):
    final = plan["final"]

    response = client.get(reverse("catalog:event_detail", args=[9, final.pk]))

    assert texts(response, "ul", class_="org-list") == [
        "工业和信息化部网络安全产业发展中心（工业和信息化部信息中心） 东莞市人民政府",
        "东莞市工业和信息化局",
    ]
    undertaker = Organization.objects.get(name="东莞市工业和信息化局")
    assert f"/organizations/{undertaker.pk}/" in [a["attrs"].get("href") for a in elements(response, "a")]

    response = client.get(reverse("catalog:event_detail", args=[9, plan["ningbo"].pk]))

    assert texts(response, "ul", class_="org-list")[0] == "宁波市经济和信息化局牵头"


def test_event_detail_of_thematic_event_shows_theme(client, plan):
    response = client.get(reverse("catalog:event_detail", args=[9, plan["security"].pk]))

    assert definitions(response)[3:7] == [
        ("主题", "网络安全"),
        ("决赛地点（按计划原文）", "北京市"),
        ("所属省份", "北京市"),
        ("城市", "—"),
    ]


def test_event_detail_of_another_edition_is_404(client, plan):
    older = make_edition(8, is_current=False)
    old_event = make_regional(older, 1, "天津市", "120000", province="120000")

    assert client.get(reverse("catalog:event_detail", args=[9, old_event.pk])).status_code == 404
    assert client.get(reverse("catalog:event_detail", args=[8, old_event.pk])).status_code == 200
    assert client.get(reverse("catalog:event_detail", args=[9, 987654])).status_code == 404


# --- which event is mine? ---------------------------------------------------------------------


def mine(client, **params: str):
    return client.get(reverse("catalog:my_event", args=[9]), params)


def test_my_event_starts_by_asking_for_the_province(client, plan):
    response = mine(client)

    assert texts(response, "label") == ["第 1 步：省份（自治区、直辖市）"]
    assert response.context["result"] is None
    assert texts(response, "p", class_="rule") == [
        "区域赛按企业或团队所在地参赛：大连、宁波、厦门、青岛、深圳五个计划单列市和新疆生产建设兵团各有自己的区域赛，"
        "其他地区参加所在省（自治区、直辖市）的区域赛；专题赛按行业面向全国报名，不受地区限制。"
    ]


def test_my_event_province_with_cities_asks_for_the_city(client, plan):
    response = mine(client, province="440000")

    assert texts(response, "label") == ["第 1 步：省份（自治区、直辖市）", "第 2 步：城市（地级市、州、盟）"]
    city_select = elements(response, "select", name="city")
    assert len(city_select) == 1
    cities = [o["text"] for o in elements(response, "option") if o["attrs"]["value"].startswith("44")]
    assert cities[:4] == ["广东省", "广州市", "韶关市", "深圳市"]
    assert len(cities) == 1 + Division.objects.filter(parent__code="440000").count()
    assert response.context["result"] is None


def test_my_event_planned_city_gets_its_own_regional_event(client, plan):
    response = mine(client, province="330000", city="330200")

    assert response.context["result"]["regional"].event == plan["ningbo"]
    assert texts(response, "h4", class_="event-card__name") == ["第九届“创客中国”宁波市中小企业创新创业大赛"]


def test_my_event_other_city_gets_the_province_event(client, plan):
    response = mine(client, province="330000", city="330100")

    assert texts(response, "h2", id="result-heading") == ["杭州市的参赛选择"]
    assert texts(response, "h4", class_="event-card__name") == ["第九届“创客中国”浙江省中小企业创新创业大赛"]


def test_my_event_shenzhen_is_not_guangdong(client, plan):
    response = mine(client, province="440000", city="440300")

    assert response.context["result"]["regional"].event == plan["shenzhen"]


def test_my_event_bingtuan_gets_its_own_event(client, plan):
    response = mine(client, province="650000", city="660000")

    assert texts(response, "h4", class_="event-card__name") == ["第九届“创客中国”兵团中小企业创新创业大赛"]

    response = mine(client, province="650000", city="650100")

    assert texts(response, "h4", class_="event-card__name") == [
        "第九届“创客中国”新疆维吾尔自治区中小企业创新创业大赛"
    ]


def test_my_event_municipality_needs_no_city(client, plan):
    response = mine(client, province="110000")

    assert texts(response, "label") == ["第 1 步：省份（自治区、直辖市）"]
    assert texts(response, "h4", class_="event-card__name") == ["第九届“创客中国”北京市中小企业创新创业大赛"]


def test_my_event_lists_thematic_events_and_the_overseas_final(client, plan):
    response = mine(client, province="110000")

    assert texts(response, "h3") == ["你的区域赛", "面向全国的专题赛（1 场，按行业选择）", "境外区域赛决赛"]
    assert texts(response, "ul", class_="compact-list") == [
        "第九届“创客中国”网络安全中小企业创新创业大赛 网络安全"
    ]
    assert [c.event for c in response.context["result"]["thematic"]] == [plan["security"]]
    assert response.context["result"]["overseas"].event == plan["overseas"]


def test_my_event_place_without_regional_event_says_so(client, plan):
    response = mine(client, province="120000")

    assert response.context["result"]["regional"] is None
    assert "本届赛事计划中没有服务该地区的区域赛。可以参加下面按行业面向全国的专题赛。" in texts(
        response, "p", class_="notice"
    )


def test_my_event_unknown_province_shows_a_message(client, plan):
    response = mine(client, province="999999", city="440300")

    assert response.status_code == 200
    assert texts(response, "div", role="alert") == ["没有找到所选的省份，请从列表中重新选择。"]
    assert response.context["result"] is None


def test_my_event_city_of_another_province_asks_for_the_city_again(client, plan):
    response = mine(client, province="330000", city="440300")

    assert response.context["result"] is None
    assert response.context["needs_city"] is True
    assert [o["attrs"]["value"] for o in elements(response, "option") if "selected" in o["attrs"]] == [
        "330000",
        "",
    ]


@pytest.mark.parametrize("n", [1, 3])
def test_my_event_runs_a_fixed_number_of_queries(client, django_assert_num_queries, n):
    edition = make_edition()
    make_regional(edition, 1, "深圳市", "440300", province="440000")
    for i in range(1, n + 1):
        make_event(edition, f"专题赛{i}", tier=Tier.THEMATIC, seq=i, hosts=(f"主办{i}",))

    # edition, provinces, cities; regional by city + roles; thematic + roles; overseas
    with django_assert_num_queries(8):
        response = client.get(reverse("catalog:my_event", args=[9]), {"province": "440000", "city": "440300"})

    assert len(response.context["result"]["thematic"]) == n


# --- organizations ------------------------------------------------------------------------------


def test_organization_list_orders_by_number_of_events(client, plan):
    make_event(
        plan["edition"],
        "第九届“创客中国”元宇宙中小企业创新创业大赛",
        tier=Tier.THEMATIC,
        seq=2,
        hosts=("工业和信息化部网络安全产业发展中心（工业和信息化部信息中心）",),
    )

    response = client.get(reverse("catalog:organization_list"))

    names = [
        a["text"] for a in elements(response, "a") if re.fullmatch(r"/organizations/\d+/", a["attrs"]["href"])
    ]
    assert names[:2] == [
        "工业和信息化部网络安全产业发展中心（工业和信息化部信息中心）",
        "北京市经济和信息化局",
    ]
    assert texts(response, "span", class_="org-index__count")[:2] == ["3 场赛事", "2 场赛事"]
    assert texts(response, "p", class_="result-count") == [f"共 {Organization.objects.count()} 家单位"]


@pytest.mark.parametrize("n", [1, 3])
def test_organization_list_runs_a_fixed_number_of_queries(client, django_assert_num_queries, n):
    edition = make_edition()
    for i in range(1, n + 1):
        make_event(edition, f"区域赛{i}", seq=i, lead=(f"牵头{i}",), undertakers=(f"承办{i}",))

    # organizations with counts, current edition for the navigation
    with django_assert_num_queries(2):
        response = client.get(reverse("catalog:organization_list"))

    assert len(response.context["organizations"]) == 2 * n


def test_organization_detail_lists_events_with_role(client, plan):
    older = make_edition(8, is_current=False)
    make_regional(older, 1, "北京市", "110000", province="110000", lead=("北京市经济和信息化局",))
    org = Organization.objects.get(name="北京市经济和信息化局")

    response = client.get(reverse("catalog:organization_detail", args=[org.pk]))

    assert texts(response, "h1") == ["北京市经济和信息化局"]
    assert texts(response, "h2") == [
        "第9届“创客中国”中小企业创新创业大赛",
        "第8届“创客中国”中小企业创新创业大赛",
    ]
    assert texts(response, "ul", class_="role-list") == [
        "牵头 第九届“创客中国”北京市中小企业创新创业大赛 区域赛 · 北京市 "
        "主办 第九届“创客中国”网络安全中小企业创新创业大赛 专题赛 · 北京市",
        "牵头 第九届“创客中国”北京市中小企业创新创业大赛 区域赛 · 北京市",
    ]


@pytest.mark.parametrize("n", [1, 3])
def test_organization_detail_runs_a_fixed_number_of_queries(client, django_assert_num_queries, n):
    edition = make_edition()
    for i in range(1, n + 1):
        make_event(edition, f"区域赛{i}", seq=i, province="440000", lead=("广东省工业和信息化厅",))
    org = Organization.objects.get(name="广东省工业和信息化厅")

    # organization, its events, current edition for the navigation
    with django_assert_num_queries(3):
        response = client.get(reverse("catalog:organization_detail", args=[org.pk]))

    assert len(response.context["rows"]) == n


def test_organization_detail_unknown_is_404(client, plan):
    response = client.get(reverse("catalog:organization_detail", args=[987654]))

    assert response.status_code == 404


# --- language and accessibility ---------------------------------------------------------------


def test_language_switch_to_english_translates_the_interface(client, plan):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/editions/9/events/"})

    assert response.status_code == 302
    assert response["Location"] == "/editions/9/events/"

    response = client.get(event_list_url(plan["edition"], province="440000"))

    assert elements(response, "html")[0]["attrs"]["lang"] == "en"
    assert texts(response, "h1") == ["Events"]
    assert texts(response, "p", class_="result-count") == ["4 events"]
    assert texts(response, "label") == ["Category", "Province", "Event name"]
    assert texts(response, "button") == ["切换到简体中文", "Filter"]


def test_default_language_is_simplified_chinese(client, plan):
    response = client.get(reverse("catalog:home"))

    assert elements(response, "html")[0]["attrs"]["lang"] == "zh-Hans"
    assert texts(response, "button") == ["English", "搜索"]


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/editions/9/",
        "/editions/9/events/?province=440000",
        "/editions/9/mine/?province=440000",
        "/editions/9/mine/?province=440000&city=440300",
        "/organizations/",
    ],
)
def test_pages_have_landmarks_one_h1_skip_link_and_labelled_controls(client, plan, url):
    response = client.get(url)

    assert response.status_code == 200
    assert [a["attrs"]["href"] for a in elements(response, "a", class_="skip-link")] == ["#main"]
    assert [m["attrs"]["id"] for m in elements(response, "main")] == ["main"]
    assert len(elements(response, "header")) == 1
    assert len(elements(response, "footer")) == 1
    assert elements(response, "nav", class_="site-nav")[0]["attrs"]["aria-label"] == "主导航"
    assert len(elements(response, "h1")) == 1
    assert (
        elements(response, "meta", name="viewport")[0]["attrs"]["content"]
        == "width=device-width, initial-scale=1"
    )
    labelled = {label["attrs"].get("for") for label in elements(response, "label")}
    controls = [
        el["attrs"]["id"]
        for tag in ("input", "select", "textarea")
        for el in elements(response, tag)
        if el["attrs"].get("type") != "hidden"
    ]
    assert set(controls) <= labelled


def test_pages_do_not_skip_heading_levels(client, plan):
    urls = [
        "/",
        "/editions/9/events/",
        f"/editions/9/events/{plan['shenzhen'].pk}/",
        "/editions/9/mine/?province=110000",
        f"/organizations/{Organization.objects.get(name='北京市经济和信息化局').pk}/",
    ]
    outlines = {}
    for url in urls:
        parser = _Collector()
        parser.feed(client.get(url).content.decode())
        outlines[url] = [int(el["tag"][1]) for el in parser.elements if re.fullmatch(r"h[1-6]", el["tag"])]

    skipped = {
        url: levels
        for url, levels in outlines.items()
        if levels[0] != 1 or any(b - a > 1 for a, b in itertools.pairwise(levels))
    }
    assert skipped == {}
