"""Registration over /api/v1/: token and session sign-in, the entry lifecycle, tenancy, refusals.

Every write goes through ``registration.services``; these tests check what the API makes of
them: exact JSON bodies, status codes, and that a refused request leaves nothing changed.
"""

import hashlib
from datetime import date, datetime

import pytest
import time_machine
from django.test import Client

from contest.accounts import tokens
from contest.accounts.enums import RoleKind
from contest.accounts.models import ApiToken, Role
from contest.catalog.models import Event
from contest.core.models import AuditRecord
from contest.registration import services
from contest.registration.models import Entry, EntryTransition, Submission
from tests.registration.factories import (
    ENTERPRISE,
    ENTRY,
    SHANGHAI,
    complete_entry,
    credit_code,
    enterprise_owner,
    open_registration,
    organizer_for,
    pdf_bytes,
    submitted_entry,
    user,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

NOON = datetime(2024, 7, 1, 12, tzinfo=SHANGHAI)
NOON_TEXT = "2024-07-01T12:00:00+08:00"
NINGBO = "第九届“创客中国”宁波市中小企业创新创业大赛"
UNAUTHENTICATED = {
    "detail": "请先登录，或在请求头中提供 API 令牌：Authorization: Bearer <令牌>。",
    "code": "unauthenticated",
    "field": None,
}
ENTRY_NOT_FOUND = {"detail": "未找到该项目。", "code": "entry_not_found", "field": "id"}


class Api:
    """A client signed in with a bearer token (or not at all), speaking JSON."""

    def __init__(self, person=None, *, key: str | None = None):
        self.client = Client()
        self.key = key or (tokens.issue_api_token(by=person, name="测试")[1] if person else None)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params, headers=self._headers())

    def post(self, path: str, body: dict | None = None):
        return self.client.post(
            f"/api/v1{path}", body or {}, content_type="application/json", headers=self._headers()
        )

    def put(self, path: str, body: dict):
        return self.client.put(
            f"/api/v1{path}", body, content_type="application/json", headers=self._headers()
        )

    def upload(self, path: str, name: str, data: bytes):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return self.client.post(
            f"/api/v1{path}", {"file": SimpleUploadedFile(name, data)}, headers=self._headers()
        )


@pytest.fixture
def anonymous() -> Api:
    return Api()


def as_json(response, status: int):
    assert response.status_code == status, response.content.decode()
    return response.json()


def enterprise_body(**overrides) -> dict:
    return {**ENTERPRISE, "credit_code": credit_code("330203"), **overrides}


# -- signing in ------------------------------------------------------------------------------------


