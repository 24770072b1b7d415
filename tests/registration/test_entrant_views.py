"""Entrant pages under /me/: profiles, the suggested event, drafts, uploads, submission, receipts, 404s."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from contest.accounts.enums import RoleKind
from contest.accounts.models import Role
from contest.catalog.models import Event
from contest.registration import services
from contest.registration.models import EligibilityRule, Enterprise, Entry, MakerTeam, Submission
from tests.accounts.html import elements, field_errors, texts, value_of
from tests.http import drain

from .factories import (
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
    superuser,
    user,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

NINGBO = "第九届“创客中国”宁波市中小企业创新创业大赛"


def enterprise_post(code: str, **overrides) -> dict:
    data = {**ENTERPRISE, "credit_code": code, "is_listed": "", "action": "save", **overrides}
    data.pop("division_confirmed")
    return {k: v for k, v in data.items() if v is not None}


def entry_post(version: int, action: str = "save", **overrides) -> dict:
    data = {k: ENTRY[k] for k in ("title", "industry", "summary", "innovation", "market", "business_model",
                                  "team_description", "funding_sought")}  # fmt: skip
    data.update({"version": str(version), "action": action, "pitch_video_url": ""})
    for i, row in enumerate(ENTRY["finances"], start=1):
        data.update({f"finances-{i}-year": str(row["year"]), f"finances-{i}-revenue": row["revenue"],
                     f"finances-{i}-profit": row["profit"]})  # fmt: skip
    for key, value in ENTRY["ip_list"][0].items():
        data[f"ip-1-{key}"] = value
    data.update(overrides)
    return data


def edit_url(entry: Entry) -> str:
    return reverse("registration:entry_edit", args=[entry.pk])


def draft_for(owner, event: Event) -> Entry:
    return services.create_entry(by=owner, event=event, group_code="enterprise", data={"title": "草稿项目"})


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


# -- profile ---------------------------------------------------------------------------------------


def test_me_without_a_profile_asks_enterprise_or_team(client):
    client.force_login(user())

    response = client.get(reverse("registration:home"), follow=True)

    assert response.redirect_chain == [(reverse("registration:profile"), 302)]
    assert texts(response, "span", class_="choice__title") == ["企业", "创客团队", "境外企业", "境外团队"]


def test_me_pages_require_sign_in(client):
    response = client.get(reverse("registration:entry_list"))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/me/entries/"


def test_enterprise_form_shows_the_derived_division_and_requires_its_confirmation(client, edition9):
    person = user()
    client.force_login(person)
    code = credit_code("330203")

    first = client.post(reverse("registration:enterprise"), enterprise_post(code))

    assert first.status_code == 200
    assert texts(first, "p", class_="division-box__label") == ["登记地：浙江省 宁波市（330203）"]
    assert field_errors(first) == ["请确认由信用代码识别出的登记地是否正确。"]
    assert elements(first, "input", name="confirm_division")[0]["attrs"]["value"] == "330203"
    assert (value_of(first, "name"), value_of(first, "credit_code"), value_of(first, "employees")) == (
        "宁波创新科技有限公司", code, "45",
    )  # fmt: skip
    assert not Enterprise.objects.exists()

    second = client.post(reverse("registration:enterprise"), enterprise_post(code, confirm_division="330203"))

    assert second.status_code == 302
    assert second["Location"] == reverse("registration:entry_new")
    saved = Enterprise.objects.get(owner=person)
    assert (saved.division.name, saved.division_confirmed, saved.contact_phone) == (
        "宁波市",
        True,
        "+8613812345678",
    )


def test_enterprise_confirmation_of_another_division_does_not_count(client, edition9):
    client.force_login(user())
    # Ticked while the page showed 深圳 (440305), then the code was changed to a 宁波 one.
    response = client.post(
        reverse("registration:enterprise"), enterprise_post(credit_code("330203"), confirm_division="440305")
    )

    assert field_errors(response) == ["请确认由信用代码识别出的登记地是否正确。"]
    assert not Enterprise.objects.exists()


def test_enterprise_lookup_button_shows_the_division_without_saving(client, edition9):
    client.force_login(user())

    response = client.post(
        reverse("registration:enterprise"), {"credit_code": credit_code("440305"), "action": "lookup"}
    )

    assert texts(response, "p", class_="division-box__label") == ["登记地：广东省 深圳市（440305）"]
    assert field_errors(response) == []
    assert not Enterprise.objects.exists()


def test_enterprise_form_reports_every_service_error_and_keeps_the_input(client, edition9):
    client.force_login(user())
    data = enterprise_post(credit_code("330203"), confirm_division="330203", contact_phone="12345",
                           employees="很多", name="")  # fmt: skip

    response = client.post(reverse("registration:enterprise"), data)

    assert field_errors(response) == [
        "请填写企业名称。",
        "从业人数应为整数。",
        "请输入有效的中国大陆手机号。",
    ]
    assert (value_of(response, "employees"), value_of(response, "contact_phone")) == ("很多", "12345")


def test_division_lookup_answers_json(client, edition9):
    client.force_login(user())
    url = reverse("registration:division_lookup")

    ok = client.get(url, {"code": credit_code("330203")})
    bad = client.get(url, {"code": "91330200MA2GXXXXX1"})

    assert (ok.status_code, ok.json()) == (
        200, {"ok": True, "division_code": "330203", "label": "浙江省 宁波市（330203）"},
    )  # fmt: skip
    assert (bad.status_code, bad.json()) == (
        400,
        {"ok": False, "error": "统一社会信用代码校验位不正确，请核对。"},
    )


def test_team_form_without_javascript_offers_five_member_rows(client, edition9):
    client.force_login(user())

    response = client.get(reverse("registration:team"))

    assert len(elements(response, "li", class_="member-row")) == 5
    assert [
        el["attrs"]["name"] for el in elements(response, "input") if "-name" in el["attrs"].get("name", "")
    ] == [f"members-{i}-name" for i in range(1, 6)]


def test_team_form_saves_members_and_maps_row_errors(client, edition9):
    person = user()
    client.force_login(person)
    data = {"name": "甬创团队", "leader_name": "陈晨", "leader_phone": "13912345678", "province": "330000",
            "city": "330200", "declares_not_enterprise": "on",
            "members-1-name": "赵一", "members-1-phone": "13700000001",
            "members-2-name": "", "members-2-phone": "", "members-3-name": "钱三", "members-3-phone": "123",
            "members-6-name": "孙六", "members-6-phone": "13700000006"}  # fmt: skip

    refused = client.post(reverse("registration:team"), data)

    assert texts(refused, "p", class_="field-error") == ["请输入有效的中国大陆手机号。"]
    assert texts(refused, "li", class_="member-row")[2].startswith("成员 3")
    assert value_of(refused, "members-4-name") == "孙六"  # rows are renumbered in order, blanks kept
    assert not MakerTeam.objects.exists()

    saved = client.post(reverse("registration:team"), {**data, "members-3-phone": "13700000003"})

    assert saved.status_code == 302
    team = MakerTeam.objects.get(owner=person)
    assert (team.division.name, team.declares_not_enterprise) == ("宁波市", True)
    assert list(team.members.values_list("name", "phone")) == [
        ("赵一", "+8613700000001"), ("钱三", "+8613700000003"), ("孙六", "+8613700000006"),
    ]  # fmt: skip


def test_team_form_refuses_a_city_of_another_province(client, edition9):
    client.force_login(user())
    data = {"name": "团队", "leader_name": "陈晨", "leader_phone": "13912345678", "province": "440000",
            "city": "330200", "declares_not_enterprise": "on"}  # fmt: skip

    response = client.post(reverse("registration:team"), data)

    assert field_errors(response) == ["所选城市不属于所选省份，请重新选择。"]


def test_an_enterprise_account_cannot_become_a_team(client, ningbo):
    owner = enterprise_owner()
    client.force_login(owner)

    response = client.get(reverse("registration:team"), follow=True)

    assert response.redirect_chain == [(reverse("registration:enterprise"), 302)]
    assert texts(response, "li", class_="error") == [
        "此账号已登记为企业。一个账号只能登记一家企业或一个创客团队；创客团队请另外注册账号。"
    ]


# -- new entry ------------------------------------------------------------------------------------


def test_new_entry_suggests_ningbo_s_event_not_zhejiang_s_for_a_3302_code(client, ningbo, edition9):
    client.force_login(enterprise_owner("330203"))

    response = client.get(reverse("registration:entry_new"))

    assert texts(response, "p", class_="suggestion__event") == [NINGBO]
    selected = [o for o in elements(response, "option") if "selected" in o["attrs"]]
    assert [(o["attrs"]["value"], o["text"]) for o in selected] == [
        (str(ningbo.pk), f"{NINGBO}（按登记地建议；报名截止 2030-07-31）")
    ]
    labels = [el["attrs"]["label"] for el in elements(response, "optgroup")]
    assert labels == ["区域赛（按登记地/所在地）", "专题赛（按行业，面向全国）"]
    assert len(elements(response, "option")) == 1 + 1 + 14
    assert not any("浙江省中小企业" in text for text in texts(response, "option"))
    assert texts(response, "p", class_="deadline-line") == ["报名截止：2030-07-31 24:00（北京时间） · " + texts(
        response, "p", class_="deadline-line")[0].split(" · ")[1]]  # fmt: skip


def test_new_entry_for_an_event_on_an_external_portal_shows_where_to_register(client, edition9):
    client.force_login(enterprise_owner("110108"))

    response = client.get(reverse("registration:entry_new"))

    assert texts(response, "p", class_="suggestion__event") == ["第九届“创客中国”北京市中小企业创新创业大赛"]
    assert texts(response, "p", class_="external-note") == [
        "该赛事在承办方的外部报名网站报名，不在本平台填写。请前往："
    ]
    assert [a["attrs"]["href"] for a in elements(response, "a") if "smebj" in a["attrs"].get("href", "")] == [
        "https://www.smebj.cn/"
    ]
    assert elements(response, "optgroup")[0]["attrs"]["label"] == "专题赛（按行业，面向全国）"


def test_new_entry_creates_a_draft_and_opens_it(client, ningbo):
    owner = enterprise_owner()
    client.force_login(owner)

    response = client.post(reverse("registration:entry_new"), {"event": ningbo.pk, "title": "工业视觉平台"})

    entry = Entry.objects.get(owner=owner)
    assert response["Location"] == edit_url(entry)
    assert (entry.event, entry.group.code, entry.title, entry.status) == (
        ningbo,
        "enterprise",
        "工业视觉平台",
        "draft",
    )


def test_new_entry_in_an_event_not_yet_open_is_refused_with_the_reason(client, ningbo, edition9):
    client.force_login(enterprise_owner())
    thematic = Event.objects.get(edition=edition9, tier="thematic", seq=5)

    response = client.post(reverse("registration:entry_new"), {"event": thematic.pk, "title": "工业视觉平台"})

    assert texts(response, "div", class_="form-errors")[0].endswith(f"“{thematic.name}”尚未公布报名时间。")
    assert value_of(response, "title") == "工业视觉平台"
    assert not Entry.objects.exists()


def test_new_entry_when_one_exists_goes_to_it(client, ningbo):
    entry = complete_entry(ningbo)
    client.force_login(entry.owner)

    response = client.get(reverse("registration:entry_new"))

    assert response["Location"] == edit_url(entry)


# -- the entry form -------------------------------------------------------------------------------


def test_entry_form_shows_the_deadline_and_a_countdown(client, ningbo):
    entry = draft_for(enterprise_owner(), ningbo)

    with time_machine.travel(datetime(2030, 7, 30, 12, 0, tzinfo=SHANGHAI), tick=False):
        client.force_login(entry.owner)
        day_before = client.get(edit_url(entry))
    with time_machine.travel(datetime(2030, 7, 31, 23, 50, tzinfo=SHANGHAI), tick=False):
        client.force_login(entry.owner)
        last_minutes = client.get(edit_url(entry))

    assert texts(day_before, "p", class_="deadline-line") == [
        "报名截止：2030-07-31 24:00（北京时间） 距报名截止还有 1 天 12 小时。"
    ]
    assert texts(last_minutes, "span", class_="countdown") == ["距报名截止还有 0 小时 10 分钟。"]
    assert "urgent" in elements(last_minutes, "p", class_="deadline-line")[0]["attrs"]["class"]


def test_saving_a_draft_keeps_everything_typed(client, ningbo):
    entry = draft_for(enterprise_owner(), ningbo)
    client.force_login(entry.owner)

    response = client.post(edit_url(entry), entry_post(entry.version))

    entry.refresh_from_db()
    assert response.status_code == 302
    assert (entry.title, entry.market, entry.funding_sought, entry.version) == (
        ENTRY["title"], ENTRY["market"], 2000, 2,
    )  # fmt: skip
    assert entry.finances == [{"year": 2021, "revenue": "100.00", "profit": "-20.00"},
                              {"year": 2022, "revenue": "800.00", "profit": "50.00"},
                              {"year": 2023, "revenue": "3200.50", "profit": "400.00"}]  # fmt: skip
    assert entry.ip_list == ENTRY["ip_list"]
    page = client.get(edit_url(entry))
    assert (value_of(page, "finances-3-revenue"), value_of(page, "ip-1-name"), value_of(page, "version")) == (
        "3200.50", "一种缺陷检测方法", "2",
    )  # fmt: skip


def test_draft_to_receipt_through_the_pages(client, ningbo):
    owner = enterprise_owner("330203")
    client.force_login(owner)
    client.post(reverse("registration:entry_new"), {"event": ningbo.pk, "title": ENTRY["title"]})
    entry = Entry.objects.get(owner=owner)
    plan = pdf_bytes(3)

    saved = client.post(
        edit_url(entry),
        {**entry_post(entry.version), "business_plan": SimpleUploadedFile("计划书.pdf", plan)},
    )
    page = client.get(edit_url(entry))
    submitted = client.post(edit_url(entry), entry_post(int(value_of(page, "version")), action="submit"))

    assert saved.status_code == 302
    assert texts(page, "span", class_="business-plan-name") == ["计划书.pdf"]
    assert texts(page, "span", class_="business-plan-meta")[0].startswith("3 页，")
    submission = Submission.objects.get(entry=entry)
    assert submitted["Location"] == reverse("registration:receipt", args=[entry.pk, submission.pk])
    receipt = client.get(submitted["Location"])
    assert texts(receipt, "h1") == ["报名提交回执"]
    assert texts(receipt, "dd", class_="receipt-number") == [f"CK9-R30-{entry.pk:06d}-1"]
    assert texts(receipt, "code", class_="receipt-hash") == [submission.sha256]
    assert texts(receipt, "dd", class_="receipt-time") == [
        submission.submitted_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") + "（北京时间）"
    ]
    assert texts(receipt, "li", class_="receipt-file") == [
        f"商业计划书：计划书.pdf（3 页） SHA-256：{hashlib.sha256(plan).hexdigest()}"
    ]
    entry.refresh_from_db()
    assert entry.status == "submitted"


def test_submit_with_missing_content_lists_what_to_complete(client, ningbo):
    entry = draft_for(enterprise_owner(), ningbo)
    client.force_login(entry.owner)

    response = client.post(edit_url(entry), entry_post(entry.version, action="submit", market=""))

    assert texts(response, "p", class_="partial-notice") == [
        "草稿已保存，但还不能提交：请补全下方标出的内容。"
    ]
    assert field_errors(response) == ["提交前请填写市场前景。", "提交前请上传商业计划书（PDF）。"]
    entry.refresh_from_db()
    assert (entry.status, entry.title) == ("draft", ENTRY["title"])
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("plan.pdf", b"PK\x03\x04 a zip renamed to .pdf", "文件内容不是 PDF（可能是改了扩展名的其他文件）。"),
        ("plan.pdf", pdf_bytes()[:300], "PDF 文件已损坏或不完整，无法读取，请重新导出后上传。"),
        ("plan.pdf", b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024), "文件过大：20.0 MB，上限 20 MB。"),
        ("plan.exe", pdf_bytes(), "商业计划书须为 PDF 文件（.pdf）。"),
    ],
    ids=["renamed-zip", "truncated", "oversize", "wrong-extension"],
)
def test_bad_upload_is_refused_and_the_typed_text_is_kept(client, ningbo, name, data, message):
    entry = draft_for(enterprise_owner(), ningbo)
    client.force_login(entry.owner)

    response = client.post(
        edit_url(entry), {**entry_post(entry.version, market="新写的市场分析"),
                          "business_plan": SimpleUploadedFile(name, data)}
    )  # fmt: skip

    assert response.status_code == 200
    assert field_errors(response) == [message]
    assert texts(response, "p", class_="partial-notice") == [
        "文字内容已保存；上传的文件未保存，原因见下方。请重新选择文件。"
    ]
    assert value_of(response, "market") == "新写的市场分析"
    assert value_of(response, "version") == "2"
    entry.refresh_from_db()
    assert (entry.market, entry.business_plan_sha256, entry.version) == ("新写的市场分析", "", 2)


def test_upload_is_kept_when_the_text_has_an_error(client, ningbo):
    entry = draft_for(enterprise_owner(), ningbo)
    client.force_login(entry.owner)

    response = client.post(
        edit_url(entry), {**entry_post(entry.version, funding_sought="两千万"),
                          "business_plan": SimpleUploadedFile("计划书.pdf", pdf_bytes())}
    )  # fmt: skip

    assert field_errors(response) == ["融资需求应为数字。"]
    assert texts(response, "p", class_="partial-notice") == [
        "文件已上传；文字内容未保存，请更正下方标出的问题后再保存。"
    ]
    assert value_of(response, "funding_sought") == "两千万"
    entry.refresh_from_db()
    assert (entry.business_plan_name, entry.title, entry.version) == ("计划书.pdf", "草稿项目", 2)
    assert value_of(response, "version") == "2"


def test_upload_name_with_a_path_is_stored_under_its_last_component(client, ningbo):
    entry = draft_for(enterprise_owner(), ningbo)
    client.force_login(entry.owner)
    boundary = "XyZ"
    fields = entry_post(entry.version)
    body = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        )
        + (
            f'--{boundary}\r\nContent-Disposition: form-data; name="business_plan"; filename="../../etc/计划.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + pdf_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )

    response = client.generic(
        "POST", edit_url(entry), body, content_type=f"multipart/form-data; boundary={boundary}"
    )

    entry.refresh_from_db()
    assert response.status_code == 302
    assert entry.business_plan_name == "计划.pdf"
    assert entry.business_plan.name.startswith(f"entries/{entry.edition_id}/{entry.pk}/plan-")
    assert ".." not in entry.business_plan.name


def test_csrf_token_is_required_to_save(ningbo):
    entry = draft_for(enterprise_owner(), ningbo)
    client = Client(enforce_csrf_checks=True)
    client.force_login(entry.owner)

    refused = client.post(edit_url(entry), entry_post(entry.version, title="没有令牌"))
    page = client.get(edit_url(entry))
    token = elements(page, "input", name="csrfmiddlewaretoken")[0]["attrs"]["value"]
    accepted = client.post(
        edit_url(entry), {**entry_post(entry.version, title="有令牌"), "csrfmiddlewaretoken": token}
    )

    assert (refused.status_code, accepted.status_code) == (403, 302)
    entry.refresh_from_db()
    assert entry.title == "有令牌"


def test_two_tabs_do_not_silently_overwrite_each_other(client, ningbo):
    entry = draft_for(enterprise_owner(), ningbo)
    client.force_login(entry.owner)
    opened = int(value_of(client.get(edit_url(entry)), "version"))
    client.post(edit_url(entry), entry_post(opened, market="第一个窗口的内容"))

    stale = client.post(edit_url(entry), entry_post(opened, market="第二个窗口的内容"))

    entry.refresh_from_db()
    assert entry.market == "第一个窗口的内容"
    assert texts(stale, "div", class_="form-errors")[0].endswith("项目已在其他窗口中被修改，请刷新后再保存。")
    assert len(texts(stale, "div", class_="conflict-notice")) == 1
    assert value_of(stale, "market") == "第二个窗口的内容"
    assert value_of(stale, "version") == str(entry.version)

    overwrite = client.post(edit_url(entry), entry_post(entry.version, market="第二个窗口的内容"))

    entry.refresh_from_db()
    assert (overwrite.status_code, entry.market) == (302, "第二个窗口的内容")


def test_returned_entry_shows_the_comment_and_can_be_resubmitted(client, ningbo):
    entry = submitted_entry(ningbo)
    services.return_entry(by=organizer_for(ningbo), entry=entry, comment="请补充近三年财务数据说明。")
    client.force_login(entry.owner)

    page = client.get(edit_url(entry))
    response = client.post(edit_url(entry), entry_post(int(value_of(page, "version")), action="submit"))

    assert texts(page, "h2", id="comment-heading") == ["组织方退回意见"]
    assert texts(page, "p", class_="organizer-comment__text") == ["请补充近三年财务数据说明。"]
    assert texts(page, "button")[-1] == "重新提交"
    entry.refresh_from_db()
    assert entry.status == "resubmitted"
    assert response["Location"] == reverse(
        "registration:receipt", args=[entry.pk, entry.submissions.last().pk]
    )


def test_submitted_entry_is_read_only_and_can_be_withdrawn_after_confirmation(client, ningbo):
    entry = submitted_entry(ningbo)
    client.force_login(entry.owner)

    page = client.get(edit_url(entry))
    post = client.post(edit_url(entry), entry_post(entry.version, title="改名"))
    confirm = client.get(reverse("registration:entry_withdraw", args=[entry.pk]))
    done = client.post(reverse("registration:entry_withdraw", args=[entry.pk]), {"reason": "改报专题赛"})

    assert texts(page, "span", id="entry-status") == ["已提交，待资格审查"]
    assert elements(page, "textarea") == []
    assert post.status_code == 302
    assert texts(confirm, "button")[-1] == "确认撤回"
    assert done["Location"] == reverse("registration:entry_list")
    entry.refresh_from_db()
    assert (entry.title, entry.status, entry.transitions.last().reason) == (
        ENTRY["title"],
        "withdrawn",
        "改报专题赛",
    )


def test_qualified_entry_cannot_be_withdrawn(client, ningbo):
    entry = submitted_entry(ningbo)
    services.qualify_entry(by=organizer_for(ningbo), entry=entry)
    client.force_login(entry.owner)

    page = client.get(edit_url(entry))
    response = client.post(reverse("registration:entry_withdraw", args=[entry.pk]))

    assert texts(page, "span", id="entry-status") == ["资格审查通过"]
    assert elements(page, "p", class_="withdraw-link") == []
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == "qualified"


def test_after_the_deadline_the_draft_cannot_be_saved(client, ningbo):
    open_registration(ningbo, closes_on=date(2024, 7, 20))
    with time_machine.travel(datetime(2024, 7, 10, 9, tzinfo=SHANGHAI), tick=False):
        entry = draft_for(enterprise_owner(), ningbo)

    with time_machine.travel(datetime(2024, 7, 21, 0, 0, tzinfo=SHANGHAI), tick=False):
        client.force_login(entry.owner)
        response = client.post(edit_url(entry), entry_post(entry.version, market="晚了"))

    assert texts(response, "p", class_="deadline-line") == [
        "报名截止：2024-07-20 24:00（北京时间） 报名已截止。"
    ]
    assert texts(response, "div", class_="form-errors")[0].endswith(
        f"“{NINGBO}”报名已于 2024-07-20 24:00 截止，不能再提交或修改。"
    )
    assert value_of(response, "market") == "晚了"
    entry.refresh_from_db()
    assert entry.market == ""


# -- only my entries; the business plan behind a permission check ---------------------------------


def test_another_entrant_gets_404_on_every_page_of_my_entry(ningbo):
    entry = submitted_entry(ningbo)
    submission = entry.submissions.get()
    stranger = signed_in(enterprise_owner("330203"))
    urls = [
        edit_url(entry),
        reverse("registration:entry_withdraw", args=[entry.pk]),
        reverse("registration:receipt", args=[entry.pk, submission.pk]),
        reverse("registration:entry_business_plan", args=[entry.pk]),
    ]

    assert [stranger.get(url).status_code for url in urls] == [404, 404, 404, 404]
    assert stranger.post(urls[1]).status_code == 404
    assert stranger.post(urls[0], entry_post(entry.version, title="x")).status_code == 404
    entry.refresh_from_db()
    assert (entry.title, entry.status) == (ENTRY["title"], "submitted")


def test_business_plan_is_served_inline_to_owner_organizer_and_secretariat_only(ningbo, edition9):
    entry = submitted_entry(ningbo)
    shenzhen = Event.objects.get(edition=edition9, tier="regional", seq=33)
    url = reverse("registration:entry_business_plan", args=[entry.pk])
    secretariat = user()
    Role.objects.create(user=secretariat, kind=RoleKind.SECRETARIAT, edition=edition9)

    responses = {
        who: signed_in(person).get(url)
        for who, person in [("owner", entry.owner), ("organizer", organizer_for(ningbo)),
                            ("secretariat", secretariat), ("superuser", superuser()),
                            ("other organizer", organizer_for(shenzhen)), ("entrant", user())]
    }  # fmt: skip
    served = drain(responses["owner"])
    for response in responses.values():
        drain(response)

    assert {who: r.status_code for who, r in responses.items()} == {
        "owner": 200, "organizer": 200, "secretariat": 200, "superuser": 200, "other organizer": 404, "entrant": 404,
    }  # fmt: skip
    owner = responses["owner"]
    assert owner["Content-Type"] == "application/pdf"
    assert owner["Content-Disposition"] == "inline; filename*=utf-8''%E8%AE%A1%E5%88%92%E4%B9%A6.pdf"
    assert owner["X-Content-Type-Options"] == "nosniff"
    assert served == pdf_bytes()


def test_images_are_listed_served_and_removable(client, ningbo):
    entry = draft_for(enterprise_owner(), ningbo)
    client.force_login(entry.owner)
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, "PNG")  # a real image: uploads are decoded
    png = out.getvalue()

    client.post(
        edit_url(entry), {**entry_post(entry.version), "images": [SimpleUploadedFile("产品.png", png)]}
    )
    image = entry.images.get()
    served = client.get(reverse("registration:entry_image", args=[entry.pk, image.pk]))
    stranger = signed_in(user()).get(reverse("registration:entry_image", args=[entry.pk, image.pk]))
    client.post(reverse("registration:entry_image_remove", args=[entry.pk, image.pk]))

    assert (served["Content-Type"], b"".join(served.streaming_content)) == ("image/png", png)
    assert stranger.status_code == 404
    assert not entry.images.exists()


# -- the list --------------------------------------------------------------------------------------


def _entries(ningbo, owner, count: int) -> list[Entry]:
    """``count`` entries of one owner: all withdrawn but the last (one active entry per edition)."""
    made = []
    for i in range(count):
        entry = submitted_entry(ningbo, owner, title=f"项目{i + 1}")
        if i < count - 1:
            services.withdraw_entry(by=owner, entry=entry)
        made.append(entry)
    return made


@pytest.mark.parametrize("count", [1, 3])
def test_entry_list_runs_a_fixed_number_of_queries(client, ningbo, django_assert_num_queries, count):
    owner = enterprise_owner()
    _entries(ningbo, owner, count)
    submitted_entry(ningbo)  # someone else's
    client.force_login(owner)

    # session, user, enterprise, current edition, entries, their receipts, the header's roles
    with django_assert_num_queries(7):
        response = client.get(reverse("registration:entry_list"))

    assert texts(response, "h2", class_="entry-card__title") == [f"项目{i}" for i in range(count, 0, -1)]


def test_entry_list_shows_status_deadline_and_the_latest_receipt(client, ningbo):
    entry = submitted_entry(ningbo)
    client.force_login(entry.owner)

    response = client.get(reverse("registration:entry_list"))

    assert texts(response, "p", class_="entry-card__status") == [
        f"已提交，待资格审查 · 报名编号 {entry.number}"
    ]
    assert texts(response, "p", class_="entry-card__event") == [f"{NINGBO} · 企业组"]
    assert texts(response, "p", class_="entry-card__deadline") == ["报名截止：2030-07-31 24:00（北京时间）"]
    assert [a["attrs"]["href"] for a in elements(response, "a") if a["text"] == "最近一次提交回执"] == [
        reverse("registration:receipt", args=[entry.pk, entry.submissions.get().pk])
    ]
    assert elements(response, "a", class_="button") == []  # one project per edition: no “新建报名”


def test_every_saved_ip_item_is_shown_and_kept_with_a_spare_row(client, ningbo):
    entry = draft_for(enterprise_owner(), ningbo)
    items = [{"kind": "发明专利", "name": f"专利{i}", "number": f"ZL{i}"} for i in range(1, 5)]
    entry = services.update_entry(by=entry.owner, entry=entry, data={"ip_list": items})
    client.force_login(entry.owner)

    page = client.get(edit_url(entry))
    posted = {el["attrs"]["name"]: el["attrs"].get("value", "") for el in elements(page, "input")
              if el["attrs"].get("name", "").startswith("ip-")}  # fmt: skip
    client.post(edit_url(entry), {**entry_post(entry.version), **posted, "ip-1-kind": "发明专利",
                                  "ip-2-kind": "发明专利", "ip-3-kind": "发明专利", "ip-4-kind": "发明专利"})  # fmt: skip

    assert [value_of(page, f"ip-{i}-name") for i in range(1, 6)] == ["专利1", "专利2", "专利3", "专利4", ""]
    entry.refresh_from_db()
    assert entry.ip_list == items


def test_entrant_pages_switch_to_english(client, ningbo):
    entry = draft_for(enterprise_owner(), ningbo)
    client.force_login(entry.owner)
    client.post(reverse("set_language"), {"language": "en", "next": edit_url(entry)})

    page = client.get(edit_url(entry))
    listing = client.get(reverse("registration:entry_list"))

    assert texts(page, "strong")[0] == "Registration closes: 2030-07-31 24:00 (Beijing time)"
    assert texts(page, "button")[-2:] == ["Save draft", "Submit"]
    assert texts(page, "legend") == [
        "Basics",
        "The project",
        "Finances, last three years (10k CNY)",
        "Intellectual property (optional)",
        "Documents",
    ]
    assert texts(listing, "h1") == ["My entries"]


def test_entrant_labels_are_english_in_english_mode(client, ningbo):
    entry = submitted_entry(ningbo)
    client.force_login(entry.owner)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("registration:home")})

    listing = client.get(reverse("registration:home"), follow=True)
    page = client.get(edit_url(entry))
    profile = client.get(reverse("registration:enterprise"))

    assert texts(listing, "p", class_="entry-card__event") == [f"{NINGBO} · Enterprise group"]
    assert texts(page, "p", class_="hero__kicker") == [f"{NINGBO} · Enterprise group"]
    assert texts(page, "span", id="entry-status") == ["Submitted, awaiting qualification review"]
    assert "I Information transmission, software and IT services" in texts(page, "dd")
    options = {
        el["attrs"]["value"]: el["text"] for el in elements(profile, "option") if el["attrs"].get("value")
    }
    assert (options["C"], options["srdi"]) == (
        "C Manufacturing",
        "Specialized, refined, distinctive and innovative (SRDI) SME",
    )


def test_eligibility_refusal_is_english_in_english_mode(client, ningbo):
    entry = complete_entry(ningbo)
    EligibilityRule.objects.create(edition=ningbo.edition, group_code="enterprise", kind="employees_at_most",
                                   value="10")  # fmt: skip
    client.force_login(entry.owner)
    client.post(reverse("set_language"), {"language": "en", "next": edit_url(entry)})

    page = client.post(edit_url(entry), entry_post(entry.version, "submit"))

    assert texts(page, "div", class_="eligibility-errors") == [
        "Not eligible: The enterprise must have no more than 10 employees."
    ]
    assert Entry.objects.get(pk=entry.pk).status == "draft"


def test_an_organizer_without_an_entrant_profile_lands_in_the_console(client, ningbo):
    client.force_login(organizer_for(ningbo))

    response = client.get(reverse("registration:home"))

    assert response["Location"] == reverse("console:home")


def test_new_entry_form_preselects_the_event_named_by_its_page(client, ningbo, edition9):
    client.force_login(enterprise_owner())
    thematic = Event.objects.get(edition=edition9, tier="thematic", seq=5)
    other = Event.objects.get(edition=edition9, tier="regional", seq=1)  # not open to a 宁波 enterprise

    named = client.get(reverse("registration:entry_new") + f"?event={thematic.pk}")
    foreign = client.get(reverse("registration:entry_new") + f"?event={other.pk}")

    assert re.search(rf'<option value="{thematic.pk}"[^>]*selected', named.text) is not None
    assert re.search(rf'<option value="{ningbo.pk}"[^>]*selected', foreign.text) is not None
