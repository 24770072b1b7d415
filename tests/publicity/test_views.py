"""公示 pages: the public index, detail, objection form, receipt and status lookup; the console."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from contest.core import sms
from contest.publicity import services
from contest.publicity.models import Notice, Objection
from tests.http import drain

from ..accounts.html import elements, texts
from .builders import PHONE, T0, advancement_round, file_verified, objection_data, published_list

pytestmark = pytest.mark.integration

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def code_sent(client, notice, phone: str = PHONE) -> str:
    """Step one of the objection form: the phone, then the code the SMS brought."""
    sms.outbox.clear()
    client.post(reverse("publicity:objection_create", args=[notice.pk]), {"phone": phone, "action": "send"})
    return re.search(r"验证码为 (\d{6})", sms.outbox[-1].text).group(1)


@pytest.fixture
def season(ningbo):
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        round_, best, organizer = advancement_round(ningbo, n=3, advance=2)
    with time_machine.travel(T0, tick=False):
        notice = published_list(ningbo, organizer, round_=round_)
    return {"round": round_, "best": best, "organizer": organizer, "event": ningbo, "notice": notice}


def test_public_detail_shows_rows_countdown_and_objection_link(client, season):
    notice = season["notice"]
    with time_machine.travel(T0 + timedelta(days=1, hours=2), tick=False):
        response = client.get(reverse("publicity:detail", args=[notice.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert season["best"][0].title in body
    assert season["best"][2].title not in body  # held, not on the list
    assert '<span class="pub-countdown" id="countdown" data-ends="2024-09-07T09:00:00+08:00"' in body
    assert ">3 天 22:00:00<" in body
    assert notice.current_version.sha256 in body
    assert reverse("publicity:objection_create", args=[notice.pk]) in body


def test_public_detail_search_filters_rows(client, season):
    notice = season["notice"]
    wanted = season["best"][1]
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        response = client.get(reverse("publicity:detail", args=[notice.pk]), {"q": wanted.number})
    body = response.content.decode()
    assert (wanted.title in body, season["best"][0].title in body) == (True, False)


def test_public_page_says_ended_awaiting_confirmation_after_the_period(client, season):
    notice = season["notice"]
    with time_machine.travel(T0 + timedelta(days=5), tick=False):
        body = client.get(reverse("publicity:detail", args=[notice.pk])).content.decode()
        form = client.get(reverse("publicity:objection_create", args=[notice.pk])).content.decode()
    assert "公示期已结束，待确认" in body
    assert 'id="object-link"' not in body
    assert "公示期已于 2024-09-07 09:00:00（北京时间）结束，不再受理异议。" in form


def test_draft_list_is_not_public(client, season, ningbo):
    draft = services.create_notice(by=season["organizer"], edition=ningbo.edition, event=ningbo, kind="advancement",
                                   title="草稿", params={"round": season["round"]})  # fmt: skip
    assert client.get(reverse("publicity:detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("publicity:objection_create", args=[draft.pk])).status_code == 404


def test_filing_an_objection_gives_a_receipt_and_status_lookup_shows_the_answer(client, season):
    notice = season["notice"]
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        code = code_sent(client, notice)
        response = client.post(
            reverse("publicity:objection_create", args=[notice.pk]),
            {**objection_data(row_number=season["best"][0].number), "code": code,
             "evidence": _upload("证据.png", PNG)},
        )  # fmt: skip
        assert response.status_code == 302
        receipt = client.get(response["Location"]).content.decode()
    objection = Objection.objects.get()
    assert objection.tracking_code in receipt
    assert "138****5678" in receipt
    services.answer_objection(
        by=season["organizer"], objection=objection, status="dismissed", response="经核查，材料真实。"
    )
    lookup = client.post(reverse("publicity:objection_status"),
                         {"code": objection.tracking_code.lower(), "phone": PHONE}).content.decode()  # fmt: skip
    wrong = client.post(reverse("publicity:objection_status"),
                        {"code": objection.tracking_code, "phone": "13900000000"}).content.decode()  # fmt: skip
    assert ("异议不成立" in lookup, "经核查，材料真实。" in lookup) == (True, True)
    assert "没有找到与该查询码和手机号对应的异议" in wrong
    assert "经核查" not in wrong


def test_bad_objection_re_renders_with_messages_and_keeps_input(client, season):
    notice = season["notice"]
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        code = code_sent(client, notice)
        response = client.post(reverse("publicity:objection_create", args=[notice.pk]),
                               {**objection_data(phone="110"), "code": code,
                                "evidence": _upload("a.exe", b"MZ\x90")})  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 200
    assert "证据文件只接受 PDF、JPG 或 PNG 格式。" in body
    assert "该项目存在知识产权纠纷。" in body
    assert Objection.objects.count() == 0


def error_summary(response) -> tuple[list[str], list[str]]:
    """(texts, link targets) of the objection form's error summary."""
    box = re.search(r'<div class="pub-error-summary" role="alert".*?</div>', response.content.decode(), re.S)
    assert box is not None
    return texts(box.group(0), "li"), [a["attrs"]["href"] for a in elements(box.group(0), "a")]