PROTECTED = [
    ("get", "/me/enterprise"), ("put", "/me/enterprise"), ("get", "/me/team"), ("put", "/me/team"),
    ("get", "/me/entries"), ("post", "/me/entries"), ("get", "/me/entries/1"), ("put", "/me/entries/1"),
    ("post", "/me/entries/1/business-plan"), ("post", "/me/entries/1/submit"),
    ("post", "/me/entries/1/withdraw"), ("get", "/events/1/entries"), ("get", "/entries/1"),
    ("post", "/entries/1/qualify"), ("post", "/entries/1/return"), ("post", "/entries/1/disqualify"),
    ("post", "/entries/1/reopen"), ("get", "/tokens"), ("post", "/tokens"), ("post", "/tokens/1/revoke"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_protected_endpoint_without_sign_in_is_401(anonymous, method, path):
    response = getattr(anonymous.client, method)(f"/api/v1{path}", {}, content_type="application/json")
    assert as_json(response, 401) == UNAUTHENTICATED


def test_unknown_bearer_key_is_401_even_with_a_session(ningbo):
    person = enterprise_owner()
    api = Api(key="ck_not-a-real-key")
    api.client.force_login(person)
    assert as_json(api.get("/me/entries"), 401) == {
        "detail": "API 令牌无效或已撤销。",
        "code": "unauthenticated",
        "field": None,
    }


@time_machine.travel(NOON, tick=False)
def test_token_is_created_with_the_session_shown_once_and_stored_as_sha256(db):
    person = user()
    client = Client()
    client.force_login(person)
    body = as_json(
        client.post("/api/v1/tokens", {"name": " ERP 对接 "}, content_type="application/json"), 201
    )
    token = ApiToken.objects.get()
    key = body.pop("key")
    assert body == {
        "id": token.pk, "name": "ERP 对接", "prefix": key[:8], "created_at": NOON_TEXT,
        "last_used_at": None, "revoked_at": None,
    }  # fmt: skip
    assert (key[:3], len(key), token.key_hash, token.user_id) == (
        "ck_",
        46,
        hashlib.sha256(key.encode()).hexdigest(),
        person.pk,
    )
    assert as_json(client.get("/api/v1/tokens"), 200) == [body]
    record = AuditRecord.objects.get(action="accounts.api_token.issued")
    assert record.data == {"name": "ERP 对接", "prefix": key[:8], "ip": "127.0.0.1", "user_agent": ""}
    assert key not in str(record.data)


def test_token_cannot_mint_another_token(db):
    api = Api(user())
    assert as_json(api.post("/tokens", {"name": "再来一个"}), 401) == UNAUTHENTICATED
    assert ApiToken.objects.count() == 1


def test_token_name_is_required(db):
    client = Client()
    client.force_login(user())
    response = client.post("/api/v1/tokens", {"name": "  "}, content_type="application/json")
    assert as_json(response, 422) == {
        "detail": "请填写令牌用途，便于日后辨认。",
        "code": "invalid",
        "field": "name",
        "fields": {"name": "请填写令牌用途，便于日后辨认。"},
    }


def test_token_use_records_last_used_at(db):
    api = Api(user())
    with time_machine.travel(NOON, tick=False):
        as_json(api.get("/me/entries"), 200)
        assert as_json(api.get("/tokens"), 200)[0]["last_used_at"] == NOON_TEXT
    with time_machine.travel(datetime(2024, 7, 1, 12, 0, 59, tzinfo=SHANGHAI), tick=False):
        as_json(api.get("/me/entries"), 200)  # within a minute: not written again
    assert ApiToken.objects.get().last_used_at == NOON
    with time_machine.travel(datetime(2024, 7, 1, 12, 1, tzinfo=SHANGHAI), tick=False):
        as_json(api.get("/me/entries"), 200)
    assert ApiToken.objects.get().last_used_at == datetime(2024, 7, 1, 12, 1, tzinfo=SHANGHAI)


def test_revoked_token_is_refused(db):
    person = user()
    api = Api(person)
    token = ApiToken.objects.get()
    with time_machine.travel(NOON, tick=False):
        body = as_json(api.post(f"/tokens/{token.pk}/revoke"), 200)
    assert (body["id"], body["revoked_at"]) == (token.pk, NOON_TEXT)
    assert as_json(api.get("/me/entries"), 401) == {
        "detail": "API 令牌无效或已撤销。",
        "code": "unauthenticated",
        "field": None,
    }
    assert (
        AuditRecord.objects.filter(action="accounts.api_token.revoked", object_id=str(token.pk)).count() == 1
    )


def test_someone_else_s_token_cannot_be_revoked(db):
    api = Api(user())
    theirs, _ = tokens.issue_api_token(by=user(), name="别人的")
    assert as_json(api.post(f"/tokens/{theirs.pk}/revoke"), 404) == {
        "detail": "没有这个令牌。",
        "code": "token_not_found",
        "field": "id",
    }
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_inactive_user_s_token_is_refused(db):
    person = user()
    api = Api(person)
    person.is_active = False
    person.save()
    assert api.get("/me/entries").status_code == 401


def test_session_write_without_csrf_token_is_403(ningbo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(enterprise_owner())
    response = client.post(
        "/api/v1/me/entries", {"event_id": ningbo.pk, "group": "enterprise"}, content_type="application/json"
    )
    assert as_json(response, 403) == {
        "detail": "CSRF 校验失败：请刷新页面后重试。",
        "code": "csrf_failed",
        "field": None,
    }
    assert Entry.objects.count() == 0


def test_session_write_with_csrf_token_is_accepted(ningbo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(enterprise_owner())
    client.get("/api/v1/me/entries")  # any page would do; the test sets the cookie below
    from django.middleware.csrf import _get_new_csrf_string

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    response = client.post(
        "/api/v1/me/entries",
        {"event_id": ningbo.pk, "group": "enterprise", "title": "网页里调接口"},
        content_type="application/json",
        headers={"X-CSRFToken": secret},
    )
    assert as_json(response, 201)["title"] == "网页里调接口"


# -- the whole lifecycle through the API with a token ---------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_lifecycle_through_the_api_with_a_token(ningbo):
    entrant = user()
    api = Api(entrant)
    code = credit_code("330203")

    profile = as_json(api.put("/me/enterprise", {**ENTERPRISE, "credit_code": code}), 200)
    assert profile == {
        "name": "宁波创新科技有限公司", "credit_code": code, "division_code": "330203",
        "division": {"code": "330200", "name": "宁波市"}, "division_confirmed": True,
        "founded_on": "2020-05-01", "registered_capital": "500.00", "employees": 45,
        "revenue_last_year": "3200.50", "is_listed": False, "industry": "C", "sme_status": "srdi",
        "contact_name": "张伟", "contact_phone": "+8613812345678", "updated_at": NOON_TEXT,
    }  # fmt: skip
    assert as_json(api.get("/me/enterprise"), 200) == profile

    created = as_json(api.post("/me/entries", {"event_id": ningbo.pk, "group": "enterprise",
                                               "title": ENTRY["title"]}), 201)  # fmt: skip
    entry_id = created["id"]
    assert created == {
        "id": entry_id, "number": None, "status": "draft", "status_label": "草稿", "edition": 9,
        "event": {"id": ningbo.pk, "name": NINGBO}, "group": "enterprise", "title": "工业视觉缺陷检测平台",
        "entrant": {"kind": "enterprise", "name": "宁波创新科技有限公司", "credit_code": code},
        "submitted_at": None, "updated_at": NOON_TEXT, "industry": "C", "summary": "", "innovation": "",
        "market": "", "business_model": "", "team_description": "", "finances": [], "funding_sought": None,
        "ip_list": [], "pitch_video_url": "", "business_plan": None, "organizer_comment": "", "version": 1,
        "created_at": NOON_TEXT,
    }  # fmt: skip

    fields = {k: v for k, v in ENTRY.items() if k != "title"}
    edited = as_json(api.put(f"/me/entries/{entry_id}", {**fields, "expected_version": 1}), 200)
    shown = ("version", "industry", "summary", "finances", "funding_sought", "ip_list")
    assert {k: edited[k] for k in shown} == {
        "version": 2, "industry": "I", "summary": "基于深度学习的表面缺陷检测，面向中小制造企业。",
        "finances": [{"year": 2021, "revenue": "100.00", "profit": "-20.00"},
                     {"year": 2022, "revenue": "800.00", "profit": "50.00"},
                     {"year": 2023, "revenue": "3200.50", "profit": "400.00"}],
        "funding_sought": "2000.00",
        "ip_list": [{"kind": "发明专利", "name": "一种缺陷检测方法", "number": "ZL2022xxxx"}],
    }  # fmt: skip

    pdf = pdf_bytes()
    uploaded = as_json(api.upload(f"/me/entries/{entry_id}/business-plan", "计划书.pdf", pdf), 200)
    sha = hashlib.sha256(pdf).hexdigest()
    assert (uploaded["business_plan"], uploaded["version"]) == (
        {"name": "计划书.pdf", "sha256": sha, "pages": 2, "size": len(pdf)},
        3,
    )

    receipt = as_json(api.post(f"/me/entries/{entry_id}/submit"), 200)
    submission = Submission.objects.get(entry_id=entry_id)
    number = f"CK9-R30-{entry_id:06d}"
    assert receipt == {
        "number": f"{number}-1", "entry_id": entry_id, "entry_number": number, "submitted_at": NOON_TEXT,
        "sha256": submission.sha256,
        "files": [{"role": "business_plan", "name": "计划书.pdf", "sha256": sha, "pages": 2}],
    }  # fmt: skip
    assert as_json(api.post(f"/me/entries/{entry_id}/submit"), 409) == {
        "detail": "项目已提交，无需重复提交。", "code": "conflict", "field": None,
    }  # fmt: skip
    assert [(e["id"], e["status"], e["number"]) for e in as_json(api.get("/me/entries"), 200)] == [
        (entry_id, "submitted", number)
    ]

    organizer = Api(organizer_for(ningbo))
    listing = as_json(organizer.get(f"/events/{ningbo.pk}/entries"), 200)
    assert listing == {
        "count": 1,
        "items": [{
            "id": entry_id, "number": number, "status": "submitted", "status_label": "已提交", "edition": 9,
            "event": {"id": ningbo.pk, "name": NINGBO}, "group": "enterprise",
            "title": "工业视觉缺陷检测平台",
            "entrant": {"kind": "enterprise", "name": "宁波创新科技有限公司", "credit_code": code},
            "submitted_at": NOON_TEXT, "updated_at": NOON_TEXT,
        }],
    }  # fmt: skip
    returned = as_json(organizer.post(f"/entries/{entry_id}/return", {"comment": "请补充市场数据。"}), 200)
    assert (returned["status"], returned["organizer_comment"]) == ("returned", "请补充市场数据。")

    as_json(api.put(f"/me/entries/{entry_id}", {"market": "长三角与珠三角电子制造"}), 200)
    resubmitted = as_json(api.post(f"/me/entries/{entry_id}/submit"), 200)
    assert resubmitted["number"] == f"{number}-2"

    assert [
        e["loc"] for e in as_json(organizer.post(f"/entries/{entry_id}/disqualify", {}), 422)["detail"]
    ] == [["body", "payload", "reason"]]
    assert as_json(organizer.post(f"/entries/{entry_id}/disqualify", {"reason": " "}), 422) == {
        "detail": "资格审查不通过时请写明原因。", "code": "invalid", "field": "reason",
        "fields": {"reason": "资格审查不通过时请写明原因。"},
    }  # fmt: skip
    assert as_json(organizer.post(f"/entries/{entry_id}/disqualify", {"reason": "材料不实"}), 200)[
        "status"
    ] == ("disqualified")
    assert as_json(organizer.post(f"/entries/{entry_id}/reopen", {"reason": "复核后材料属实"}), 200)[
        "status"
    ] == ("submitted")
    final = as_json(organizer.post(f"/entries/{entry_id}/qualify", {}), 200)
    assert final["status"] == "qualified"
    assert as_json(api.get(f"/me/entries/{entry_id}"), 200) == final
    assert list(EntryTransition.objects.filter(entry_id=entry_id).values_list("from_status", "to_status",
                                                                              "is_override")) == [
        ("draft", "submitted", False), ("submitted", "returned", False), ("returned", "resubmitted", False),
        ("resubmitted", "disqualified", False), ("disqualified", "submitted", True),
        ("submitted", "qualified", False),
    ]  # fmt: skip
    assert as_json(api.post(f"/me/entries/{entry_id}/withdraw", {}), 409) == {
        "detail": "项目当前为“资格审查通过”，不能变为“已撤回”。", "code": "invalid_transition", "field": None,
    }  # fmt: skip


def test_entrant_withdraws_a_draft(ningbo):
    entry = complete_entry(ningbo)
    api = Api(entry.owner)
    body = as_json(api.post(f"/me/entries/{entry.pk}/withdraw", {"reason": "改报专题赛"}), 200)
    assert body["status"] == "withdrawn"
    assert entry.transitions.get().reason == "改报专题赛"


def test_stale_expected_version_is_409_and_keeps_the_other_tab_s_edit(ningbo):
    entry = complete_entry(ningbo)
    api = Api(entry.owner)
    as_json(
        api.put(f"/me/entries/{entry.pk}", {"title": "第一个窗口", "expected_version": entry.version}), 200
    )
    response = api.put(f"/me/entries/{entry.pk}", {"title": "第二个窗口", "expected_version": entry.version})
    assert as_json(response, 409) == {
        "detail": "项目已在其他窗口中被修改，请刷新后再保存。",
        "code": "conflict",
        "field": None,
    }
    entry.refresh_from_db()
    assert entry.title == "第一个窗口"


def test_maker_team_profile_through_the_api(ningbo):
    api = Api(user())
    body = {"name": "甬创客", "leader_name": "李雷", "leader_phone": "13912345678", "division": "330200",
            "declares_not_enterprise": True,
            "members": [{"name": "韩梅梅", "role": "算法", "phone": "13712345678",
                         "affiliation": "宁波大学"}]}  # fmt: skip
    with time_machine.travel(NOON, tick=False):
        team = as_json(api.put("/me/team", body), 200)
    assert team == {
        "name": "甬创客", "leader_name": "李雷", "leader_phone": "+8613912345678",
        "division": {"code": "330200", "name": "宁波市"}, "declares_not_enterprise": True,
        "members": [{"name": "韩梅梅", "role": "算法", "phone": "+8613712345678", "affiliation": "宁波大学"}],
        "updated_at": NOON_TEXT,
    }  # fmt: skip
    created = as_json(
        api.post("/me/entries", {"event_id": ningbo.pk, "group": "maker", "title": "创客项目"}), 201
    )
    assert created["entrant"] == {"kind": "team", "name": "甬创客", "credit_code": None}


def test_missing_profile_is_404(db):
    api = Api(user())
    assert as_json(api.get("/me/enterprise"), 404) == {
        "detail": "还没有填写企业信息。",
        "code": "enterprise_not_found",
        "field": None,
    }
    assert as_json(api.get("/me/team"), 404)["code"] == "team_not_found"


def test_create_entry_without_a_profile_is_422(ningbo):
    api = Api(user())
    response = api.post("/me/entries", {"event_id": ningbo.pk, "group": "enterprise", "title": "x"})
    assert as_json(response, 422) == {
        "detail": "请先填写企业信息，再报名企业组项目。",
        "code": "invalid",
        "field": "group",
        "fields": {"group": "请先填写企业信息，再报名企业组项目。"},
    }


def test_create_entry_in_a_missing_event_is_404(db):
    api = Api(enterprise_owner())
    response = api.post("/me/entries", {"event_id": 999999, "group": "enterprise", "title": "x"})
    assert as_json(response, 404) == {
        "detail": "没有编号为 999999 的赛事。",
        "code": "event_not_found",
        "field": "event_id",
    }


def test_second_entry_for_the_same_credit_code_is_409(ningbo):
    entry = complete_entry(ningbo)
    api = Api(entry.owner)
    response = api.post("/me/entries", {"event_id": ningbo.pk, "group": "enterprise", "title": "项目二"})
    assert as_json(response, 409) == {
        "detail": f"本届每个企业（团队）只能报名一个项目，已在“{NINGBO}”报名“工业视觉缺陷检测平台”。",
        "code": "conflict",
        "field": None,
    }


def test_submit_of_an_incomplete_draft_lists_what_is_missing(ningbo):
    owner = enterprise_owner()
    entry = services.create_entry(by=owner, event=ningbo, group_code="enterprise", data={"title": "半成品"})
    body = as_json(Api(owner).post(f"/me/entries/{entry.pk}/submit"), 422)
    assert body == {
        "detail": "有 7 处需要更正。", "code": "invalid", "field": "summary",
        "fields": {
            "summary": "提交前请填写项目简介。", "innovation": "提交前请填写技术与创新。",
            "market": "提交前请填写市场前景。", "business_model": "提交前请填写商业模式。",
            "team_description": "提交前请填写团队情况。", "business_plan": "提交前请上传商业计划书（PDF）。",
            "finances": "请填写近三年的营业收入与净利润（未满三年的年份填 0）。",
        },
    }  # fmt: skip


# -- tenancy: what one may not see answers 404 --------------------------------------------------------


@pytest.fixture
def shenzhen(edition9) -> Event:
    return Event.objects.get(edition=edition9, tier="regional", seq=33)


def test_create_entry_in_another_region_s_event_is_422(ningbo, shenzhen):
    open_registration(shenzhen)
    api = Api(enterprise_owner(division="330203"))  # registered in 宁波
    response = api.post("/me/entries", {"event_id": shenzhen.pk, "group": "enterprise", "title": "跨区报名"})
    message = f"不能报名“{shenzhen.name}”：只能报名企业（团队）登记地的区域赛，或面向全国的专题赛。"
    assert as_json(response, 422) == {
        "detail": message, "code": "invalid", "field": "event_id", "fields": {"event_id": message},
    }  # fmt: skip
    assert Entry.objects.count() == 0


def test_create_entry_in_a_thematic_event_is_allowed_from_any_region(ningbo, edition9):
    thematic = (
        Event.objects.filter(edition=edition9, tier="thematic", registration_mode="platform")
        .order_by("seq")
        .first()
    )
    open_registration(thematic)
    api = Api(enterprise_owner(division="330203"))
    response = api.post(
        "/me/entries", {"event_id": thematic.pk, "group": "enterprise", "title": "专题赛项目"}
    )
    assert as_json(response, 201)["event"] == {"id": thematic.pk, "name": thematic.name}


REVIEW_ACTIONS = [
    ("qualify", {}), ("return", {"comment": "请补充"}), ("disqualify", {"reason": "不符"}),
    ("reopen", {"reason": "复核"}),
]  # fmt: skip


def test_organizer_of_another_event_gets_404_for_the_event_s_entries(ningbo, shenzhen):
    submitted_entry(ningbo)
    other = Api(organizer_for(shenzhen))
    assert as_json(other.get(f"/events/{ningbo.pk}/entries"), 404) == {
        "detail": f"没有编号为 {ningbo.pk} 的赛事。",
        "code": "event_not_found",
        "field": "event_id",
    }
    assert as_json(other.get(f"/events/{shenzhen.pk}/entries"), 200) == {"count": 0, "items": []}


@pytest.mark.parametrize(("action", "body"), REVIEW_ACTIONS)
def test_organizer_of_another_event_gets_404_for_every_action(ningbo, shenzhen, action, body):
    entry = submitted_entry(ningbo)
    if action == "reopen":
        services.qualify_entry(by=organizer_for(ningbo), entry=entry)
    before = Entry.objects.get(pk=entry.pk).status
    other = Api(organizer_for(shenzhen))
    assert as_json(other.get(f"/entries/{entry.pk}"), 404) == ENTRY_NOT_FOUND
    assert as_json(other.post(f"/entries/{entry.pk}/{action}", body), 404) == ENTRY_NOT_FOUND
    assert Entry.objects.get(pk=entry.pk).status == before


def test_secretariat_of_the_edition_sees_every_event_s_entries(ningbo, edition9):
    entry = submitted_entry(ningbo)
    person = user()
    Role.objects.create(user=person, kind=RoleKind.SECRETARIAT, edition=edition9)
    secretariat = Api(person)
    assert as_json(secretariat.get(f"/events/{ningbo.pk}/entries"), 200)["count"] == 1
    assert as_json(secretariat.get(f"/entries/{entry.pk}"), 200)["id"] == entry.pk


ENTRANT_PATHS = [
    ("get", "/me/entries/{id}", None), ("put", "/me/entries/{id}", {"title": "改"}),
    ("post", "/me/entries/{id}/submit", {}), ("post", "/me/entries/{id}/withdraw", {}),
    ("get", "/entries/{id}", None),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body"), ENTRANT_PATHS)
def test_entrant_gets_404_for_someone_else_s_entry(ningbo, method, path, body):
    theirs = complete_entry(ningbo)
    api = Api(enterprise_owner())
    url = path.format(id=theirs.pk)
    response = api.get(url) if method == "get" else getattr(api, method)(url, body)
    assert as_json(response, 404) == ENTRY_NOT_FOUND
    assert Entry.objects.get(pk=theirs.pk).status == "draft"
    assert Entry.objects.get(pk=theirs.pk).title == ENTRY["title"]


def test_entrant_gets_404_for_someone_else_s_upload_and_the_review_actions(ningbo):
    theirs = submitted_entry(ningbo)
    api = Api(enterprise_owner())
    response = api.upload(f"/me/entries/{theirs.pk}/business-plan", "x.pdf", pdf_bytes())
    assert as_json(response, 404) == ENTRY_NOT_FOUND
    for action, body in REVIEW_ACTIONS:
        assert as_json(api.post(f"/entries/{theirs.pk}/{action}", body), 404) == ENTRY_NOT_FOUND
    assert as_json(api.get(f"/events/{ningbo.pk}/entries"), 404)["code"] == "event_not_found"


def test_owner_may_not_review_their_own_entry(ningbo):
    entry = submitted_entry(ningbo)
    response = Api(entry.owner).post(f"/entries/{entry.pk}/qualify", {})
    assert as_json(response, 403) == {
        "detail": "您没有执行此操作的权限。",
        "code": "forbidden",
        "field": None,
    }
    assert Entry.objects.get(pk=entry.pk).status == "submitted"


def test_organizer_cannot_use_the_entrant_s_me_endpoints_on_an_entry(ningbo):
    entry = complete_entry(ningbo)
    organizer = Api(organizer_for(ningbo))
    assert as_json(organizer.post(f"/me/entries/{entry.pk}/submit"), 404) == ENTRY_NOT_FOUND


def test_organizer_gets_404_for_a_draft_and_its_decisions(ningbo):
    draft = complete_entry(ningbo)
    organizer = Api(organizer_for(ningbo))
    assert as_json(organizer.get(f"/entries/{draft.pk}"), 404) == ENTRY_NOT_FOUND
    assert as_json(organizer.post(f"/entries/{draft.pk}/qualify", {}), 404) == ENTRY_NOT_FOUND
    assert as_json(organizer.get(f"/events/{ningbo.pk}/entries"), 200)["items"] == []


def test_organizer_sees_the_entry_once_it_is_submitted(ningbo):
    entry = complete_entry(ningbo)
    organizer = Api(organizer_for(ningbo))
    services.submit_entry(by=entry.owner, entry=entry)
    assert as_json(organizer.get(f"/entries/{entry.pk}"), 200)["status"] == "submitted"
    items = as_json(organizer.get(f"/events/{ningbo.pk}/entries"), 200)["items"]
    assert [item["id"] for item in items] == [entry.pk]


# -- the organizer's list: filters, pages, query count ------------------------------------------------


def test_event_entries_filter_by_status_group_and_text(ningbo):
    a = submitted_entry(ningbo, title="工业视觉缺陷检测平台")
    b = submitted_entry(ningbo, title="海洋牧场监测浮标")
    complete_entry(ningbo)  # a draft: not listed
    organizer = Api(organizer_for(ningbo))

    def ids(**params):
        return [
            item["id"]
            for item in as_json(organizer.get(f"/events/{ningbo.pk}/entries", **params), 200)["items"]
        ]

    assert ids() == [b.pk, a.pk]
    assert ids(status="draft") == []
    assert ids(group="maker") == []
    assert ids(q="海洋") == [b.pk]
    assert ids(q=a.number) == [a.pk]
    assert ids(q=b.credit_code) == [b.pk]
    assert ids(limit=1, offset=1) == [a.pk]


def test_event_entries_bad_status_is_422(ningbo):
    organizer = Api(organizer_for(ningbo))
    response = organizer.get(f"/events/{ningbo.pk}/entries", status="approved")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "status"]


@pytest.mark.parametrize("count", [1, 3])
def test_event_entries_query_count_does_not_grow_with_entries(ningbo, count, django_assert_num_queries):
    for _ in range(count):
        submitted_entry(ningbo)
    client = Client()
    client.force_login(organizer_for(ningbo))
    # session, user, role lookup, event, event roles, count, page
    with django_assert_num_queries(7):
        response = client.get(f"/api/v1/events/{ningbo.pk}/entries")
    assert response.json()["count"] == count


@pytest.mark.parametrize("count", [1, 3])
def test_my_entries_query_count_does_not_grow_with_entries(ningbo, count, django_assert_num_queries):
    owner = enterprise_owner()
    for i in range(count):  # one active entry per enterprise and edition: withdraw all but the last
        entry = services.create_entry(
            by=owner, event=ningbo, group_code="enterprise", data={"title": f"项目{i}"}
        )
        if i < count - 1:
            services.withdraw_entry(by=owner, entry=entry)
    client = Client()
    client.force_login(owner)
    with django_assert_num_queries(3):  # session, user, entries with their event, group, entrant
        response = client.get("/api/v1/me/entries")
    assert len(response.json()) == count


# -- field errors: the services' exact messages -------------------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_enterprise_with_four_bad_fields_lists_each(db):
    api = Api(user())
    body = enterprise_body(credit_code="91330200MA2GXXXXX1", contact_phone="12345", founded_on="2024-07-02",
                           revenue_last_year="-5")  # fmt: skip
    assert as_json(api.put("/me/enterprise", body), 422) == {
        "detail": "有 4 处需要更正。", "code": "invalid", "field": "credit_code",
        "fields": {
            "credit_code": "统一社会信用代码校验位不正确，请核对。",
            "founded_on": "成立日期不能晚于今天。",
            "revenue_last_year": "上年营业收入不能为负数。",
            "contact_phone": "请输入有效的中国大陆手机号。",
        },
    }  # fmt: skip
    assert AuditRecord.objects.filter(action__startswith="registration.").count() == 0


SHAPE_MESSAGE = "统一社会信用代码格式不正确：第 3–8 位应为数字，且不能含 I、O、Z、S、V。"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("credit_code", "9133020", "统一社会信用代码应为 18 位，当前为 7 位。"),
        ("credit_code", "913302O0MA2GXXXXX1", SHAPE_MESSAGE),
        ("credit_code", "91330200MA2GXXXXX1", "统一社会信用代码校验位不正确，请核对。"),
        ("credit_code", credit_code("990100"), "统一社会信用代码第 3–8 位“990100”不是已知的行政区划。"),
        ("contact_phone", "abc", "手机号格式不正确。"),
        ("contact_phone", "12345", "请输入有效的中国大陆手机号。"),
        ("contact_phone", "+14155550123", "请输入有效的中国大陆手机号。"),
        ("contact_phone", "02188886666", "请输入手机号（非固定电话）。"),
        ("founded_on", "2024-07-02", "成立日期不能晚于今天。"),
        ("revenue_last_year", "-0.01", "上年营业收入不能为负数。"),
        ("revenue_last_year", -100, "上年营业收入不能为负数。"),
        ("registered_capital", "-1", "注册资本不能为负数。"),
        ("employees", -3, "从业人数不能为负数。"),
    ],
)  # fmt: skip
@time_machine.travel(NOON, tick=False)
def test_enterprise_field_error_has_the_service_s_message(db, field, value, message):
    response = Api(user()).put("/me/enterprise", enterprise_body(**{field: value}))
    assert as_json(response, 422) == {"detail": message, "code": "invalid", "field": field,
                                      "fields": {field: message}}  # fmt: skip


def test_enterprise_empty_body_reports_every_required_field(db):
    body = as_json(Api(user()).put("/me/enterprise", {}), 422)
    assert body["fields"] == {
        "name": "请填写企业名称。",
        "credit_code": "统一社会信用代码应为 18 位，当前为 0 位。",
        "founded_on": "成立日期应为日期，格式 YYYY-MM-DD。",
        "registered_capital": "注册资本应为数字。",
        "revenue_last_year": "上年营业收入应为数字。",
        "employees": "从业人数应为整数。",
        "industry": "请选择所属行业（国民经济行业分类门类）。",
        "contact_name": "请填写联系人。",
        "contact_phone": "手机号格式不正确。",
    }


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"name": "含\x00字符"}, ["body", "payload", "name"]),
        ({"revenue_last_year": "1e30"}, ["body", "payload", "revenue_last_year"]),
        ({"employees": 2**40}, ["body", "payload", "employees"]),
        ({"industry": "Z"}, ["body", "payload", "industry"]),
        ({"founded_on": "2020/05/01"}, ["body", "payload", "founded_on"]),
        ({"founded_on": "2020-02-30"}, ["body", "payload", "founded_on"]),
        ({"founded_on": "1899-12-31"}, ["body", "payload", "founded_on"]),
    ],
)
def test_enterprise_shape_errors_are_422_before_the_service(db, body, loc):
    response = Api(user()).put("/me/enterprise", enterprise_body(**body))
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [loc]


