"""Overseas entrants: enterprises registered abroad and teams based abroad enter the overseas
final (境外区域赛决赛) only, at one of its stations, with foreign registration numbers, passports
and mobiles of any country; they read deadlines in their own time zone beside Beijing time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from contest.catalog import services as catalog_services
from contest.catalog.countries import country_choices, country_name, main_time_zone
from contest.catalog.models import Event
from contest.core.errors import Conflict, FieldErrors, ValidationFailed
from contest.registration import services, validators
from contest.registration.exporters import entry_row, entry_rows, labels
from contest.registration.models import Enterprise, Entry, MakerTeam, TeamMember
from contest.registration.models.entrant import IdType
from contest.registration.services.entries import OVERSEAS_ENTRANT_ONLY, OVERSEAS_EVENT_ONLY
from contest.registration.templatetags.registration_windows import beside_beijing, entrant_time_zone
from tests.accounts.html import elements, field_errors, texts

from .factories import SHANGHAI, enterprise_owner, open_registration, user

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

OVERSEAS_ENTERPRISE = {
    "country": "DE", "name": "Müller Präzisionstechnik GmbH", "name_translated": "穆勒精密技术有限公司",
    "registration_number": "HRB 123456", "address": "Industriestraße 12, 70565 Stuttgart",
    "founded_on": "2015-04-01", "employees": "48", "revenue_last_year": "", "is_listed": False,
    "industry": "C", "contact_name": "Anna Müller", "contact_phone": "+49 1512 3456789",
}  # fmt: skip
OVERSEAS_TEAM = {
    "name": "Lion City Makers", "leader_name": "李思远", "leader_phone": "8123 4567", "country": "SG",
    "is_overseas": True, "declares_not_enterprise": True,
}  # fmt: skip
MEMBERS = [
    {"name": "王晨", "role": "Hardware", "phone": "+65 9123 4567", "nationality": "CN", "id_type": "passport",
     "id_number": "e1234 5678", "affiliation": "NUS"},
    {"name": "Tan Wei Ming", "role": "Software", "phone": "8123 4568", "nationality": "SG", "id_type": "passport",
     "id_number": "K1234567A", "affiliation": ""},
]  # fmt: skip


@pytest.fixture
def overseas(edition9):
    """The overseas final, open for registration, with its three stations."""
    event = Event.objects.get(edition=edition9, tier="overseas_final")
    open_registration(event)
    for order, (code, name, country, zone) in enumerate(
        [("hk", "香港", "HK", "Asia/Hong_Kong"), ("sg", "新加坡", "SG", "Asia/Singapore"),
         ("de", "德国", "DE", "Europe/Berlin")], start=1,
    ):  # fmt: skip
        catalog_services.create_zone(
            by=None, event=event, data={"code": code, "name": name, "name_en": "", "country": country,
                                        "time_zone": zone, "order": order},
        )  # fmt: skip
    return event


def overseas_enterprise_owner(**overrides):
    person = user()
    services.save_enterprise(by=person, data={**OVERSEAS_ENTERPRISE, **overrides})
    return person


def overseas_team_owner(**overrides):
    person = user()
    services.save_team(by=person, data={**OVERSEAS_TEAM, **overrides}, members=MEMBERS)
    return person


def refusal(fn, **kwargs) -> dict[str, str]:
    with pytest.raises(FieldErrors) as caught:
        fn(**kwargs)
    return caught.value.fields


# -- countries ------------------------------------------------------------------------------------


def test_country_names_come_in_the_active_language():
    assert country_name("DE", "zh") == "德国"
    assert country_name("DE", "en") == "Germany"
    assert country_name("HK", "zh") == "中国香港"
    assert country_name("TW", "en") == "Taiwan, China"
    with translation.override("en"):
        assert ("SG", "Singapore") in country_choices()
    assert ("SG", "新加坡（SG）") in country_choices(language="zh")
    assert len(country_choices()) == 249
    assert "CN" not in dict(country_choices(exclude=("CN",)))


def test_main_time_zone_is_the_capitals_where_zone_tab_lists_another_first():
    assert main_time_zone("DE") == "Europe/Berlin"
    assert main_time_zone("RU") == "Europe/Moscow"
    assert main_time_zone("AU") == "Australia/Sydney"
    assert main_time_zone("XX") is None


# -- validators ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+49 1512 3456789", "", "+4915123456789"),
        ("01512 3456789", "DE", "+4915123456789"),
        ("8123 4567", "SG", "+6581234567"),
        ("+852 5123 4567", "CN", "+85251234567"),
        ("138 1234 5678", "CN", "+8613812345678"),
    ],
)
def test_any_mobile_is_stored_in_e164(raw, region, expected):
    assert validators.normalize_any_mobile(raw, region=region, field="phone") == expected


@pytest.mark.parametrize(
    ("raw", "region", "message"),
    [
        ("", "DE", "请填写手机号。"),
        ("hello", "DE", "手机号格式不正确：请以 + 和国家代码开头，例如 +49 1512 3456789。"),
        ("8123 4567", "", "手机号格式不正确：请以 + 和国家代码开头，例如 +49 1512 3456789。"),
        ("+49 1512", "", "“+49 1512”不是有效的手机号，请检查国家代码和位数。"),
        ("+49 30 12345678", "", "请输入手机号（非固定电话）。"),
        ("+65 8123\x004567", "", "不能含有控制字符。"),
        ("+" + "1" * 40, "", "手机号过长。"),
    ],
)
def test_any_mobile_refusals_say_why(raw, region, message):
    with pytest.raises(ValidationFailed) as caught:
        validators.normalize_any_mobile(raw, region=region, field="phone")
    assert (caught.value.message, caught.value.field) == (message, "phone")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("HRB  123456", "HRB 123456"), ("201912345K", "201912345K"), ("0100-01-123456", "0100-01-123456"),
     ("12345678", "12345678"), ("FN 123456 a", "FN 123456 a")],
)  # fmt: skip
def test_registration_number_is_kept_as_printed(raw, expected):
    assert validators.normalize_registration_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "请填写注册号（所在国家或地区登记机关签发的号码）。"),
        ("1", "注册号应为 2–50 个字符（当前 1 个）。"),
        ("1" * 51, "注册号应为 2–50 个字符（当前 51 个）。"),
        ("HRB\x07123", "不能含有控制字符。"),
        ("HRB;123", "注册号只能包含字母、数字、空格和 - / . , ( ) # & : +。"),
        ("HRB_123", "注册号只能包含字母、数字、空格和 - / . , ( ) # & : +。"),
        ("GmbH", "注册号应至少包含一个数字。"),
    ],
)
def test_registration_number_refusals(raw, message):
    with pytest.raises(ValidationFailed) as caught:
        validators.normalize_registration_number(raw)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("id_type", "raw", "expected"),
    [
        (IdType.PASSPORT, "e1234 5678", "E12345678"),
        (IdType.HK_MACAO_PERMIT, "h1234-5678", "H12345678"),
        (IdType.HK_MACAO_PERMIT, "M1234567890", "M1234567890"),
        (IdType.TAIWAN_PERMIT, "12345678", "12345678"),
        (IdType.FOREIGN_PERMANENT_RESIDENCE, "912345678901234567", "912345678901234567"),
        (IdType.FOREIGN_PERMANENT_RESIDENCE, "USA123456789012", "USA123456789012"),
        (IdType.OTHER, "AB12345", "AB12345"),
    ],
)
def test_id_numbers_per_document_type(id_type, raw, expected):
    assert validators.normalize_id_number(raw, id_type=id_type) == expected


@pytest.mark.parametrize(
    ("id_type", "raw", "message"),
    [
        (IdType.HK_MACAO_PERMIT, "X12345678", "证件号码格式不正确，应形如 H12345678。"),
        (IdType.TAIWAN_PERMIT, "1234567", "证件号码格式不正确，应形如 12345678。"),
        (IdType.FOREIGN_PERMANENT_RESIDENCE, "812345678901234567", "证件号码格式不正确，应形如 9XXXXXXXXXXXXXXXXX。"),
        (IdType.PASSPORT, "E1", "证件号码应为 5–20 位字母或数字。"),
        (IdType.PASSPORT, "E123/4567", "证件号码应为 5–20 位字母或数字。"),
        (IdType.PASSPORT, "", "请填写证件号码。"),
    ],
)  # fmt: skip
def test_id_number_refusals(id_type, raw, message):
    with pytest.raises(ValidationFailed) as caught:
        validators.normalize_id_number(raw, id_type=id_type)
    assert caught.value.message == message


def test_id_types_are_the_five_documents():
    assert IdType.values == ["passport", "hk_macao_permit", "taiwan_permit", "foreign_pr", "other"]
    assert IdType.HK_MACAO_PERMIT.label == "港澳居民来往内地通行证"


# -- the database keeps integrity ----------------------------------------------------------------


def _enterprise(owner, **fields) -> Enterprise:
    base = {"name": "X", "division_code": "", "founded_on": "2020-01-01", "registered_capital": 0,
            "employees": 1, "revenue_last_year": 0, "industry": "C", "contact_name": "A", "contact_phone": "+1"}  # fmt: skip
    return Enterprise(owner=owner, **{**base, **fields})


def test_mainland_enterprise_needs_a_credit_code_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        _enterprise(user(), country="CN", credit_code=None).save()


def test_overseas_enterprise_needs_a_registration_number_and_no_credit_code():
    with pytest.raises(IntegrityError), transaction.atomic():
        _enterprise(user(), country="DE", credit_code=None, registration_number="").save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _enterprise(
            user(), country="DE", credit_code="91330203MA0000001X", registration_number="HRB 1"
        ).save()


def test_registration_number_is_unique_per_country_and_credit_code_only_when_present():
    _enterprise(user(), country="DE", registration_number="HRB 1").save()
    _enterprise(user(), country="AT", registration_number="HRB 1").save()  # another country: fine
    _enterprise(user(), country="FR", registration_number="42").save()  # two NULL credit codes: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        _enterprise(user(), country="DE", registration_number="HRB 1").save()
    assert Enterprise.objects.filter(credit_code__isnull=True).count() == 3


def test_overseas_team_needs_a_country_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        MakerTeam.objects.create(owner=user(), name="T", leader_name="L", leader_phone="+1", is_overseas=True)


# -- profiles --------------------------------------------------------------------------------------


def test_overseas_enterprise_is_saved_without_credit_code_or_division():
    person = overseas_enterprise_owner()
    e = Enterprise.objects.get(owner=person)
    assert (e.country, e.name, e.name_translated, e.registration_number, e.credit_code, e.division_id) == (
        "DE", "Müller Präzisionstechnik GmbH", "穆勒精密技术有限公司", "HRB 123456", None, None,
    )  # fmt: skip
    assert (e.contact_phone, e.employees, str(e.revenue_last_year), e.is_overseas) == (
        "+4915123456789", 48, "0.00", True,
    )  # fmt: skip


def test_overseas_enterprise_refusals_name_each_field():
    errors = refusal(
        services.save_enterprise, by=user(),
        data={**OVERSEAS_ENTERPRISE, "name": "", "registration_number": "GmbH", "contact_phone": "030 123456",
              "founded_on": "1800-01-01", "employees": "-3", "address": "a\x00b"},
    )  # fmt: skip
    assert errors == {
        "name": "请填写企业名称（原文）。",
        "registration_number": "注册号应至少包含一个数字。",
        "address": "含有不可见的控制字符，请删除后重试。",
        "founded_on": "成立日期应为 1900-01-01 以后的日期，格式 YYYY-MM-DD。",
        "employees": "从业人数应为不小于 0 的整数。",
        "contact_phone": "请输入手机号（非固定电话）。",
    }


def test_overseas_enterprise_country_must_be_foreign_and_iso():
    assert refusal(services.save_enterprise, by=user(), data={**OVERSEAS_ENTERPRISE, "country": "XX"}) == {
        "country": "“XX”不是 ISO 3166-1 国家或地区代码。"
    }
    assert validators.normalize_country("de") == "DE"
    with pytest.raises(ValidationFailed) as caught:
        validators.normalize_country("CN")
    assert caught.value.message == "中国大陆企业和团队请按境内方式登记（统一社会信用代码、大陆手机号）。"


def test_registration_number_taken_in_the_same_country_is_refused():
    overseas_enterprise_owner()
    assert refusal(
        services.save_enterprise, by=user(), data={**OVERSEAS_ENTERPRISE, "registration_number": "hrb 123456"}
    ) == {"registration_number": "该注册号已由其他账号登记；如需找回账号请联系赛事组织方。"}
    overseas_enterprise_owner(country="AT")  # the same number in Austria is another company
    assert Enterprise.objects.filter(registration_number="HRB 123456").count() == 2


def test_refusals_are_in_english_for_an_english_page():
    with translation.override("en"):
        errors = refusal(services.save_enterprise, by=user(), data={**OVERSEAS_ENTERPRISE, "name": ""})
    # msgid until the lead merges the PO fragment, the English text after: either way not empty
    assert list(errors) == ["name"]
    assert errors["name"] in (
        "请填写企业名称（原文）。",
        "Please fill in: Company name (original script).",
    )


def test_mainland_enterprise_is_unchanged():
    person = enterprise_owner()
    e = Enterprise.objects.get(owner=person)
    assert (e.country, e.registration_number, e.is_overseas, len(e.credit_code)) == ("CN", "", False, 18)
    assert e.division.code == "330200"


def test_overseas_team_members_carry_nationality_document_and_e164_phone():
    person = overseas_team_owner()
    team = MakerTeam.objects.get(owner=person)
    assert (team.is_overseas, team.country, team.division_id, team.leader_phone) == (
        True,
        "SG",
        None,
        "+6581234567",
    )
    rows = list(
        TeamMember.objects.filter(team=team).values_list("nationality", "id_type", "id_number", "phone")
    )
    assert rows == [
        ("CN", "passport", "E12345678", "+6591234567"),
        ("SG", "passport", "K1234567A", "+6581234568"),
    ]


def test_overseas_team_member_refusals():
    members = [{"name": "A", "phone": "12", "nationality": "ZZ", "id_type": "", "id_number": ""},
               {"name": "B", "phone": "+44 7400 123456", "nationality": "GB", "id_type": "taiwan_permit",
                "id_number": "X1"}]  # fmt: skip
    errors = refusal(services.save_team, by=user(), data={**OVERSEAS_TEAM, "country": ""}, members=members)
    assert errors == {
        "country": "请选择国家或地区。",
        "leader_phone": "手机号格式不正确：请以 + 和国家代码开头，例如 +49 1512 3456789。",
        "members-1-nationality": "“ZZ”不是 ISO 3166-1 国家或地区代码。",
        "members-1-id_type": "第 1 位成员：请选择证件类型。",
        "members-1-phone": "手机号格式不正确：请以 + 和国家代码开头，例如 +49 1512 3456789。",
        "members-2-id_number": "证件号码格式不正确，应形如 12345678。",
    }


def test_mainland_team_still_needs_mainland_mobiles():
    members = [{"name": "甲", "role": "", "phone": "+65 9123 4567", "affiliation": ""}]
    errors = refusal(
        services.save_team, by=user(),
        data={"name": "T", "leader_name": "L", "leader_phone": "13812345678", "division": "330200",
              "declares_not_enterprise": True},
        members=members,
    )  # fmt: skip
    assert errors == {"members-1-phone": "请输入有效的中国大陆手机号。"}


# -- eligibility ----------------------------------------------------------------------------------


def test_mainland_entrant_cannot_enter_the_overseas_event(overseas):
    with pytest.raises(ValidationFailed) as caught:
        services.create_entry(by=enterprise_owner(), event=overseas, group_code="enterprise", data={"title": "P"},
                              zone="de")  # fmt: skip
    assert (caught.value.message, caught.value.field) == (
        "境外区域赛决赛只接受境外企业和境外团队报名；中国大陆的企业和团队请报名区域赛或专题赛。", "event",
    )  # fmt: skip
    assert caught.value.message == OVERSEAS_EVENT_ONLY


def test_overseas_entrant_enters_the_overseas_event_only(overseas, ningbo):
    person = overseas_enterprise_owner()
    with pytest.raises(ValidationFailed) as caught:
        services.create_entry(by=person, event=ningbo, group_code="enterprise", data={"title": "P"})
    assert caught.value.message == "境外企业和境外团队只能报名境外区域赛决赛。" == OVERSEAS_ENTRANT_ONLY


def test_overseas_entrant_must_pick_a_station_of_the_event(overseas):
    person = overseas_enterprise_owner()
    for zone in (None, "", "mars"):
        with pytest.raises(ValidationFailed) as caught:
            services.create_entry(
                by=person, event=overseas, group_code="enterprise", data={"title": "P"}, zone=zone
            )
        assert (caught.value.message, caught.value.field) == ("请选择参加的赛区站点。", "zone")
    assert not Entry.objects.exists()


def test_overseas_enterprise_entry_belongs_to_its_station(overseas):
    person = overseas_enterprise_owner()
    entry = services.create_entry(
        by=person, event=overseas, group_code="enterprise", data={"title": "P"}, zone="de"
    )
    assert (entry.zone.code, entry.credit_code, entry.division_id, entry.entrant_name) == (
        "de", None, None, "Müller Präzisionstechnik GmbH",
    )  # fmt: skip
    with pytest.raises(Conflict) as caught:
        services.create_entry(
            by=person, event=overseas, group_code="enterprise", data={"title": "Q"}, zone="sg"
        )
    assert caught.value.message == f"本届每个企业（团队）只能报名一个项目，已在“{overseas.name}”报名“P”。"


def test_overseas_team_enters_by_zone_code_in_data(overseas):
    person = overseas_team_owner()
    entry = services.create_entry(
        by=person, event=overseas, group_code="maker", data={"title": "P", "zone": "sg"}
    )
    assert (entry.zone.name, entry.team.country, entry.division_id) == ("新加坡", "SG", None)


def test_one_entry_per_enterprise_per_edition_in_the_database(overseas):
    person = overseas_enterprise_owner()
    entry = services.create_entry(
        by=person, event=overseas, group_code="enterprise", data={"title": "P"}, zone="de"
    )
    twin = Entry(edition=entry.edition, event=entry.event, group=entry.group, owner=person,
                 enterprise=entry.enterprise, title="Q", industry="C", summary="")  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


# -- deadlines in the entrant's zone ---------------------------------------------------------------


def test_deadline_is_shown_beside_beijing_time():
    closes = datetime(2024, 8, 1, 0, 0, tzinfo=SHANGHAI)
    assert beside_beijing(closes, "Europe/Berlin") == "2024-07-31 24:00 北京时间（18:00 Europe/Berlin）"
    assert beside_beijing(closes, "Asia/Tokyo") == "2024-07-31 24:00 北京时间（2024-08-01 01:00 Asia/Tokyo）"
    assert beside_beijing(closes, "America/New_York") == "2024-07-31 24:00 北京时间（12:00 America/New_York）"
    assert beside_beijing(closes, "Asia/Shanghai") == "2024-07-31 24:00 北京时间"
    assert beside_beijing(closes, None) == "2024-07-31 24:00 北京时间"
    assert beside_beijing(closes, "Not/AZone") == "2024-07-31 24:00 北京时间"
    assert beside_beijing(datetime(2024, 7, 31, 9, 30, tzinfo=UTC), "Europe/Berlin") == (
        "2024-07-31 17:30 北京时间（11:30 Europe/Berlin）"
    )


def test_entrant_zone_is_the_station_else_the_country(overseas):
    person = overseas_enterprise_owner()
    assert entrant_time_zone(user=person) == "Europe/Berlin"
    entry = services.create_entry(
        by=person, event=overseas, group_code="enterprise", data={"title": "P"}, zone="hk"
    )
    assert entrant_time_zone(entry=entry) == "Asia/Hong_Kong"
    assert entrant_time_zone(user=enterprise_owner()) is None
    assert entrant_time_zone(user=overseas_team_owner()) == "Asia/Singapore"


# -- pages ------------------------------------------------------------------------------------------


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_profile_choice_offers_overseas_enterprise_and_team():
    page = signed_in(user()).get(reverse("registration:profile"))
    links = [el["attrs"]["href"] for el in elements(page, "a", class_="choice")]
    assert links == ["/me/profile/enterprise/", "/me/profile/team/", "/me/profile/enterprise/?overseas=1",
                     "/me/profile/team/?overseas=1"]  # fmt: skip


def test_overseas_enterprise_form_saves_and_leads_to_a_new_entry():
    person = user()
    client = signed_in(person)
    page = client.get(reverse("registration:enterprise") + "?overseas=1")
    assert [o["attrs"]["value"] for o in elements(page, "option") if o["attrs"].get("value") == "CN"] == []
    post = {**OVERSEAS_ENTERPRISE, "is_listed": "", "overseas": "1"}
    response = client.post(reverse("registration:enterprise") + "?overseas=1", post)
    assert (response.status_code, response["Location"]) == (302, reverse("registration:entry_new"))
    assert Enterprise.objects.get(owner=person).registration_number == "HRB 123456"
    # the saved overseas profile opens the overseas form again
    again = client.get(reverse("registration:enterprise"))
    assert elements(again, "input", name="registration_number")[0]["attrs"]["value"] == "HRB 123456"


def test_overseas_enterprise_form_shows_errors_beside_fields():
    client = signed_in(user())
    post = {**OVERSEAS_ENTERPRISE, "is_listed": "", "overseas": "1", "contact_phone": "12"}
    page = client.post(reverse("registration:enterprise") + "?overseas=1", post)
    assert page.status_code == 200
    assert field_errors(page) == ["“12”不是有效的手机号，请检查国家代码和位数。"]


def test_overseas_team_form_saves_members():
    person = user()
    client = signed_in(person)
    post = {"overseas": "1", "name": "Lion City Makers", "country": "SG", "leader_name": "李思远",
            "leader_phone": "+65 8123 4567", "declares_not_enterprise": "on"}  # fmt: skip
    for i, member in enumerate(MEMBERS, start=1):
        post.update({f"members-{i}-{k}": v for k, v in member.items()})
    post.update({"members-3-name": "", "members-3-phone": ""})
    response = client.post(reverse("registration:team") + "?overseas=1", post)
    assert response.status_code == 302
    team = MakerTeam.objects.get(owner=person)
    assert (team.is_overseas, team.members.count()) == (True, 2)


def test_overseas_team_member_errors_show_in_their_rows():
    client = signed_in(user())
    post = {"overseas": "1", "name": "T", "country": "SG", "leader_name": "L", "leader_phone": "+65 8123 4567",
            "declares_not_enterprise": "on", "members-1-name": "A", "members-1-nationality": "SG",
            "members-1-id_type": "passport", "members-1-id_number": "K1234567A", "members-1-phone": "+65 6123 4567"}  # fmt: skip
    page = client.post(reverse("registration:team") + "?overseas=1", post)
    assert field_errors(page) == ["请输入手机号（非固定电话）。"]


def test_overseas_entry_new_offers_the_overseas_event_and_its_stations(overseas):
    person = overseas_team_owner()
    client = signed_in(person)
    page = client.get(reverse("registration:entry_new"))
    events = [o["attrs"]["value"] for o in elements(page, "option") if o["attrs"].get("value", "").isdigit()]
    assert events == [str(overseas.pk)]
    zones = [
        o["attrs"]["value"] for o in elements(page, "option") if o["attrs"].get("value") in ("hk", "sg", "de")
    ]
    assert [s["attrs"]["name"] for s in elements(page, "select")] == ["event", "zone"]
    assert zones == ["hk", "sg", "de"]
    assert texts(page, "p", class_="deadline-line")[0].startswith(
        "报名截止：2030-07-31 24:00 北京时间（2030-08-01 00:00 Asia/Singapore）"
    )
    response = client.post(
        reverse("registration:entry_new"), {"event": str(overseas.pk), "zone": "sg", "title": "P"}
    )
    entry = Entry.objects.get(owner=person)
    assert (response.status_code, entry.zone.code) == (302, "sg")


def test_overseas_entry_new_without_station_says_so(overseas):
    client = signed_in(overseas_team_owner())
    page = client.post(
        reverse("registration:entry_new"), {"event": str(overseas.pk), "zone": "", "title": "P"}
    )
    assert field_errors(page) == ["请选择参加的赛区站点。"]


def test_entry_list_shows_the_deadline_in_the_station_zone(overseas):
    person = overseas_enterprise_owner()
    services.create_entry(by=person, event=overseas, group_code="enterprise", data={"title": "P"}, zone="de")
    page = signed_in(person).get(reverse("registration:entry_list"))
    assert "报名截止：2030-07-31 24:00 北京时间（18:00 Europe/Berlin）" in page.content.decode()


def test_mainland_entry_new_says_the_overseas_event_is_for_overseas_entrants(overseas, ningbo):
    page = signed_in(enterprise_owner()).get(reverse("registration:entry_new"))
    assert texts(page, "p", class_="overseas-note") == [OVERSEAS_EVENT_ONLY]
    offered = [o["attrs"]["value"] for o in elements(page, "option")]
    assert str(overseas.pk) not in offered


# -- the JSON API ----------------------------------------------------------------------------------


def test_api_takes_an_overseas_enterprise_and_its_entry_at_a_station(overseas):
    from tests.api.test_registration_api import Api, as_json

    api = Api(user())
    body = {**OVERSEAS_ENTERPRISE, "revenue_last_year": None}
    profile = as_json(api.put("/me/enterprise", body), 200)
    profile.pop("updated_at")
    assert profile == {
        "country": "DE", "name": "Müller Präzisionstechnik GmbH", "name_translated": "穆勒精密技术有限公司",
        "registration_number": "HRB 123456", "address": "Industriestraße 12, 70565 Stuttgart",
        "founded_on": "2015-04-01", "registered_capital": "0.00", "employees": 48, "revenue_last_year": "0.00",
        "is_listed": False, "industry": "C", "contact_name": "Anna Müller", "contact_phone": "+4915123456789",
    }  # fmt: skip
    refused = as_json(
        api.post("/me/entries", {"event_id": overseas.pk, "group": "enterprise", "title": "P"}), 422
    )
    assert refused["fields"] == {"zone": "请选择参加的赛区站点。"}
    created = as_json(
        api.post("/me/entries", {"event_id": overseas.pk, "group": "enterprise", "title": "P", "zone": "de"}),
        201,
    )
    assert created["entrant"] == {
        "kind": "enterprise",
        "name": "Müller Präzisionstechnik GmbH",
        "credit_code": None,
    }
    assert Entry.objects.get(pk=created["id"]).zone.code == "de"


def test_api_refuses_a_mainland_entrant_in_the_overseas_event(overseas):
    from tests.api.test_registration_api import Api, as_json

    api = Api(enterprise_owner())
    refused = as_json(
        api.post("/me/entries", {"event_id": overseas.pk, "group": "enterprise", "title": "P"}), 422
    )
    assert refused["fields"] == {"event": OVERSEAS_EVENT_ONLY}


def test_api_takes_an_overseas_team_with_documents():
    from tests.api.test_registration_api import Api, as_json

    body = {**OVERSEAS_TEAM, "members": MEMBERS}
    team = as_json(Api(user()).put("/me/team", body), 200)
    assert (team["is_overseas"], team["country"], team["leader_phone"]) == (True, "SG", "+6581234567")
    assert [(m["nationality"], m["id_type"], m["id_number"], m["phone"]) for m in team["members"]] == [
        ("CN", "passport", "E12345678", "+6591234567"), ("SG", "passport", "K1234567A", "+6581234568"),
    ]  # fmt: skip


def test_entry_page_names_the_station_and_its_zone(overseas):
    person = overseas_enterprise_owner()
    entry = services.create_entry(
        by=person, event=overseas, group_code="enterprise", data={"title": "P"}, zone="de"
    )
    page = signed_in(person).get(reverse("registration:entry_edit", args=[entry.pk]))
    assert texts(page, "span", id="entry-zone") == ["德国"]
    assert texts(page, "p", class_="deadline-line")[0].startswith(
        "报名截止：2030-07-31 24:00 北京时间（18:00 Europe/Berlin）"
    )


def test_export_rows_name_the_station_the_country_and_the_registration_number(overseas):
    enterprise = services.create_entry(by=overseas_enterprise_owner(), event=overseas, group_code="enterprise",
                                       data={"title": "P"}, zone="de")  # fmt: skip
    team = services.create_entry(by=overseas_team_owner(), event=overseas, group_code="maker",
                                 data={"title": "Q"}, zone="sg")  # fmt: skip
    keys = ("赛区站点", "企业名称", "统一社会信用代码", "注册国家或地区", "注册号（境外）", "团队名称")
    queryset = Entry.objects.filter(pk__in=[enterprise.pk, team.pk]).order_by("pk")

    from_values = [{k: row[k] for k in keys if k in row} for row in entry_rows(entries=queryset)]
    from_objects = [
        {k: row[k] for k in keys if k in row} for row in (entry_row(e, labels()) for e in queryset)
    ]

    assert from_values == from_objects == [
        {"赛区站点": "德国", "企业名称": "Müller Präzisionstechnik GmbH", "统一社会信用代码": None,
         "注册国家或地区": "德国", "注册号（境外）": "HRB 123456"},
        {"赛区站点": "新加坡", "注册国家或地区": "新加坡", "团队名称": "Lion City Makers"},
    ]  # fmt: skip
