"""The organizer console (资格审查): event list, entry list with filters and counts, bulk review,
entry detail and decisions, the business plan, Excel export, the registration window, import."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from contest.accounts.enums import RoleKind
from contest.accounts.models import Role
from contest.catalog.models import Event
from contest.core.models import AuditRecord
from contest.registration import services
from contest.registration.exporters import ENTRY_COLUMNS
from contest.registration.models import DuplicateFlag, Entry, RegistrationWindow
from contest.registration.views import console
from tests.http import drain

from .factories import (
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

pytestmark = pytest.mark.integration


@pytest.fixture
def organizer(ningbo):
    return organizer_for(ningbo, "ningbo-org")


@pytest.fixture
def shenzhen(edition9):
    event = Event.objects.get(edition=edition9, tier="regional", seq=33)
    open_registration(event)
    return event


@pytest.fixture
def org_client(client, organizer):
    client.force_login(organizer)
    return client


def text_of(response) -> str:
    """The page's visible text, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# -- console home ---------------------------------------------------------------------------------


def test_console_home_lists_the_organizer_s_events_with_counts(org_client, ningbo, organizer):
    submitted_entry(ningbo)
    complete_entry(ningbo)
    returned = submitted_entry(ningbo)
    services.return_entry(by=organizer, entry=returned, comment="补充材料")
    response = org_client.get(reverse("console:home"))
    events = response.context["events"]
    assert [e.name for e in events] == [ningbo.name]
    assert (events[0].entry_total, events[0].awaiting_review, events[0].returned_count, events[0].draft_count) == (
        2, 1, 1, 1,
    )  # fmt: skip
    assert reverse("console:entry_list", args=[ningbo.pk]) in response.content.decode()


def test_console_home_secretariat_of_the_edition_sees_every_event(client, edition9):
    secretary = user("sec9")
    Role.objects.create(user=secretary, kind=RoleKind.SECRETARIAT, edition=edition9)
    client.force_login(secretary)
    response = client.get(reverse("console:home"))
    assert len(response.context["events"]) == 50


def test_console_home_is_404_for_an_entrant(client, ningbo):
    entry = submitted_entry(ningbo)
    client.force_login(entry.owner)
    assert client.get(reverse("console:home")).status_code == 404


def test_console_home_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get(reverse("console:home"))
    assert response.status_code == 302
    assert "next=/console/" in response["Location"]


# -- entry list -------------------------------------------------------------------------------------


def test_entry_list_shows_rows_and_the_status_by_group_counts(org_client, ningbo, organizer):
    a = submitted_entry(ningbo, title="工业视觉缺陷检测平台")
    b = submitted_entry(ningbo, title="海洋牧场智能投喂")
    complete_entry(ningbo, title="草稿项目")
    services.qualify_entry(by=organizer, entry=b)
    response = org_client.get(reverse("console:entry_list", args=[ningbo.pk]))
    assert response.status_code == 200
    counts = response.context["counts"]
    assert [g.code for g in counts.groups] == ["enterprise", "maker"]
    assert counts.rows == [
        ("submitted", [1, 0], 1), ("returned", [0, 0], 0), ("resubmitted", [0, 0], 0),
        ("qualified", [1, 0], 1), ("disqualified", [0, 0], 0), ("withdrawn", [0, 0], 0),
    ]  # fmt: skip
    assert (counts.column_totals, counts.total) == ([2, 0], 2)
    rows = [(entry.title, str(label)) for entry, label in response.context["rows"]]
    assert rows == [("工业视觉缺陷检测平台", "已提交"), ("海洋牧场智能投喂", "资格审查通过")]
    assert a.number in text_of(response)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "submitted"}, ["视觉检测", "港口调度"]),
        ({"status": "returned"}, []),
        ({"group": "maker"}, []),
        ({"industry": "I"}, ["视觉检测"]),
        ({"division": "330000"}, ["视觉检测", "港口调度"]),
        ({"division": "440000"}, []),
        ({"q": "港口"}, ["港口调度"]),
        ({"q": "北仑"}, ["港口调度"]),
        ({"status": "nonsense", "q": "港口"}, ["港口调度"]),
    ],
)
def test_entry_list_filters(org_client, ningbo, query, expected):
    submitted_entry(ningbo, title="视觉检测")
    owner = enterprise_owner("330206", name="宁波北仑港航科技有限公司", industry="G")
    submitted_entry(ningbo, owner, title="港口调度", industry="G")
    response = org_client.get(reverse("console:entry_list", args=[ningbo.pk]), query)
    assert sorted(e.title for e, _ in response.context["rows"]) == sorted(expected)