def test_entry_negative_revenue_in_finances_is_422(ningbo):
    entry = complete_entry(ningbo)
    body = {"finances": [{"year": 2023, "revenue": "-1", "profit": "-5"}], "pitch_video_url": "ftp://x"}
    assert as_json(Api(entry.owner).put(f"/me/entries/{entry.pk}", body), 422) == {
        "detail": "有 2 处需要更正。", "code": "invalid", "field": "finances-1-revenue",
        "fields": {"finances-1-revenue": "2023年营业收入不能为负数。",
                   "pitch_video_url": "路演视频链接应以 http:// 或 https:// 开头。"},
    }  # fmt: skip
    entry.refresh_from_db()
    assert entry.finances[0] == {"year": 2021, "revenue": "100.00", "profit": "-20.00"}


# -- uploads --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("plan.pdf", b"PK\x03\x04 this is a zip renamed", "文件内容不是 PDF（可能是改了扩展名的其他文件）。"),
        ("plan.pdf", pdf_bytes()[:300], "PDF 文件已损坏或不完整，无法读取，请重新导出后上传。"),
        ("plan.pdf", b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024), "文件过大：20.0 MB，上限 20 MB。"),
        ("plan.docx", pdf_bytes(), "商业计划书须为 PDF 文件（.pdf）。"),
    ],
    ids=["renamed", "truncated", "too-large", "not-pdf-name"],
)
def test_business_plan_refusals_are_422_and_keep_the_draft(ningbo, name, data, message):
    entry = complete_entry(ningbo)
    before = (entry.business_plan_sha256, entry.version)
    response = Api(entry.owner).upload(f"/me/entries/{entry.pk}/business-plan", name, data)
    assert as_json(response, 422) == {
        "detail": message, "code": "invalid", "field": "business_plan", "fields": {"business_plan": message},
    }  # fmt: skip
    entry.refresh_from_db()
    assert (entry.business_plan_sha256, entry.version) == before