def test_objection_form_shows_every_problem_at_once_with_a_summary_on_top(client, season):
    notice = season["notice"]
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        code = code_sent(client, notice)
        response = client.post(reverse("publicity:objection_create", args=[notice.pk]), {
            "name": "", "phone": "110", "code": code, "email": "not-an-email", "reason": " ",
            "evidence": _upload("a.exe", b"MZ\x90"),
        })  # fmt: skip
    body = response.content.decode()
    messages = ["请输入有效的中国大陆手机号。", "请填写真实姓名。", "电子邮箱格式不正确。", "请填写异议理由。",
                "证据文件只接受 PDF、JPG 或 PNG 格式。"]  # fmt: skip
    labels = ["联系电话（手机号）", "真实姓名", "电子邮箱（选填）", "异议理由",
              "证据材料（选填，PDF、JPG 或 PNG，不超过 10 MB）"]  # fmt: skip
    assert response.status_code == 200
    assert error_summary(response) == (
        [f"{label}：{message}" for label, message in zip(labels, messages, strict=True)],
        ["#id_phone", "#id_name", "#id_email", "#id_reason", "#id_evidence"],
    )
    assert texts(response, "p", class_="field-error") == messages
    assert body.index('id="error-summary"') < body.index('<form method="post"')
    assert Objection.objects.count() == 0


def test_objection_form_merges_its_own_refusals_with_the_service_s(client, season):
    notice = season["notice"]
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        code = code_sent(client, notice)
        response = client.post(reverse("publicity:objection_create", args=[notice.pk]),
                               {**objection_data(name="李" * 51, phone="110", row_number="NO-SUCH"), "code": code})  # fmt: skip
    assert error_summary(response) == (
        ["联系电话（手机号）：请输入有效的中国大陆手机号。", "真实姓名：真实姓名不能超过 50 个字（现有 51 个）。",
         "涉及项目（选填）：名单中没有这个报名编号。"],
        ["#id_phone", "#id_name", "#id_row_number"],
    )  # fmt: skip
    assert Objection.objects.count() == 0


def test_evidence_is_never_served_publicly(client, season):
    notice = season["notice"]
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        objection = file_verified(by=None, notice=notice, data=objection_data(), evidence=("e.png", PNG))
    url = reverse("publicity_console:evidence", args=[notice.pk, objection.pk])
    anonymous = client.get(url)
    assert anonymous.status_code == 302  # to the sign-in page
    assert (
        objection.evidence.name
        not in client.get(reverse("publicity:detail", args=[notice.pk])).content.decode()
    )
    assert (
        objection.evidence.name
        not in client.post(
            reverse("publicity:objection_status"), {"code": objection.tracking_code, "phone": PHONE}
        ).content.decode()
    )
    client.force_login(season["organizer"])
    response = client.get(url)
    assert (response.status_code, response["Content-Type"], drain(response)) == (200, "image/png", PNG)


def test_console_create_preview_publish_answer_revise_and_finalize(client, season, ningbo):
    organizer = season["organizer"]
    client.force_login(organizer)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        response = client.post(reverse("publicity_console:create"), {
            "scope": f"event:{ningbo.pk}", "kind": "advancement", "title": "复赛晋级名单", "round": season["round"].pk,
        })  # fmt: skip
        notice = Notice.objects.get(title="复赛晋级名单")
        assert response["Location"] == reverse("publicity_console:detail", args=[notice.pk])
        preview = client.get(response["Location"]).content.decode()
        assert season["best"][0].title in preview
        assert "默认结束时间：2024-09-07 10:00（北京时间）" in preview
        client.post(reverse("publicity_console:publish", args=[notice.pk]), {"ends_at": "2024-09-05T17:00"})
    notice.refresh_from_db()
    assert (notice.status, services.shanghai(notice.current_version.period_ends_at)) == (
        "published", "2024-09-05 17:00:00")  # fmt: skip
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        objection = file_verified(by=None, notice=notice, data=objection_data())
        client.post(reverse("publicity_console:answer", args=[notice.pk, objection.pk]),
                    {"status": "upheld", "response": "属实，删除第二行。"})  # fmt: skip
        items = notice.current_version.items
        post = {"count": 2, "reason": "异议成立", "objections": [objection.pk], "ends_at": "2024-09-08T17:00",
                "row-1-delete": "on"}  # fmt: skip
        for i, row in enumerate(items):
            post.update({f"row-{i}-{k}": v for k, v in row.items()})
        response = client.post(reverse("publicity_console:revise", args=[notice.pk]), post)
        assert response.status_code == 302
    notice.refresh_from_db()
    assert (notice.current_version.number, notice.current_version.items) == (2, items[:1])
    with time_machine.travel(T0 + timedelta(days=7), tick=False):
        client.post(reverse("publicity_console:finalize", args=[notice.pk]))
    assert Notice.objects.get(pk=notice.pk).status == "final"