def test_entry_list_filter_form_keeps_the_chosen_values(org_client, ningbo):
    response = org_client.get(
        reverse("console:entry_list", args=[ningbo.pk]),
        {"status": "returned", "division": "330000", "q": "港口"},
    )
    html = response.content.decode()
    assert '<option value="returned" selected>退回修改</option>' in html
    assert '<option value="330000" selected>浙江省</option>' in html
    assert '<option value="" selected>' not in html.split('name="status"')[1].split("</select>")[0]
    assert 'value="港口"' in html


def test_entry_list_search_by_credit_code_and_number(org_client, ningbo):
    entry = submitted_entry(ningbo)
    url = reverse("console:entry_list", args=[ningbo.pk])
    for term in (entry.credit_code.lower(), entry.number):
        assert [e.pk for e, _ in org_client.get(url, {"q": term}).context["rows"]] == [entry.pk]


def test_entry_list_paginates_keeping_the_filters(org_client, ningbo, monkeypatch):
    monkeypatch.setattr(console, "PAGE_SIZE", 2)
    for _ in range(3):
        submitted_entry(ningbo)
    url = reverse("console:entry_list", args=[ningbo.pk])
    first = org_client.get(url, {"status": "submitted"})
    assert (len(first.context["rows"]), first.context["page"].paginator.num_pages) == (2, 2)
    assert 'href="?status=submitted&amp;page=2"' in first.content.decode()
    second = org_client.get(url, {"status": "submitted", "page": 2})
    assert len(second.context["rows"]) == 1


@pytest.mark.parametrize("n", [1, 3])
def test_entry_list_runs_a_fixed_number_of_queries(client, ningbo, django_assert_num_queries, n):
    organizer = organizer_for(ningbo)
    entries = [submitted_entry(ningbo) for _ in range(n)]
    DuplicateFlag.objects.create(entry=entries[0], other=entries[-1], field="title", score="0.900")
    client.force_login(organizer)
    url = reverse("console:entry_list", args=[ningbo.pk])
    with django_assert_num_queries(12):  # the drafts' number is one of them
        response = client.get(url)
    assert len(response.context["rows"]) == n


@pytest.mark.parametrize("n", [1, 3])
def test_console_home_runs_a_fixed_number_of_queries(client, edition9, django_assert_num_queries, n):
    thematic = list(Event.objects.filter(edition=edition9, tier="thematic").order_by("seq")[:n])
    person = user()
    for event in thematic:
        Role.objects.get_or_create(user=person, kind=RoleKind.ORGANIZER,
                                   organization=event.roles.order_by("-order").first().organization)  # fmt: skip
    client.force_login(person)
    with django_assert_num_queries(6):
        response = client.get(reverse("console:home"))
    assert len(response.context["events"]) >= n


def test_entry_detail_runs_the_same_queries_whatever_the_history(client, ningbo, edition9):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    organizer = organizer_for(ningbo)
    short = submitted_entry(ningbo)
    long = submitted_entry(ningbo)
    for _ in range(2):
        services.return_entry(by=organizer, entry=long, comment="请补充")
        services.submit_entry(by=long.owner, entry=long)
    DuplicateFlag.objects.create(entry=short, other=long, field="summary", score="0.950")
    for other in (short, submitted_entry(ningbo), submitted_entry(ningbo)):
        DuplicateFlag.objects.create(entry=long, other=other, field="summary", score="0.950")
    client.force_login(organizer)
    counts = []
    for entry in (short, long):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("console:entry_detail", args=[entry.pk])).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert long.submissions.count() == 3


