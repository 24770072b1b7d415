"""The API under hostile input: control characters, dates no one means, numbers that are not numbers,
bodies that are not objects, multipart without a boundary — each refused with the field named, and
every refusal of the input a 422 in the documented shape (400 only for what cannot be read at all).
"""

import json
from datetime import datetime

import pytest
from django.conf import settings
from django.test import Client, override_settings

from contest.core.models import AuditRecord
from contest.registration.models import Enterprise, Entry
from contest.review.models import ReviewRound
from tests.api.test_registration_api import Api, as_json, enterprise_body
from tests.registration.factories import SHANGHAI, complete_entry, enterprise_owner, organizer_for, user

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

CONTROL = "含有不可见的控制字符，请删除后重试。"
ESC, NUL = "\x1b", "\x00"
ENTRY_TEXT_FIELDS = ("title", "summary", "innovation", "market", "business_model", "team_description",
                     "pitch_video_url")  # fmt: skip
IP_TEXT_FIELDS = ("kind", "name", "number")
OUT_OF_CALENDAR = "日期须在 2000-01-01 至 2099-12-31 之间。"


def shape_errors(response) -> list[tuple[list, str]]:
    """A 422 found before the services ran: each error's location and message."""
    return [(e["loc"], e["msg"]) for e in as_json(response, 422)["detail"]]


def raw(api: Api, method: str, path: str, body: str, content_type: str = "application/json"):
    return getattr(api.client, method)(
        f"/api/v1{path}", body, content_type=content_type, headers=api._headers()
    )


# -- text: control characters -------------------------------------------------------------------------


@pytest.mark.parametrize("char", [ESC, NUL], ids=["ESC", "NUL"])
@pytest.mark.parametrize("field", ENTRY_TEXT_FIELDS)
def test_entry_create_refuses_a_control_character_in_each_text_field(ningbo, field, char):
    owner = enterprise_owner()
    complete_entry(ningbo, owner=owner)  # opens registration
    before = Entry.objects.count()
    body = {"event_id": ningbo.pk, "group": "enterprise", "title": "项目", field: f"甲{char}乙"}

    response = Api(owner).post("/me/entries", body)

    assert shape_errors(response) == [(["body", "payload", field], CONTROL)]
    assert Entry.objects.count() == before


@pytest.mark.parametrize("char", [ESC, NUL], ids=["ESC", "NUL"])
@pytest.mark.parametrize("field", ENTRY_TEXT_FIELDS)
def test_entry_update_refuses_a_control_character_in_each_text_field(ningbo, field, char):
    entry = complete_entry(ningbo)
    before = (getattr(entry, field), entry.version)

    response = Api(entry.owner).put(f"/me/entries/{entry.pk}", {field: f"甲{char}乙"})

    assert shape_errors(response) == [(["body", "payload", field], CONTROL)]
    entry.refresh_from_db()
    assert (getattr(entry, field), entry.version) == before


@pytest.mark.parametrize("char", [ESC, NUL], ids=["ESC", "NUL"])
@pytest.mark.parametrize("field", IP_TEXT_FIELDS)
def test_entry_update_refuses_a_control_character_in_an_ip_item(ningbo, field, char):
    entry = complete_entry(ningbo)
    item = {"kind": "发明专利", "name": "一种方法", "number": "ZL1", field: f"甲{char}"}

    response = Api(entry.owner).put(f"/me/entries/{entry.pk}", {"ip_list": [item]})

    assert shape_errors(response) == [(["body", "payload", "ip_list", 0, field], CONTROL)]


@pytest.mark.parametrize(
    ("path", "body", "loc"),
    [
        ("/me/enterprise", {"contact_name": "张\x1b伟"}, ["body", "payload", "contact_name"]),
        ("/me/team", {"members": [{"name": "李\x00四"}]}, ["body", "payload", "members", 0, "name"]),
    ],
)
def test_profiles_refuse_control_characters_naming_the_field(db, path, body, loc):
    assert shape_errors(Api(user()).put(path, body)) == [(loc, CONTROL)]


def test_a_lone_surrogate_is_refused_not_a_server_error(ningbo):
    entry = complete_entry(ningbo)

    response = raw(Api(entry.owner), "put", f"/me/entries/{entry.pk}", '{"summary": "a\\ud800b"}')

    assert shape_errors(response) == [(["body", "payload", "summary"], CONTROL)]