def test_console_upload_lists_row_errors_and_creates_nothing(client, season, ningbo):
    client.force_login(season["organizer"])
    csv = "报名编号,项目名称,参赛主体,备注\nA1,项目甲,甲公司,\nA1,,乙公司,\n".encode()
    response = client.post(reverse("publicity_console:create"), {
        "scope": f"event:{ningbo.pk}", "kind": "custom", "title": "优秀组织单位", "file": _upload("list.csv", csv),
    })  # fmt: skip
    body = response.content.decode()
    assert "第 3 行“项目名称”：必填。" in body
    assert "第 3 行“报名编号”：A1 与第 2 行重复。" in body
    assert not Notice.objects.filter(title="优秀组织单位").exists()


def test_exports_are_formula_safe(client, season):
    import io

    from openpyxl import load_workbook

    notice = season["notice"]
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        file_verified(by=None, notice=notice, data=objection_data(reason='=HYPERLINK("http://x")'))
    client.force_login(season["organizer"])
    data = drain(client.get(reverse("publicity_console:export_objections", args=[notice.pk])))
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("异议理由") + 1)
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")  # text, never a formula
    items = load_workbook(
        io.BytesIO(drain(client.get(reverse("publicity_console:export_items", args=[notice.pk]))))
    ).active
    assert [c.value for c in items[1]] == [
        "序号",
        "报名编号",
        "项目名称",
        "参赛主体",
        "省份",
        "组别",
        "排名",
        "得分",
    ]
    assert items.max_row == 3


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_public_pages_speak_english_when_asked(client, season):
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        body = client.get(
            reverse("publicity:detail", args=[season["notice"].pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    assert ("Object to this list" in body, "SHA-256 of this version" in body, "对名单提出异议" in body) == (
        True,
        True,
        False,
    )


def test_public_index_lists_open_then_ended_then_final_and_filters_by_event(client, season, ningbo):
    organizer, round_ = season["organizer"], season["round"]
    with time_machine.travel(T0 - timedelta(days=10), tick=False):
        final = published_list(ningbo, organizer, round_=round_, title="已确认的名单")
    with time_machine.travel(T0 - timedelta(days=4), tick=False):
        ended = published_list(
            ningbo, organizer, round_=round_, ends_at=T0 - timedelta(hours=1), title="待确认的名单"
        )
        services.finalize_due_notices()  # finalizes ``final`` (its period ended days ago)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        body = client.get(reverse("publicity:index")).content.decode()
        other = client.get(reverse("publicity:index"), {"event": ningbo.pk + 1}).content.decode()
    order = [body.index(t) for t in (season["notice"].title, "待确认的名单", "已确认的名单")]
    assert order == sorted(order)
    assert [body.index(f'id="section-{phase}"') for phase in ("open", "ended", "final")] == sorted(
        body.index(f'id="section-{phase}"') for phase in ("open", "ended", "final")
    )
    assert list(Notice.objects.filter(pk__in=[final.pk, ended.pk]).order_by("pk").values_list("status", flat=True)) == [
        "final", "published"]  # fmt: skip
    assert "暂无公示" in other


def test_public_version_switcher_keeps_version_one_viewable_with_its_hash(client, season):
    notice, organizer = season["notice"], season["organizer"]
    v1 = notice.current_version
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        objection = file_verified(by=None, notice=notice, data=objection_data())
        services.answer_objection(by=organizer, objection=objection, status="upheld", response="属实。")
        v2 = services.publish_version(by=organizer, notice=notice, items=v1.items[:1], reason="删除一行",
                                      objections=[objection])  # fmt: skip
        current = client.get(reverse("publicity:detail", args=[notice.pk])).content.decode()
        old = client.get(reverse("publicity:detail", args=[notice.pk]), {"v": 1}).content.decode()
    dropped = season["best"][1].title
    assert (v2.sha256 in current, dropped in current, "删除一行" in current) == (True, False, True)
    assert (v1.sha256 in old, dropped in old, "您正在查看历史版本" in old) == (True, True, True)