def test_business_plan_path_traversal_name_is_reduced_to_a_file_name(ningbo):
    entry = complete_entry(ningbo)
    api = Api(entry.owner)
    body = as_json(
        api.upload(f"/me/entries/{entry.pk}/business-plan", "../../etc/计划.pdf", pdf_bytes(3)), 200
    )
    assert (body["business_plan"]["name"], body["business_plan"]["pages"]) == ("计划.pdf", 3)
    entry.refresh_from_db()
    assert entry.business_plan.name.startswith(f"entries/{entry.edition_id}/{entry.pk}/plan-")
    assert ".." not in entry.business_plan.name


def test_business_plan_without_a_file_is_422(ningbo):
    entry = complete_entry(ningbo)
    response = Api(entry.owner).client.post(
        f"/api/v1/me/entries/{entry.pk}/business-plan", {}, headers={"Authorization": "Bearer x"}
    )
    assert response.status_code == 401
    api = Api(entry.owner)
    response = api.client.post(f"/api/v1/me/entries/{entry.pk}/business-plan", {}, headers=api._headers())
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["file", "file"]


# -- the deadline -----------------------------------------------------------------------------------------


def test_submit_after_the_deadline_is_409_and_nothing_changes(ningbo):
    open_registration(ningbo, closes_on=date(2024, 7, 20))
    with time_machine.travel(datetime(2024, 7, 10, 9, tzinfo=SHANGHAI), tick=False):
        entry = complete_entry(ningbo)
        api = Api(entry.owner)
    records = AuditRecord.objects.count()
    closed = {
        "detail": f"“{NINGBO}”报名已于 2024-07-20 24:00 截止，不能再提交或修改。",
        "code": "closed",
        "field": None,
    }
    with time_machine.travel(datetime(2024, 7, 21, 0, 0, 0, tzinfo=SHANGHAI), tick=False):
        assert as_json(api.post(f"/me/entries/{entry.pk}/submit"), 409) == closed
        assert as_json(api.put(f"/me/entries/{entry.pk}", {"title": "改名"}), 409) == closed
        upload = api.upload(f"/me/entries/{entry.pk}/business-plan", "新.pdf", pdf_bytes(4))
        assert as_json(upload, 409) == closed
    entry.refresh_from_db()
    assert (entry.status, entry.title, entry.number, entry.version) == ("draft", ENTRY["title"], None, 2)
    assert (Submission.objects.count(), EntryTransition.objects.count()) == (0, 0)
    assert AuditRecord.objects.count() == records


