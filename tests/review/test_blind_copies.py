"""What a judge gets in a blind round leaks nothing of the entrant: the typed text is redacted of the
account's e-mail too, and the judge's copy of the plan holds no object — referenced or not — that
names the entrant. A plan beyond the upload limits is refused at once, not stamped at any cost."""

from __future__ import annotations

import io
import time

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import FreeText, Text
from pypdf.generic import (
    DictionaryObject,
    IndirectObject,
    NameObject,
    StreamObject,
    TextStringObject,
)

from contest.accounts import tokens
from contest.registration import services as reg
from contest.registration.models import Entry
from contest.review import watermark
from contest.review.models import Assignment

from ..registration.factories import enterprise_owner, organizer_for, user
from .factories import expert
from .judging import entry_with_plan, judging_round, plan_with_metadata, xmp_packet

ENTERPRISE = "鹰眼星辰量子科技有限公司"
AUTHOR = "欧阳娜娜"
EMAIL = "ouyang.nana@yingyan-xingchen.cn"
MEMBER, MEMBER_PHONE = "诸葛明月", "13633334444"
STAMP = "王芳 · 手机尾号 5678 · 仅供评审使用"
REDACTED = "〔已隐去〕"


def forms_of(text: str) -> list[bytes]:
    """How a string may sit in a PDF: UTF-8, UTF-16BE (text strings), and hex of UTF-16BE."""
    utf16 = text.encode("utf-16-be")
    return [text.encode(), utf16, utf16.hex().encode(), utf16.hex().upper().encode()]


def every_object(data: bytes) -> list[tuple[int, bytes]]:
    """Every indirect object of the file, found through its cross-reference table (so objects that
    nothing references are read too), as the bytes of its dictionary and its decoded stream."""
    reader = PdfReader(io.BytesIO(data))
    found = []
    numbers = {(num, gen) for gen, table in reader.xref.items() for num in table}
    numbers |= {(num, 0) for num in reader.xref_objStm}
    assert numbers, "the file has a cross-reference table"
    for num, gen in sorted(numbers):
        obj = reader.get_object(IndirectObject(num, gen, reader))
        text = repr(obj).encode("utf-8", "backslashreplace")
        if isinstance(obj, StreamObject):
            text += obj.get_data()
        found.append((num, text))
    return found