def test_the_schema_says_required_text_is_not_empty(client):
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]

    title = schema["EntryCreateIn"]["properties"]["title"]["anyOf"][0]
    comment = schema["CommentIn"]["properties"]["comment"]
    summary = schema["EntryCreateIn"]["properties"]["summary"]["anyOf"][0]

    assert (title["minLength"], title["maxLength"], comment["minLength"]) == (1, 200, 1)
    assert schema["CommentIn"]["required"] == ["comment"]
    assert "minLength" not in summary  # a draft may leave it empty


# -- dates -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_founding_date_outside_the_calendar_is_refused(db, day):
    response = Api(user()).put("/me/enterprise", enterprise_body(founded_on=day))

    assert shape_errors(response) == [
        (["body", "payload", "founded_on"], "日期须在 1900-01-01 至 2099-12-31 之间。")
    ]
    assert Enterprise.objects.count() == 0


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59+08:00"])
def test_round_times_outside_the_calendar_are_refused(ningbo, moment):
    organizer = organizer_for(ningbo)
    body = {"event_id": ningbo.pk, "name": "网络初评", "stage": "preliminary", "opens_at": moment}

    response = Api(organizer).post("/rounds", body)

    assert shape_errors(response) == [(["body", "payload", "opens_at"], OUT_OF_CALENDAR)]
    assert ReviewRound.objects.count() == 0


# -- numbers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("employees", False, "请填写整数。"),
        ("employees", True, "请填写整数。"),
        ("employees", "1_0", "请填写整数。"),
        ("employees", "１０", "请填写整数。"),
        ("registered_capital", False, "请填写数字（如 88.5）。"),
        ("registered_capital", "1_0", "请填写数字（如 88.5）。"),
        ("registered_capital", "٥٠", "请填写数字（如 88.5）。"),
        ("revenue_last_year", "1e3", "请填写数字（如 88.5）。"),
    ],
)
def test_enterprise_numbers_refuse_booleans_and_digit_separators(db, field, value, message):
    response = Api(user()).put("/me/enterprise", enterprise_body(**{field: value}))

    assert shape_errors(response) == [(["body", "payload", field], message)]
    assert Enterprise.objects.count() == 0


@pytest.mark.parametrize("value", [False, "1_0"])
def test_finance_year_and_amounts_refuse_booleans_and_digit_separators(ningbo, value):
    entry = complete_entry(ningbo)
    row = {"year": value, "revenue": value, "profit": "1"}

    response = Api(entry.owner).put(f"/me/entries/{entry.pk}", {"finances": [row]})

    assert [loc for loc, _ in shape_errors(response)] == [
        ["body", "payload", "finances", 0, "year"], ["body", "payload", "finances", 0, "revenue"],
    ]  # fmt: skip


def test_a_decimal_sent_as_a_json_number_keeps_its_digits(ningbo):
    entry = complete_entry(ningbo)

    response = raw(Api(entry.owner), "put", f"/me/entries/{entry.pk}", '{"funding_sought": 2000.05}')

    assert as_json(response, 200)["funding_sought"] == "2000.05"


@pytest.mark.parametrize("body", ['{"funding_sought": NaN}', '{"funding_sought": Infinity}'])
def test_nan_and_infinity_are_not_json(ningbo, body):
    entry = complete_entry(ningbo)

    response = raw(Api(entry.owner), "put", f"/me/entries/{entry.pk}", body)

    assert as_json(response, 400) == {
        "detail": "请求体无法解析，应为 JSON。",
        "code": "bad_request",
        "field": None,
    }


@pytest.mark.parametrize("value", [True, "1_0"])
def test_round_counts_refuse_booleans_and_digit_separators(ningbo, value):
    organizer = organizer_for(ningbo)
    body = {"event_id": ningbo.pk, "name": "网络初评", "stage": "preliminary", "judges_per_entry": value}

    response = Api(organizer).post("/rounds", body)

    assert shape_errors(response) == [(["body", "payload", "judges_per_entry"], "请填写整数。")]


@pytest.mark.parametrize("path", ["/me/entries/1_0", "/me/entries/%EF%BC%91", "/events/1_0/entries?limit=5"])
def test_ids_in_the_path_refuse_digit_separators(ningbo, path):
    entry = complete_entry(ningbo)

    response = Api(entry.owner).get(path)

    assert shape_errors(response)[0][1] == "请填写整数。"


def test_paging_refuses_digit_separators(ningbo):
    organizer = organizer_for(ningbo)

    response = Api(organizer).get(f"/events/{ningbo.pk}/entries", limit="1_0")

    assert shape_errors(response) == [(["query", "limit"], "请填写整数。")]