def test_submit_at_the_last_second_is_accepted(ningbo):
    open_registration(ningbo, closes_on=date(2024, 7, 20))
    with time_machine.travel(datetime(2024, 7, 10, 9, tzinfo=SHANGHAI), tick=False):
        entry = complete_entry(ningbo)
        api = Api(entry.owner)
    with time_machine.travel(datetime(2024, 7, 20, 23, 59, 59, tzinfo=SHANGHAI), tick=False):
        receipt = as_json(api.post(f"/me/entries/{entry.pk}/submit"), 200)
    assert receipt["submitted_at"] == "2024-07-20T23:59:59+08:00"


def test_create_before_the_window_opens_is_409(ningbo):
    owner = enterprise_owner()
    with time_machine.travel(datetime(2023, 12, 31, 23, tzinfo=SHANGHAI), tick=False):
        response = Api(owner).post(
            "/me/entries", {"event_id": ningbo.pk, "group": "enterprise", "title": "早"}
        )
    assert as_json(response, 409) == {
        "detail": f"“{NINGBO}”报名尚未开始（2024-01-01 00:00 开始）。",
        "code": "closed",
        "field": None,
    }


def test_openapi_lists_the_registration_and_token_operations_with_both_sign_ins(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    operations = sorted(
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if {"registration", "tokens"} & set(op["tags"])
    )
    assert operations == [
        "GET /api/v1/entries/{id}", "GET /api/v1/events/{event_id}/entries", "GET /api/v1/me/enterprise",
        "GET /api/v1/me/entries", "GET /api/v1/me/entries/{id}", "GET /api/v1/me/team", "GET /api/v1/tokens",
        "POST /api/v1/entries/{id}/disqualify", "POST /api/v1/entries/{id}/qualify",
        "POST /api/v1/entries/{id}/reopen", "POST /api/v1/entries/{id}/return", "POST /api/v1/me/entries",
        "POST /api/v1/me/entries/{id}/business-plan", "POST /api/v1/me/entries/{id}/submit",
        "POST /api/v1/me/entries/{id}/withdraw", "POST /api/v1/tokens", "POST /api/v1/tokens/{id}/revoke",
        "PUT /api/v1/me/enterprise", "PUT /api/v1/me/entries/{id}", "PUT /api/v1/me/team",
    ]  # fmt: skip
    assert schema["components"]["securitySchemes"] == {
        "BearerToken": {"type": "http", "scheme": "bearer"},
        "SessionCsrf": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
        # a provincial portal's own credentials (contest.portal), for /api/v1/portal/ only
        "PortalBearer": {"type": "http", "scheme": "bearer"},
        "PortalBasic": {"type": "http", "scheme": "basic"},
    }
    assert schema["paths"]["/api/v1/tokens"]["post"]["security"] == [{"SessionCsrf": []}]
    # State changes are actions: no PATCH anywhere, and no input shape carries a status.
    assert not any("patch" in item for item in schema["paths"].values())
    inputs = {name: shape for name, shape in schema["components"]["schemas"].items() if name.endswith("In")}
    assert "EntryUpdateIn" in inputs
    assert not any("status" in shape.get("properties", {}) for shape in inputs.values())