def hostile_plan() -> bytes:
    """``plan_with_metadata`` plus what else an office suite or a hand can put in: an annotation
    with the author's name and contents, a free-text note, page-level XMP, an embedded file, a
    document JavaScript and an open action."""
    writer = PdfWriter(clone_from=io.BytesIO(plan_with_metadata(ENTERPRISE)))
    note = writer.add_annotation(
        page_number=1, annotation=Text(rect=(50, 50, 200, 150), text=f"{AUTHOR} {EMAIL}")
    )
    note[NameObject("/T")] = TextStringObject(AUTHOR)
    writer.add_annotation(page_number=2, annotation=FreeText(text=f"审阅：{AUTHOR}", rect=(10, 10, 300, 60)))
    page_xmp = StreamObject()
    page_xmp._data = xmp_packet(f"{AUTHOR} <{EMAIL}>")
    page_xmp.update(
        {NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")}
    )
    writer.pages[0][NameObject("/Metadata")] = writer._add_object(page_xmp)
    writer.pages[0][NameObject("/PieceInfo")] = DictionaryObject(
        {NameObject("/Owner"): TextStringObject(ENTERPRISE)}
    )
    writer.add_attachment(f"{ENTERPRISE}.txt", f"{ENTERPRISE} {EMAIL}".encode())
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(f"app.alert('{EMAIL}');"),
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.unit
def test_the_judges_copy_holds_no_object_that_names_the_entrant():
    original = hostile_plan()
    identities = [ENTERPRISE, AUTHOR, EMAIL]
    in_original = {
        s for s in identities for _, text in every_object(original) if any(f in text for f in forms_of(s))
    }
    assert in_original == set(identities)  # the control: the reader finds them where they are

    stamped = watermark.watermarked_plan(original, judge_key="expert:1", text=STAMP)

    leaks = [
        (num, s)
        for num, text in every_object(stamped)
        for s in identities
        if any(f in text for f in forms_of(s))
    ]
    assert leaks == []
    assert [s for s in identities if any(f in stamped for f in forms_of(s))] == []
    reader = PdfReader(io.BytesIO(stamped))
    assert (reader.metadata, reader.xmp_metadata, reader.attachments) == (None, None, {})
    assert sorted(reader.trailer["/Root"].keys()) == ["/Pages", "/Type"]
    assert [
        sorted(k for k in p if k in ("/Annots", "/Metadata", "/PieceInfo", "/AA")) for p in reader.pages
    ] == ([[]] * 4)
    assert [STAMP in p.extract_text() for p in reader.pages] == [True] * 4


@pytest.mark.unit
def test_every_object_written_is_reachable_from_the_catalog():
    stamped = PdfReader(
        io.BytesIO(watermark.watermarked_plan(hostile_plan(), judge_key="expert:1", text=STAMP))
    )
    reachable: set[int] = set()
    stack = [stamped.trailer.raw_get("/Root")]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if obj.idnum in reachable:
                continue
            reachable.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            stack.extend(obj.raw_get(k) for k in obj)
        elif isinstance(obj, list):
            stack.extend(obj)

    written = {num for table in stamped.xref.values() for num in table} | set(stamped.xref_objStm)

    assert written - reachable == set()


@pytest.mark.unit
def test_a_plan_beyond_the_limits_is_refused_by_the_watermark_at_once():
    writer = PdfWriter()
    writer.add_blank_page(width=14400, height=14400)
    out = io.BytesIO()
    writer.write(out)

    started = time.perf_counter()
    with pytest.raises(watermark.PlanTooLarge) as caught:
        watermark.watermarked_plan(out.getvalue(), judge_key="expert:1", text=STAMP)
    elapsed = time.perf_counter() - started

    assert caught.value.message == (
        "PDF 第 1 页尺寸为 14400 × 14400 pt，超过上限：每边不超过 5000 pt（约 176 cm，大于 A0）。"
        "请按 A4 等常规尺寸导出后上传。"
    )
    assert elapsed < 0.5


def _blind_world(event):
    organizer = organizer_for(event)
    owner = enterprise_owner(name=ENTERPRISE, contact_name=AUTHOR)
    owner.email = EMAIL
    owner.save(update_fields=["email"])
    entry = entry_with_plan(
        event, owner, organizer, plan=("计划书.pdf", plan_with_metadata(ENTERPRISE)),
        summary=f"欢迎来信 {EMAIL.upper()} 洽谈合作。", team_description=f"联系邮箱：{EMAIL}。",
    )  # fmt: skip
    judge = expert(organizer, name="王芳")
    round_ = judging_round(event, organizer, entries=[entry], judges=[judge], pairs=[(0, 0)], blind=True)
    return entry, judge, round_, Assignment.objects.get(round=round_)


@pytest.mark.integration
def test_the_accounts_email_is_redacted_on_the_judges_page_and_in_the_api(ningbo):
    _entry, judge, round_, assignment = _blind_world(ningbo)
    page = Client()
    page.force_login(judge.user)
    key = tokens.issue_api_token(by=judge.user, name="测试")[1]

    html = page.get(reverse("judge:entry", args=[round_.pk, assignment.round_entry.code])).content.decode()
    api = Client().get(
        f"/api/v1/judge/assignments/{assignment.pk}", headers={"Authorization": f"Bearer {key}"}
    )

    body = api.json()["entry"]
    assert (body["summary"], body["team_description"]) == (
        f"欢迎来信 {REDACTED} 洽谈合作。",
        f"联系邮箱：{REDACTED}。",
    )
    assert [
        s for s in (EMAIL, EMAIL.upper(), ENTERPRISE, AUTHOR) if s in html or s in api.content.decode()
    ] == []
    assert f"欢迎来信 {REDACTED} 洽谈合作。" in html


@pytest.mark.integration
def test_team_members_names_and_phones_are_redacted(ningbo):
    organizer = organizer_for(ningbo)
    owner = user()
    reg.save_team(by=owner, data={"name": "青鸾极光创客队", "leader_name": "司马青云", "leader_phone": "13611112222",
                                  "division": "330200", "declares_not_enterprise": True},
                  members=[{"name": MEMBER, "role": "算法", "phone": MEMBER_PHONE, "affiliation": "东海星辰大学"}])  # fmt: skip
    entry = entry_with_plan(
        ningbo, owner, organizer, plan=("计划书.pdf", plan_with_metadata("团队")), group_code="maker",
        team_description=f"成员{MEMBER}（136 3333 4444）负责算法，邮箱 {owner.email}。",
    )  # fmt: skip
    judge = expert(organizer, name="王芳")
    round_ = judging_round(ningbo, organizer, entries=[entry], judges=[judge], pairs=[(0, 0)], blind=True)
    key = tokens.issue_api_token(by=judge.user, name="测试")[1]
    assignment = Assignment.objects.get(round=round_)

    body = Client().get(
        f"/api/v1/judge/assignments/{assignment.pk}", headers={"Authorization": f"Bearer {key}"}
    )

    assert (
        body.json()["entry"]["team_description"] == f"成员{REDACTED}（{REDACTED}）负责算法，邮箱 {REDACTED}。"
    )


@pytest.mark.integration
def test_a_stored_plan_beyond_the_limits_gets_the_judge_a_clear_message_at_once(ningbo):
    entry, judge, round_, assignment = _blind_world(ningbo)
    writer = PdfWriter()
    writer.add_blank_page(width=14400, height=14400)
    out = io.BytesIO()
    writer.write(out)
    stored = Entry.objects.get(pk=entry.pk)  # as a plan stored before the limits existed
    stored.business_plan.save("old.pdf", ContentFile(out.getvalue()), save=True)
    client = Client()
    client.force_login(judge.user)

    started = time.perf_counter()
    response = client.get(reverse("judge:plan", args=[round_.pk, assignment.round_entry.code]))
    elapsed = time.perf_counter() - started

    assert (response.status_code, response["Content-Type"]) == (422, "text/plain; charset=utf-8")
    assert response.content.decode() == (
        "该项目的商业计划书超出平台限制，无法生成评审副本：PDF 第 1 页尺寸为 14400 × 14400 pt，超过上限："
        "每边不超过 5000 pt（约 176 cm，大于 A0）。请按 A4 等常规尺寸导出后上传。 请联系组织方。"
    )
    assert elapsed < 2


@pytest.mark.integration
def test_the_judges_copy_is_served_sandboxed(ningbo):
    _entry, judge, round_, assignment = _blind_world(ningbo)
    client = Client()
    client.force_login(judge.user)

    response = client.get(reverse("judge:plan", args=[round_.pk, assignment.round_entry.code]))

    code = assignment.round_entry.code
    assert {h: response[h] for h in ("Content-Type", "Content-Disposition", "Content-Security-Policy",
                                     "X-Content-Type-Options", "Cache-Control")} == {
        "Content-Type": "application/pdf", "Content-Disposition": f'inline; filename="{code}.pdf"',
        "Content-Security-Policy": "sandbox allow-scripts", "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }  # fmt: skip