# -- bodies that are not objects ------------------------------------------------------------------------

NOT_OBJECTS = ["[null, null]", '"x"', "1", "null", "[]", "true"]


@pytest.mark.parametrize("body", NOT_OBJECTS)
def test_enterprise_body_that_is_not_an_object_is_422(db, body):
    response = raw(Api(user()), "put", "/me/enterprise", body)

    assert response.status_code == 422
    assert as_json(response, 422)["detail"][0]["loc"] == ["body", "payload"]
    assert Enterprise.objects.count() == 0


@pytest.mark.parametrize("body", NOT_OBJECTS)
@pytest.mark.parametrize(
    ("method", "path"),
    [("put", "/me/entries/{id}"), ("post", "/me/entries/{id}/withdraw"), ("post", "/me/entries")],
)
def test_entry_bodies_that_are_not_objects_are_422_and_change_nothing(ningbo, method, path, body):
    entry = complete_entry(ningbo)
    before = (Entry.objects.count(), entry.version, entry.status)

    response = raw(Api(entry.owner), method, path.format(id=entry.pk), body)

    assert as_json(response, 422)["detail"][0]["loc"] == ["body", "payload"]
    entry.refresh_from_db()
    assert (Entry.objects.count(), entry.version, entry.status) == before


@pytest.mark.parametrize("body", ["[null, null]", '"x"', "1"])
def test_round_body_that_is_not_an_object_is_422(ningbo, body):
    response = raw(Api(organizer_for(ningbo)), "post", "/rounds", body)

    assert as_json(response, 422)["detail"][0]["loc"] == ["body", "payload"]
    assert ReviewRound.objects.count() == 0


@pytest.mark.parametrize("member", [1, "x", None, [None]])
def test_a_team_member_that_is_not_an_object_is_422(db, member):
    response = Api(user()).put("/me/team", {"name": "团队", "members": [member]})

    assert as_json(response, 422)["detail"][0]["loc"] == ["body", "payload", "members", 0]


# -- requests that cannot be read -------------------------------------------------------------------------

UNREADABLE_MULTIPART = {
    "detail": "multipart/form-data 请求体无法解析（缺少 boundary 或格式不正确）。",
    "code": "bad_request",
    "field": None,
}


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_multipart_without_boundary_is_a_json_400(ningbo, debug):
    entry = complete_entry(ningbo)
    before = (entry.business_plan_sha256, entry.version)
    api = Api(entry.owner)

    with override_settings(DEBUG=debug):
        response = raw(api, "post", f"/me/entries/{entry.pk}/business-plan", "--x\r\n", "multipart/form-data")

    assert (response.status_code, response["Content-Type"]) == (400, "application/json; charset=utf-8")
    assert response.json() == UNREADABLE_MULTIPART
    entry.refresh_from_db()
    assert (entry.business_plan_sha256, entry.version) == before


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_multipart_without_boundary_with_a_session_is_a_json_400(ningbo, debug):
    entry = complete_entry(ningbo)
    client = Client(enforce_csrf_checks=True)
    client.force_login(entry.owner)
    token = "a" * 32  # the cookie and the header agree: the CSRF check reads the body first
    client.cookies[settings.CSRF_COOKIE_NAME] = token

    with override_settings(DEBUG=debug):
        response = client.post(f"/api/v1/me/entries/{entry.pk}/business-plan", "--x\r\n",
                               content_type="multipart/form-data", headers={"X-CSRFToken": token})  # fmt: skip

    assert (response.status_code, response.json()) == (400, UNREADABLE_MULTIPART)


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_multipart_to_a_json_endpoint_is_a_json_400(db, debug):
    with override_settings(DEBUG=debug):
        response = raw(Api(user()), "put", "/me/enterprise", "--x\r\n", "multipart/form-data")

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_invalid_json_is_400(db):
    response = raw(Api(user()), "put", "/me/enterprise", "{")

    assert as_json(response, 400) == {
        "detail": "请求体无法解析，应为 JSON。",
        "code": "bad_request",
        "field": None,
    }


# -- one status for a refused input ------------------------------------------------------------------------


def test_withdrawing_with_a_control_character_in_the_reason_is_422_and_withdraws_nothing(ningbo):
    entry = complete_entry(ningbo)
    response = Api(entry.owner).post(f"/me/entries/{entry.pk}/withdraw", {"reason": "a\x1b"})

    assert shape_errors(response) == [(["body", "payload", "reason"], CONTROL)]
    assert AuditRecord.objects.filter(action="registration.entry.withdrawn").count() == 0