# -- bulk review --------------------------------------------------------------------------------------


def test_bulk_qualify_reports_each_failure(org_client, ningbo):
    a, b = submitted_entry(ningbo), submitted_entry(ningbo)
    draft = complete_entry(ningbo, title="草稿项目")
    url = reverse("console:entry_list", args=[ningbo.pk]) + "?status=submitted"
    response = org_client.post(url, {"action": "qualify", "entry": [a.pk, b.pk, draft.pk]}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert messages_of(response) == ["已处理 2 个项目。", "1 个项目不在本赛事中，已跳过。"]
    assert sorted(Entry.objects.values_list("status", flat=True)) == ["draft", "qualified", "qualified"]


def test_bulk_return_needs_a_reason_for_each_entry(org_client, ningbo):
    a = submitted_entry(ningbo)
    response = org_client.post(
        reverse("console:entry_list", args=[ningbo.pk]), {"action": "return", "entry": [a.pk]}, follow=True
    )
    assert messages_of(response) == [f"{a.number}（{a.title}）：退回修改时请写明需要修改的内容。"]
    response = org_client.post(
        reverse("console:entry_list", args=[ningbo.pk]),
        {"action": "return", "entry": [a.pk], "reason": "请补充财务数据"},
        follow=True,
    )
    a.refresh_from_db()
    assert (a.status, a.organizer_comment) == ("returned", "请补充财务数据")


def test_bulk_action_skips_entries_of_other_events(org_client, ningbo, shenzhen):
    mine = submitted_entry(ningbo)
    theirs = submitted_entry(shenzhen, enterprise_owner("440305"))
    response = org_client.post(
        reverse("console:entry_list", args=[ningbo.pk]),
        {"action": "disqualify", "reason": "材料不实", "entry": [mine.pk, theirs.pk]},
        follow=True,
    )
    assert messages_of(response) == ["已处理 1 个项目。", "1 个项目不在本赛事中，已跳过。"]
    theirs.refresh_from_db()
    assert theirs.status == "submitted"


def test_bulk_action_without_selection_says_so(org_client, ningbo):
    response = org_client.post(
        reverse("console:entry_list", args=[ningbo.pk]), {"action": "qualify"}, follow=True
    )
    assert messages_of(response) == ["请先勾选要处理的项目。"]


# -- entry detail and decisions -----------------------------------------------------------------------


def test_entry_detail_shows_profile_project_receipts_history_and_duplicates(org_client, ningbo, edition9):
    entry = submitted_entry(ningbo)
    thematic = Event.objects.get(edition=edition9, tier="thematic", seq=5)
    open_registration(thematic)
    other = submitted_entry(thematic, title="工业视觉缺陷检测平台V2")
    DuplicateFlag.objects.create(entry=entry, other=other, field="title", score="0.857")
    response = org_client.get(reverse("console:entry_detail", args=[entry.pk]))
    text = text_of(response)
    receipt = entry.submissions.get()
    for expected in (
        entry.credit_code, "330203 · 浙江省宁波市 · 报名人已确认", "宁波创新科技有限公司", "+8613812345678",
        "基于深度学习的表面缺陷检测，面向中小制造企业。", "发明专利：一种缺陷检测方法（ZL2022xxxx）",
        "2023 3200.50 400.00", receipt.number, receipt.sha256, entry.business_plan_sha256,
        "草稿 → 已提交", "工业视觉缺陷检测平台V2", thematic.name, "0.857",
    ):  # fmt: skip
        assert expected in text, expected
    html = response.content.decode()
    assert f'src="{reverse("console:entry_plan", args=[entry.pk])}"' in html
    assert [a["code"] for a in response.context["actions"]] == ["qualify", "return", "disqualify"]
    # The other entry is in another organizer's event: shown, but not linked.
    assert reverse("console:entry_detail", args=[other.pk]) not in html


def test_entry_detail_of_a_maker_team_lists_its_members(org_client, ningbo):
    owner = user()
    services.save_team(by=owner, data={"name": "甬江创客队", "leader_name": "陈晨", "leader_phone": "13600000001",
                                       "division": "330200", "declares_not_enterprise": True},
                       members=[{"name": "李雷", "role": "算法", "phone": "13600000002"}])  # fmt: skip
    entry = services.create_entry(by=owner, event=ningbo, group_code="maker", data={"title": "海洋垃圾识别"})
    services.update_entry(by=owner, entry=entry, data={**ENTRY, "title": "海洋垃圾识别"},
                          business_plan=("计划书.pdf", pdf_bytes()))  # fmt: skip
    services.submit_entry(by=owner, entry=entry)
    text = text_of(org_client.get(reverse("console:entry_detail", args=[entry.pk])))
    assert "甬江创客队" in text
    assert "李雷（算法） · +8613600000002" in text


def test_entry_review_return_then_reopen_after_qualify(org_client, ningbo, organizer):
    entry = submitted_entry(ningbo)
    url = reverse("console:entry_review", args=[entry.pk])
    response = org_client.post(url, {"action": "return", "reason": "请补充专利证书"}, follow=True)
    assert messages_of(response) == ["项目状态已更新为“退回修改”。"]
    entry.refresh_from_db()
    assert (entry.status, entry.organizer_comment) == ("returned", "请补充专利证书")

    services.submit_entry(by=entry.owner, entry=entry)
    org_client.post(url, {"action": "qualify"}, follow=True)
    response = org_client.post(url, {"action": "reopen", "reason": ""}, follow=True)
    assert messages_of(response) == ["撤销审查结论须写明理由。"]
    response = org_client.post(url, {"action": "reopen", "reason": "复核：专利已过期"}, follow=True)
    entry.refresh_from_db()
    last = entry.transitions.last()
    assert (entry.status, last.is_override, last.reason, last.actor) == (
        "submitted",
        True,
        "复核：专利已过期",
        organizer,
    )
    assert [a["code"] for a in response.context["actions"]] == ["qualify", "return", "disqualify"]


def test_entry_review_disqualify_without_reason_changes_nothing(org_client, ningbo):
    entry = submitted_entry(ningbo)
    response = org_client.post(
        reverse("console:entry_review", args=[entry.pk]), {"action": "disqualify"}, follow=True
    )
    assert messages_of(response) == ["资格审查不通过时请写明原因。"]
    entry.refresh_from_db()
    assert entry.status == "submitted"


def test_entry_plan_is_served_inline_and_may_be_framed_by_the_console(org_client, ningbo):
    entry = submitted_entry(ningbo)
    response = org_client.get(reverse("console:entry_plan", args=[entry.pk]))
    assert response.status_code == 200
    assert drain(response) == pdf_bytes()
    assert (response["Content-Type"], response["X-Frame-Options"]) == ("application/pdf", "SAMEORIGIN")
    assert response["Content-Disposition"].startswith("inline;")


def test_entry_plan_of_an_import_without_plan_is_404(org_client, ningbo):
    entry = submitted_entry(ningbo)
    Entry.objects.filter(pk=entry.pk).update(business_plan="")
    assert org_client.get(reverse("console:entry_plan", args=[entry.pk])).status_code == 404


# -- drafts are the entrant's own ----------------------------------------------------------------------


def test_entry_list_leaves_drafts_out_and_shows_their_number(org_client, ningbo):
    submitted = submitted_entry(ningbo, title="已提交项目")
    complete_entry(ningbo, title="草稿一")
    complete_entry(ningbo, title="草稿二")
    response = org_client.get(reverse("console:entry_list", args=[ningbo.pk]))
    assert [entry.pk for entry, _label in response.context["rows"]] == [submitted.pk]
    assert response.context["draft_count"] == 2
    assert "另有 2 份草稿未提交" in text_of(response)
    assert "草稿一" not in text_of(response)
    assert [
        value for value, _label in response.context["form"].fields["status"].choices if value == "draft"
    ] == []


def test_draft_pages_are_404_to_the_organizer(org_client, ningbo):
    draft = complete_entry(ningbo)
    for name in ("console:entry_detail", "console:entry_plan"):
        assert org_client.get(reverse(name, args=[draft.pk])).status_code == 404
    assert (
        org_client.post(reverse("console:entry_review", args=[draft.pk]), {"action": "qualify"}).status_code
        == 404
    )
    assert org_client.get(reverse("registration:entry_business_plan", args=[draft.pk])).status_code == 404
    assert Entry.objects.get(pk=draft.pk).status == "draft"


def test_draft_is_not_exported(org_client, ningbo):
    submitted = submitted_entry(ningbo, title="已提交项目")
    complete_entry(ningbo, title="草稿项目")
    response = org_client.get(reverse("console:entry_export", args=[ningbo.pk]))
    rows = list(load_workbook(io.BytesIO(response.getvalue())).active.iter_rows(values_only=True))
    titles = [dict(zip(ENTRY_COLUMNS, row, strict=True))["项目名称"] for row in rows[1:]]
    assert titles == [submitted.title]


def test_draft_withdrawn_before_submission_stays_private(org_client, ningbo):
    draft = complete_entry(ningbo)
    services.withdraw_entry(by=draft.owner, entry=draft)
    assert org_client.get(reverse("console:entry_detail", args=[draft.pk])).status_code == 404
    response = org_client.get(reverse("console:entry_list", args=[ningbo.pk]))
    assert (list(response.context["rows"]), response.context["draft_count"]) == ([], 0)


def test_submitted_draft_becomes_visible_to_the_organizer(org_client, ningbo):
    entry = complete_entry(ningbo)
    services.submit_entry(by=entry.owner, entry=entry)
    response = org_client.get(reverse("console:entry_detail", args=[entry.pk]))
    assert (response.status_code, response.context["entry"].pk) == (200, entry.pk)
    listed = org_client.get(reverse("console:entry_list", args=[ningbo.pk]))
    assert ([e.pk for e, _label in listed.context["rows"]], listed.context["draft_count"]) == ([entry.pk], 0)


# -- review flow: what awaits a decision first, then the next one ---------------------------------------


def test_entry_list_puts_entries_awaiting_a_decision_first(org_client, ningbo, organizer):
    old_pending = submitted_entry(ningbo, title="甲")
    decided = submitted_entry(ningbo, title="乙")
    returned = submitted_entry(ningbo, title="丙")
    resubmitted = submitted_entry(ningbo, title="丁")
    new_pending = submitted_entry(ningbo, title="戊")
    services.qualify_entry(by=organizer, entry=decided)
    services.return_entry(by=organizer, entry=returned, comment="补充")
    services.return_entry(by=organizer, entry=resubmitted, comment="补充")
    services.submit_entry(by=resubmitted.owner, entry=resubmitted)
    response = org_client.get(reverse("console:entry_list", args=[ningbo.pk]))
    assert [entry.title for entry, _label in response.context["rows"]] == ["戊", "丁", "甲", "丙", "乙"]
    assert [new_pending.pk, old_pending.pk] == [response.context["rows"][i][0].pk for i in (0, 2)]


def test_entry_detail_offers_the_next_pending_entry(org_client, ningbo, organizer):
    first = submitted_entry(ningbo, title="甲")
    decided = submitted_entry(ningbo, title="乙")
    current = submitted_entry(ningbo, title="丙")
    services.qualify_entry(by=organizer, entry=decided)
    response = org_client.get(reverse("console:entry_detail", args=[current.pk]))
    assert response.context["next_pending"].pk == first.pk
    assert (
        f'href="{reverse("console:entry_detail", args=[first.pk])}" id="next-pending"'
        in response.content.decode()
    )


def test_save_and_review_next_goes_to_the_next_pending_entry(org_client, ningbo, organizer):
    older = submitted_entry(ningbo, title="甲")
    decided = submitted_entry(ningbo, title="乙")
    current = submitted_entry(ningbo, title="丙")
    newest = submitted_entry(ningbo, title="丁")
    services.qualify_entry(by=organizer, entry=decided)
    url = reverse("console:entry_review", args=[current.pk])
    response = org_client.post(url, {"action": "qualify", "then": "next"})
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("console:entry_detail", args=[older.pk]),
    )
    response = org_client.post(
        reverse("console:entry_review", args=[older.pk]), {"action": "qualify", "then": "next"}
    )
    assert response["Location"] == reverse("console:entry_detail", args=[newest.pk])
    response = org_client.post(
        reverse("console:entry_review", args=[newest.pk]), {"action": "return", "reason": "补充", "then": "next"},
        follow=True,
    )  # fmt: skip
    assert response.redirect_chain == [(reverse("console:entry_list", args=[ningbo.pk]), 302)]
    assert messages_of(response)[-2:] == ["项目状态已更新为“退回修改”。", "本赛事已没有待审查的项目。"]


