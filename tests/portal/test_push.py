"""Pushing entries through the portal API: both groups with their files, the report per item,
idempotency (replay and conflict), refusals before anything is read, recommendations."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

import pytest

from contest.accounts.models import Role
from contest.catalog.models import Event
from contest.core.models import AuditRecord
from contest.portal.models import PortalClient, PortalPush
from contest.registration.models import Entry
from contest.registration.services.intake import entry_content_sha256
from contest.review.models import Recommendation
from contest.review.services import set_recommendation_quota
from tests.registration.factories import SHANGHAI, enterprise_owner, open_registration, submitted_entry

from .factories import PortalApi, enterprise_item, maker_item, new_client, pdf_bytes, png_bytes

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def portal(ningbo):
    _, credential = new_client(ningbo)
    return PortalApi(credential)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_of(key_value: str) -> Entry:
    return Entry.objects.select_related("team", "enterprise").get(number=key_value)


# -- both groups, with files ---------------------------------------------------------------------


def test_a_push_of_both_groups_with_files_creates_each_entry_and_reports_it(portal, ningbo):
    plan, image, team_plan = pdf_bytes(2), png_bytes("red"), pdf_bytes(3)
    company = {**enterprise_item("GD-1"), "business_plan": "plan-1", "images": ["img-1"]}
    team = {**maker_item("GD-2"), "business_plan": "plan-2"}

    response = portal.push([company, team], key="batch-1", files={
        "plan-1": ("计划书.pdf", plan), "img-1": ("产品.png", image), "plan-2": ("团队计划书.pdf", team_plan),
    })  # fmt: skip

    assert response.status_code == 200
    body = response.json()
    made = {e.group.code: e for e in Entry.objects.filter(event=ningbo).select_related("group", "team")}
    assert body == {
        "accepted": True,
        "idempotency_key": "batch-1",
        "counts": {"created": 2, "updated": 0, "unchanged": 0, "invalid": 0},
        "recommended": 0,
        "items": [
            {"key": "GD-1", "group": "enterprise", "action": "created", "number": made["enterprise"].number,
             "content_sha256": entry_content_sha256(made["enterprise"]), "recommended": False, "problems": []},
            {"key": "GD-2", "group": "maker", "action": "created", "number": made["maker"].number,
             "content_sha256": entry_content_sha256(made["maker"]), "recommended": False, "problems": []},
        ],
    }  # fmt: skip
    company_entry, team_entry = made["enterprise"], made["maker"]
    assert (company_entry.source, company_entry.status, company_entry.credit_code) == (
        "portal", "submitted", company["fields"]["credit_code"])  # fmt: skip
    assert company_entry.business_plan_sha256 == sha256(plan)
    with company_entry.business_plan.open("rb") as stored:
        assert stored.read() == plan
    assert [i.sha256 for i in company_entry.images.all()] == [sha256(image)]
    assert team_entry.business_plan_sha256 == sha256(team_plan)
    assert [(m.name, m.phone) for m in team_entry.team.members.order_by("order")] == [
        ("王芳", "+8613900139000"), ("陈晨", "+8613700137000"), ("赵磊", "+8613600136000")]  # fmt: skip


def test_the_push_is_stored_under_its_key_and_audited(portal, ningbo):
    portal.push([enterprise_item("A")], key="k-audit")

    push = PortalPush.objects.get()
    record = AuditRecord.objects.get(action="portal.push.accepted")
    assert (push.key, push.http_status, push.accepted, push.counts) == (
        "k-audit", 200, True, {"created": 1, "updated": 0, "unchanged": 0, "invalid": 0})  # fmt: skip
    assert (record.object_id, record.scope) == (str(push.pk), f"event:{ningbo.pk}")
    assert record.data == {"client_id": push.client.client_id, "key": "k-audit", "body_sha256": push.body_sha256,
                           "counts": push.counts, "recommended": 0}  # fmt: skip
    assert AuditRecord.objects.filter(action="registration.intake.completed").count() == 1


def test_the_same_content_again_is_unchanged_and_a_change_is_an_update(portal):
    item = enterprise_item("A")
    first = portal.push([item], key="k1").json()["items"][0]
    again = portal.push([item], key="k2").json()["items"][0]
    item["fields"]["summary"] = "改写后的项目简介。"
    changed = portal.push([item], key="k3").json()["items"][0]

    entry = Entry.objects.get()
    assert [first["action"], again["action"], changed["action"]] == ["created", "unchanged", "updated"]
    assert first["number"] == again["number"] == changed["number"] == entry.number
    assert first["content_sha256"] == again["content_sha256"] != changed["content_sha256"]
    assert (entry.summary, changed["content_sha256"]) == ("改写后的项目简介。", entry_content_sha256(entry))


# -- the report of a refused push ------------------------------------------------------------------


def test_any_invalid_item_writes_nothing_and_the_report_names_every_problem(portal):
    good = enterprise_item("OK")
    bad_code = enterprise_item("BAD-CODE", code="91330203MA0000000X")
    bad_team = maker_item("BAD-TEAM", phone="123")
    missing = {**enterprise_item("NO-FILE"), "business_plan": "plan-9"}

    response = portal.push([good, bad_code, bad_team, missing], key="k-bad")

    assert response.status_code == 422
    body = response.json()
    assert body["accepted"] is False
    assert body["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "invalid": 3}
    assert [(i["key"], i["action"], i["number"], i["problems"]) for i in body["items"]] == [
        ("OK", "created", None, []),
        ("BAD-CODE", "invalid", None, [{"column": "credit_code", "message": "统一社会信用代码校验位不正确，请核对。"}]),
        ("BAD-TEAM", "invalid", None, [{"column": "leader_phone", "message": "请输入有效的中国大陆手机号。"},
                                       {"column": "members[0].phone", "message": "请输入有效的中国大陆手机号。"}]),
        ("NO-FILE", "invalid", None, [{"column": "business_plan", "message": "请求中没有名为“plan-9”的文件部分。"}]),
    ]  # fmt: skip
    assert Entry.objects.count() == 0
    assert (PortalPush.objects.get().http_status, PortalPush.objects.get().accepted) == (422, False)
    assert AuditRecord.objects.filter(action="portal.push.refused").count() == 1


def test_items_without_a_key_are_named_by_their_place_and_a_key_used_twice_is_a_problem(portal):
    nameless = enterprise_item()
    del nameless["key"]
    twice = enterprise_item("SAME")

    body = portal.push([nameless, twice, {**enterprise_item(), "key": "SAME"}], key="k").json()

    assert [(i["key"], i["problems"]) for i in body["items"]] == [
        ("items[0]", []), ("SAME", []), ("SAME", [{"column": "key", "message": "与 items[1] 的 key 重复。"}]),
    ]  # fmt: skip


def test_a_file_that_is_not_a_pdf_is_a_problem_of_its_item(portal):
    item = {**enterprise_item("X"), "business_plan": "plan"}

    body = portal.push([item], key="k", files={"plan": ("计划书.pdf", b"not a pdf at all")}).json()

    assert [p["column"] for p in body["items"][0]["problems"]] == ["business_plan"]
    assert Entry.objects.count() == 0


# -- idempotency ---------------------------------------------------------------------------------------


def test_replaying_a_key_with_the_same_body_answers_the_stored_response_without_writing(portal):
    files = {"plan": ("计划书.pdf", pdf_bytes())}
    item = {**enterprise_item("A"), "business_plan": "plan"}
    first = portal.push([item], key="once", files=files)
    audit_count, entry = AuditRecord.objects.count(), Entry.objects.get()

    replay = portal.push([item], key="once", files={"plan": ("计划书.pdf", pdf_bytes())})

    assert (replay.status_code, replay.json()) == (first.status_code, first.json())
    assert (replay["Idempotent-Replayed"], first.has_header("Idempotent-Replayed")) == ("true", False)
    assert (AuditRecord.objects.count(), PortalPush.objects.count(), Entry.objects.get().version) == (
        audit_count, 1, entry.version)  # fmt: skip


def test_replaying_a_refused_push_answers_the_same_422(portal):
    item = enterprise_item("A", code="91330203MA0000000X")
    first = portal.push([item], key="bad-once")

    replay = portal.push([item], key="bad-once")

    assert (replay.status_code, replay.json()) == (422, first.json())
    assert replay["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("change", ["field", "file"])
def test_the_same_key_with_a_different_body_is_a_409(portal, change):
    item = {**enterprise_item("A"), "business_plan": "plan"}
    portal.push([item], key="once", files={"plan": ("计划书.pdf", pdf_bytes(2))})
    pushed, title = PortalPush.objects.get(), item["fields"]["title"]
    if change == "field":
        item["fields"]["title"] = "另一个项目"
    plan = pdf_bytes(3 if change == "file" else 2)

    response = portal.push([item], key="once", files={"plan": ("计划书.pdf", plan)})

    assert response.status_code == 409
    assert response.json() == {
        "detail": f"幂等键“once”已用于另一份不同的推送（{pushed.created_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}）；"
        "新的推送请使用新的幂等键。",
        "code": "idempotency_key_reused",
        "field": "Idempotency-Key",
    }
    assert (PortalPush.objects.count(), Entry.objects.get().title, Entry.objects.get().version) == (
        1,
        title,
        1,
    )


def test_json_key_order_and_multipart_boundaries_do_not_make_a_different_body(portal):
    item = enterprise_item("A")
    first = portal.push([item], key="k")
    reordered = {**dict(reversed(list(item.items()))), "fields": dict(reversed(list(item["fields"].items())))}

    replay = portal.client.post(
        "/api/v1/portal/entries", json.dumps({"items": [reordered]}, ensure_ascii=False, indent=2),
        content_type="application/json", headers=portal.headers(**{"Idempotency-Key": "k"}),
    )  # fmt: skip

    assert (replay.status_code, replay.json(), replay["Idempotent-Replayed"]) == (200, first.json(), "true")


def test_a_key_is_a_key_of_one_client_only(ningbo, portal):
    _, other_credential = new_client(ningbo, name="备用平台")
    portal.push([enterprise_item("A")], key="shared")

    other = PortalApi(other_credential).push([enterprise_item("B")], key="shared")

    assert (other.status_code, other.json()["items"][0]["action"]) == (200, "created")
    assert PortalPush.objects.filter(key="shared").count() == 2


# -- refusals of the request itself ------------------------------------------------------------------


def test_a_body_declared_over_the_limit_is_refused_before_it_is_read(portal, settings):
    settings.PORTAL_MAX_REQUEST_BYTES = 1000

    response = portal.client.post(
        "/api/v1/portal/entries", b"{}", content_type="application/json",
        headers=portal.headers(**{"Idempotency-Key": "k"}), CONTENT_LENGTH="5000",
    )  # fmt: skip

    assert (response.status_code, response.json()) == (400, {
        "detail": "请求体过大（5000 字节，上限 0 MB）；请分批推送。", "code": "too_large", "field": None})  # fmt: skip
    assert PortalPush.objects.count() == 0


def test_a_file_over_its_own_limit_is_a_problem_of_its_item_found_by_its_size(portal):
    item = {**enterprise_item("A"), "business_plan": "plan"}
    huge = b"%PDF-1.7\n" + b"0" * (21 * 1024 * 1024)

    body = portal.push([item], key="k", files={"plan": ("计划书.pdf", huge)}).json()

    assert body["items"][0]["problems"] == [
        {"column": "business_plan", "message": "文件过大：21.0 MB，上限 20 MB。"}
    ]
    assert Entry.objects.count() == 0


@pytest.mark.parametrize(
    ("content_type", "data", "detail"),
    [
        ("application/json", b"{not json", "请求体无法解析，应为 JSON。"),
        ("application/json", b'{"items": [NaN]}', "请求体无法解析，应为 JSON。"),
        ("text/plain", b"items", "请求体应为 application/json 或 multipart/form-data。"),
    ],
)
def test_an_unreadable_body_is_a_400(portal, content_type, data, detail):
    response = portal.client.post(
        "/api/v1/portal/entries",
        data,
        content_type=content_type,
        headers=portal.headers(**{"Idempotency-Key": "k"}),
    )

    assert (response.status_code, response.json()) == (
        400,
        {"detail": detail, "code": "bad_request", "field": None},
    )


def test_a_document_of_the_wrong_shape_is_a_422_naming_the_place(portal):
    response = portal.client.post(
        "/api/v1/portal/entries", {"items": []}, content_type="application/json",
        headers=portal.headers(**{"Idempotency-Key": "k"}),
    )  # fmt: skip
    nul = portal.push([{**enterprise_item("A"), "group": "enterprise\x00"}], key="k2")

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "payload", "items"]]
    assert nul.status_code == 422
    assert [e["loc"] for e in nul.json()["detail"]] == [["body", "payload", "items", 0, "group"]]
    assert PortalPush.objects.count() == 0


def test_a_missing_or_odd_idempotency_key_is_a_422(portal):
    missing = portal.client.post(
        "/api/v1/portal/entries", {"items": [enterprise_item()]}, content_type="application/json",
        headers=portal.headers(),
    )  # fmt: skip
    odd = portal.push([enterprise_item()], key="空格 不行")

    assert (missing.status_code, odd.status_code) == (422, 422)
    assert [e["loc"] for e in missing.json()["detail"]] == [["header", "Idempotency-Key"]]
    assert Entry.objects.count() == 0


def test_multipart_needs_its_payload_part_and_every_file_must_be_named_by_an_item(portal):
    from django.core.files.uploadedfile import SimpleUploadedFile

    headers = portal.headers(**{"Idempotency-Key": "k"})
    no_payload = portal.client.post(
        "/api/v1/portal/entries", {"plan": SimpleUploadedFile("a.pdf", pdf_bytes())}, headers=headers
    )
    unused = portal.push([enterprise_item("A")], key="k", files={"stray": ("a.pdf", pdf_bytes())})

    assert (no_payload.status_code, no_payload.json()["fields"]) == (
        422, {"payload": "缺少部分“payload”（推送的 JSON 文档）。"})  # fmt: skip
    assert (unused.status_code, unused.json()["fields"]) == (
        422,
        {"stray": "文件部分“stray”没有被任何项目引用。"},
    )
    assert Entry.objects.count() == 0


# -- tenancy --------------------------------------------------------------------------------------


def test_a_credit_code_registered_in_another_event_is_a_problem_not_a_move(portal, edition9):
    shenzhen = Event.objects.get(edition=edition9, tier="regional", seq=33)
    open_registration(shenzhen)
    theirs = submitted_entry(shenzhen, enterprise_owner("440305"))

    body = portal.push([enterprise_item("A", code=theirs.credit_code)], key="k").json()

    assert body["accepted"] is False
    assert body["items"][0]["action"] == "invalid"
    assert Entry.objects.get(pk=theirs.pk).event == shenzhen
    assert Entry.objects.filter(event__tier="regional", event__seq=30).count() == 0


# -- recommendations ---------------------------------------------------------------------------------


def test_items_with_a_recommendation_are_recommended_into_the_national_review(portal, ningbo):
    set_recommendation_quota(by=None, event=ningbo, group_code="enterprise", count=2)
    picked = {**enterprise_item("A"), "recommendation": {"rank": 1, "score": "92.5", "award": "一等奖"}}

    body = portal.push([picked, enterprise_item("B")], key="k").json()

    rec = Recommendation.objects.get()
    assert (body["recommended"], [i["recommended"] for i in body["items"]]) == (1, [True, False])
    assert (rec.entry.number, rec.rank, rec.score, rec.award, rec.source) == (
        body["items"][0]["number"], 1, Decimal("92.5000"), "一等奖", "portal")  # fmt: skip


def test_a_recommendation_over_the_quota_refuses_the_whole_push_and_keeps_the_key_free(portal, ningbo):
    set_recommendation_quota(by=None, event=ningbo, group_code="enterprise", count=1)
    items = [{**enterprise_item(k), "recommendation": {"rank": r}} for r, k in enumerate(["A", "B"], start=1)]

    refused = portal.push(items, key="k")
    set_recommendation_quota(by=None, event=ningbo, group_code="enterprise", count=2)
    again = portal.push(items, key="k")

    assert (refused.status_code, refused.json()["detail"]) == (409, "企业组推荐 2 个，超过名额 1 个。")
    assert (again.status_code, again.json()["recommended"]) == (200, 2)
    assert PortalPush.objects.count() == 1


def test_more_files_than_a_request_may_carry_is_a_400(portal):
    files = {f"f{i}": (f"{i}.png", png_bytes()) for i in range(21)}
    item = {**enterprise_item("A"), "images": list(files)}

    response = portal.push([item], key="k", files=files)

    assert (response.status_code, response.json()) == (
        400, {"detail": "请求无法处理：格式不正确或字段过多。", "code": "bad_request", "field": None})  # fmt: skip
    assert (Entry.objects.count(), PortalPush.objects.count()) == (0, 0)


def test_a_credential_whose_creator_no_longer_manages_the_event_writes_nothing(ningbo):
    _, credential = new_client(ningbo)
    client = PortalClient.objects.get()
    Role.objects.filter(user=client.created_by).delete()

    response = PortalApi(credential).push([enterprise_item("A")], key="k")

    assert (response.status_code, response.json()) == (
        403, {"detail": "创建该凭据的账号已不再管理本赛事，推送不能写入；请由现任组织方新建凭据。",
              "code": "client_creator_gone", "field": None})  # fmt: skip
    assert (Entry.objects.count(), PortalPush.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"[1, 2]", 422),  # not an object
        (b"null", 422),
        (b'{"items": [{"group": "enterprise", "fields": {"title": "\\ud800"}}]}', 422),  # a lone surrogate
        (b'{"items": [{"group": "enterprise", "fields": {"employees": 1e999999999}}]}', 422),  # absurd number
        (b"[" * 100_000 + b"]" * 100_000, 400),  # nested past any parser's depth
    ],
)
def test_hostile_documents_are_refused_in_json_never_a_500(portal, raw, status):
    response = portal.client.post(
        "/api/v1/portal/entries", raw, content_type="application/json",
        headers=portal.headers(**{"Idempotency-Key": "k"}),
    )  # fmt: skip

    assert (response.status_code, response["Content-Type"]) == (status, "application/json; charset=utf-8")
    assert (Entry.objects.count(), PortalPush.objects.count()) == (0, 0)


def test_multipart_without_a_boundary_is_a_json_400(portal):
    response = portal.client.post(
        "/api/v1/portal/entries", b"--x\r\n", content_type="multipart/form-data",
        headers=portal.headers(**{"Idempotency-Key": "k"}),
    )  # fmt: skip

    assert (response.status_code, response.json()["code"]) == (400, "bad_request")