#: operations whose 422 may also be a report of what they refused (documented beside the contract)
REPORTS_422 = {"POST /api/v1/portal/entries"}


def test_every_operation_that_reads_input_documents_a_422_in_the_error_contract(client):
    document = client.get("/api/v1/openapi.json").json()
    missing, wrong, bare_400 = [], [], []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            name = f"{method.upper()} {path}"
            if not operation.get("parameters") and "requestBody" not in operation:
                continue
            responses = operation["responses"]
            if "422" not in responses:
                missing.append(name)
                continue
            shape = responses["422"]["content"]["application/json"]["schema"]
            refs = {s.get("$ref", "").rsplit("/", 1)[-1] for s in shape.get("anyOf", [shape])}
            # the portal's push also answers 422 with its per-item report (nothing written)
            expected = {"FieldErrorsOut", "ValidationErrorOut"} | (
                {"PushOut"} if name in REPORTS_422 else set()
            )
            if refs != expected:
                wrong.append(name)
            if "requestBody" in operation and "400" not in responses:
                bare_400.append(name)

    assert (missing, wrong, bare_400) == ([], [], [])


def test_round_with_closes_at_as_a_number_is_refused(ningbo):
    organizer = organizer_for(ningbo)
    body = {"event_id": ningbo.pk, "name": "网络初评", "stage": "preliminary", "closes_at": 1700000000}

    response = Api(organizer).post("/rounds", body)

    assert shape_errors(response) == [
        (["body", "payload", "closes_at"], "请填写带时区的时间，如 2024-08-01T09:00:00+08:00。")
    ]


def test_round_times_inside_the_calendar_are_kept(ningbo):
    organizer = organizer_for(ningbo)
    body = {"event_id": ningbo.pk, "name": "网络初评", "stage": "preliminary",
            "opens_at": "2024-08-01T09:00:00+08:00"}  # fmt: skip

    created = as_json(Api(organizer).post("/rounds", body), 201)

    assert created["opens_at"] == "2024-08-01T09:00:00+08:00"
    assert ReviewRound.objects.get().opens_at == datetime(2024, 8, 1, 9, tzinfo=SHANGHAI)


def test_json_body_text_round_trips(ningbo):
    entry = complete_entry(ningbo)
    body = json.dumps({"summary": "第一行\n\t第二行"})

    response = raw(Api(entry.owner), "put", f"/me/entries/{entry.pk}", body)

    assert as_json(response, 200)["summary"] == "第一行\n\t第二行"


@pytest.mark.parametrize("value", ["1e999999999", "1e-999999999", "2.5", "1e3000"])
def test_huge_or_fractional_numbers_for_an_integer_are_refused_at_once(ningbo, value):
    organizer = organizer_for(ningbo)
    body = f'{{"event_id": {ningbo.pk}, "name": "初评", "stage": "preliminary", "judges_per_entry": {value}}}'

    response = raw(Api(organizer), "post", "/rounds", body)

    assert shape_errors(response) == [(["body", "payload", "judges_per_entry"], "请填写整数。")]


@pytest.mark.parametrize("value", ["1e999999999", "1e-999999999", "-1e999999999"])
def test_huge_amounts_are_refused_at_once(ningbo, value):
    entry = complete_entry(ningbo)

    response = raw(Api(entry.owner), "put", f"/me/entries/{entry.pk}", f'{{"funding_sought": {value}}}')

    assert [loc for loc, _ in shape_errors(response)] == [["body", "payload", "funding_sought"]]


def json_body_operations(client) -> list[tuple[str, str]]:
    """The operations a signed-in user's session reaches with a JSON body (the portal's take the
    portal's own credentials; tests/portal/test_push.py sends them non-object bodies)."""
    document = client.get("/api/v1/openapi.json").json()
    return sorted(
        (method, path.replace("{id}", "1").replace("{event_id}", "1"))
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
        and not path.startswith("/api/v1/portal/")
    )


@pytest.mark.parametrize("body", ["[null, null]", '"x"', "1"])
def test_no_operation_reads_a_body_that_is_not_an_object_as_empty(client, body):
    client.force_login(user())
    operations = json_body_operations(client)

    answers = {
        f"{method.upper()} {path}": (
            response.status_code,
            response.json()["detail"][0]["loc"] if response.status_code == 422 else None,
        )
        for method, path in operations
        for response in [getattr(client, method)(path, body, content_type="application/json")]
    }

    assert len(operations) == 20
    assert answers == {name: (422, ["body", "payload"]) for name in answers}