def test_review_without_next_stays_on_the_entry(org_client, ningbo):
    current = submitted_entry(ningbo)
    submitted_entry(ningbo)
    response = org_client.post(reverse("console:entry_review", args=[current.pk]), {"action": "qualify"})
    assert response["Location"] == reverse("console:entry_detail", args=[current.pk])


# -- export -----------------------------------------------------------------------------------------


def test_export_writes_every_filtered_entry_with_every_column(org_client, ningbo, organizer):
    entry = submitted_entry(ningbo, title='=HYPERLINK("http://evil")', market="-1+1")
    qualified = submitted_entry(ningbo, title="另一个项目")
    services.qualify_entry(by=organizer, entry=qualified)
    response = org_client.get(reverse("console:entry_export", args=[ningbo.pk]), {"status": "submitted"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ENTRY_COLUMNS
    assert len(rows) == 2
    row = dict(zip(ENTRY_COLUMNS, rows[1], strict=True))
    assert {k: row[k] for k in ("报名编号", "状态", "组别", "项目名称", "市场前景", "统一社会信用代码", "登记地",
                                "从业人数", "是否上市", "所属行业", "联系人手机", "商业计划书 SHA-256",
                                "提交内容 SHA-256", "疑似重复", "来源", "知识产权", "近三年财务（万元）")} == {
        "报名编号": entry.number, "状态": "已提交", "组别": "企业组",
        "项目名称": "=HYPERLINK(\"http://evil\")", "市场前景": "-1+1",
        "统一社会信用代码": entry.credit_code, "登记地": "浙江省宁波市", "从业人数": 45, "是否上市": "否",
        "所属行业": "C 制造业", "联系人手机": "13812345678",
        "商业计划书 SHA-256": entry.business_plan_sha256, "提交内容 SHA-256": entry.content_sha256,
        "疑似重复": 0, "来源": "在线报名", "知识产权": "发明专利 一种缺陷检测方法 ZL2022xxxx",
        "近三年财务（万元）": "2021年 营业收入 100.00 净利润 -20.00；2022年 营业收入 800.00 净利润 50.00；"
                           "2023年 营业收入 3200.50 净利润 400.00",
    }  # fmt: skip


# -- registration window --------------------------------------------------------------------------------


def test_window_form_sets_the_window_through_the_service(org_client, ningbo):
    url = reverse("console:window", args=[ningbo.pk])
    response = org_client.post(url, {"opens_at": "2024-06-01T09:00", "closes_on": "2024-07-31"}, follow=True)
    assert messages_of(response) == ["报名时间已保存。"]
    window = RegistrationWindow.objects.get(event=ningbo)
    assert (window.opens_at, window.closes_on) == (
        datetime(2024, 6, 1, 9, tzinfo=SHANGHAI),
        date(2024, 7, 31),
    )
    assert (
        AuditRecord.objects.filter(action="registration.window.set")
        .last()
        .actor_label.endswith(":ningbo-org")
    )
    assert "2024-06-01 09:00 开始，2024-07-31 24:00 截止" in text_of(response)


def test_window_form_refuses_a_close_before_the_opening(org_client, ningbo):
    before = RegistrationWindow.objects.get(event=ningbo).closes_on
    response = org_client.post(
        reverse("console:window", args=[ningbo.pk]),
        {"opens_at": "2024-08-01T09:00", "closes_on": "2024-07-31"},
    )
    assert response.context["form"].errors == {"closes_on": ["报名截止日不能早于开始日期。"]}
    assert RegistrationWindow.objects.get(event=ningbo).closes_on == before


# -- import ----------------------------------------------------------------------------------------------


def workbook(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


IMPORT_HEADERS = ["企业名称", "统一社会信用代码", "成立日期", "注册资本（万元）", "从业人数", "上年营业收入（万元）",
                  "所属行业", "联系人", "联系人手机", "项目名称", "项目简介"]  # fmt: skip


def import_file(*rows: list, name: str = "线下报名.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, workbook([IMPORT_HEADERS, *rows]))


def good_row(code: str | None = None, title: str = "智能仓储机器人") -> list:
    return ["宁波甬仓智能科技有限公司", code or credit_code("330203"), "2020-01-01", 500, 30, 1200,
            "C", "周敏", "13957400001", title, "仓储搬运机器人。"]  # fmt: skip


def test_import_preview_then_confirm_writes_the_entries(org_client, ningbo):
    url = reverse("console:entry_import", args=[ningbo.pk])
    code = credit_code("330203")
    preview = org_client.post(
        url, {"step": "preview", "file": import_file(good_row(code), good_row(code, title="第二"))}
    )
    assert [str(e) for e in preview.context["report"].errors] == [
        "第 3 行“统一社会信用代码”：与第 2 行的统一社会信用代码重复；每个企业本届只能报名一个项目。"
    ]
    assert preview.context["token"] is None
    assert Entry.objects.count() == 0

    preview = org_client.post(url, {"step": "preview", "file": import_file(good_row())})
    assert [(r.row, r.action) for r in preview.context["report"].rows] == [(2, "created")]
    token = preview.context["token"]
    assert 'id="confirm-form"' in preview.content.decode()
    assert Entry.objects.count() == 0

    done = org_client.post(url, {"step": "confirm", "token": token}, follow=True)
    assert done.redirect_chain == [(reverse("console:entry_list", args=[ningbo.pk]), 302)]
    assert messages_of(done) == ["导入完成：新增 1 个，更新 0 个，无变化 0 个。"]
    entry = Entry.objects.get()
    assert (entry.title, entry.status, entry.source) == ("智能仓储机器人", "submitted", "import")
    again = org_client.post(url, {"step": "confirm", "token": token}, follow=True)
    assert messages_of(again) == ["预览已失效，请重新上传文件。"]
    assert Entry.objects.count() == 1


def test_import_of_an_unreadable_file_shows_why(org_client, ningbo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = org_client.post(
        reverse("console:entry_import", args=[ningbo.pk]),
        {"step": "preview", "file": SimpleUploadedFile("a.xlsx", b"not a workbook")},
    )
    assert response.context["file_errors"] == [
        "无法读取 Excel 文件（文件损坏，或不是 .xlsx 格式；旧版 .xls 请另存为 .xlsx）。"
    ]


def test_import_template_has_the_import_headers(org_client, ningbo):
    response = org_client.get(reverse("console:import_template", args=[ningbo.pk]))
    rows = list(load_workbook(io.BytesIO(response.getvalue())).active.iter_rows(values_only=True))
    assert rows[0] == tuple(c.header for c in services.ENTRY_IMPORT_COLUMNS)
    assert rows[1][0] == "示例：宁波某某科技有限公司"


# -- language ---------------------------------------------------------------------------------------------


def test_console_switches_to_english(org_client, ningbo):
    org_client.cookies["django_language"] = "en"
    response = org_client.get(reverse("console:entry_list", args=[ningbo.pk]))
    text = text_of(response)
    assert "Entries" in text
    assert "Export to Excel" in text
