"""Uploads cost bounded time, memory and storage: PDFs by size, page count and page size; images by
format, dimensions and count; replaced files deleted once nothing refers to them."""

from __future__ import annotations

import io
import json
import time
import tracemalloc
import wave

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import resolve, reverse
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import NameObject, NumberObject, RectangleObject

from contest.accounts import tokens
from contest.core.errors import ValidationFailed
from contest.registration import services
from contest.registration import validators as v
from contest.registration.models import EntryImage

from .factories import ENTRY, complete_entry, enterprise_owner, pdf_bytes, submitted_entry

pytestmark = pytest.mark.django_db

PAGE_LIMIT = "每边不超过 5000 pt（约 176 cm，大于 A0）。请按 A4 等常规尺寸导出后上传。"


def pdf_of(*sizes: tuple[float, float], user_unit: float | None = None) -> bytes:
    writer = PdfWriter()
    for width, height in sizes:
        page = writer.add_blank_page(width=width, height=height)
        if user_unit is not None:
            page[NameObject("/UserUnit")] = NumberObject(user_unit)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def huge_png_header(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` × ``height`` in its header and holds one tiny compressed row:
    what a decompression bomb looks like before decoding."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))  # fmt: skip


def wav_named_webp() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 800)
    return out.getvalue()


def refusal(fn, *args) -> tuple[str, str | None]:
    with pytest.raises(ValidationFailed) as caught:
        fn(*args)
    return caught.value.message, caught.value.field


# -- PDFs ---------------------------------------------------------------------------------------------


def test_a_tiny_pdf_with_a_giant_page_is_refused_at_upload_in_milliseconds():
    data = pdf_of((14400, 14400))
    assert len(data) == 435

    started = time.perf_counter()
    message, field = refusal(v.check_pdf, "plan.pdf", data)
    elapsed = time.perf_counter() - started

    assert (message, field) == (
        f"PDF 第 1 页尺寸为 14400 × 14400 pt，超过上限：{PAGE_LIMIT}",
        "business_plan",
    )
    assert elapsed < 0.5


def test_the_page_size_counts_user_unit_and_every_page_and_the_crop_box():
    ok = (595, 842)
    scaled = pdf_of(ok, (600, 600), user_unit=10)  # 6,000 pt a side once /UserUnit applies
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    odd = writer.add_blank_page(width=595, height=842)
    odd.cropbox = RectangleObject([0, 0, 595, 6000])
    out = io.BytesIO()
    writer.write(out)

    assert (
        refusal(v.check_pdf, "a.pdf", scaled)[0]
        == f"PDF 第 1 页尺寸为 5950 × 8420 pt，超过上限：{PAGE_LIMIT}"
    )
    assert refusal(v.check_pdf, "b.pdf", pdf_of(ok, ok, (5001, 100)))[0] == (
        f"PDF 第 3 页尺寸为 5001 × 100 pt，超过上限：{PAGE_LIMIT}"
    )
    assert refusal(v.check_pdf, "c.pdf", out.getvalue())[0] == (
        f"PDF 第 2 页尺寸为 595 × 6000 pt，超过上限：{PAGE_LIMIT}"
    )


def test_a_pdf_at_the_limits_is_accepted_and_one_page_more_is_refused():
    at_limit = pdf_of(*[(5000, 5000)] * 100)
    checked = v.check_pdf("plan.pdf", at_limit)

    assert checked.pages == 100
    assert refusal(v.check_pdf, "plan.pdf", pdf_of(*[(595, 842)] * 101)) == (
        "PDF 共 101 页，超过上限 100 页，请精简后上传。",
        "business_plan",
    )


def test_a_password_protected_pdf_is_refused_with_the_reason():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)

    assert refusal(v.check_pdf, "plan.pdf", out.getvalue())[0] == "PDF 文件设有打开密码，请取消密码后上传。"


def test_a_long_file_name_is_shortened_and_keeps_its_pdf_extension(ningbo):
    name = "鹰眼星辰" * 60 + "商业计划书.pdf"  # 249 characters
    entry = complete_entry(ningbo)

    entry = services.update_entry(by=entry.owner, entry=entry, data={}, business_plan=(name, pdf_bytes(3)))

    assert v.safe_filename(name, default="x") == ("鹰眼星辰" * 60)[:116] + ".pdf"
    assert (len(entry.business_plan_name), entry.business_plan_name[-8:], entry.business_plan_pages) == (
        120, "鹰眼星辰.pdf", 3,
    )  # fmt: skip
    assert v.safe_filename("a" * 130 + ".png", default="x") == "a" * 116 + ".png"
    assert v.safe_filename("x" * 130, default="d") == "x" * 120


def test_the_api_refuses_an_oversized_plan_by_its_size_before_reading_it(ningbo):
    entry = complete_entry(ningbo)
    key = tokens.issue_api_token(by=entry.owner, name="测试")[1]
    path = f"/api/v1/me/entries/{entry.pk}/business-plan"
    body = b"%PDF-1.7\n" + bytes(30 * 1024 * 1024)
    request = RequestFactory().post(
        path, {"file": SimpleUploadedFile("plan.pdf", body)}, headers={"Authorization": f"Bearer {key}"}
    )
    match = resolve(path)

    tracemalloc.start()
    try:
        response = match.func(request, *match.args, **match.kwargs)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        request.close()  # the handler would: it closes the temporary upload file

    assert (response.status_code, json.loads(response.content)["detail"]) == (
        422,
        "文件过大：30.0 MB，上限 20 MB。",
    )
    assert peak < 8 * 1024 * 1024  # the 30 MB went to a temporary file and was never read


# -- images -------------------------------------------------------------------------------------------


def test_an_image_of_60000_by_60000_pixels_is_refused_from_its_header():
    data = huge_png_header(60000, 60000)
    assert len(data) < 200

    assert refusal(v.check_image, "海报.png", data) == (
        "图片“海报.png”像素过多，超过上限：每边不超过 10000 像素、总计不超过 2500 万像素。",
        "images",
    )
    assert refusal(v.check_image, "长图.png", huge_png_header(12000, 10))[0] == (
        "图片“长图.png”为 12000 × 10 像素，超过上限：每边不超过 10000 像素、总计不超过 2500 万像素。"
    )
    assert refusal(v.check_image, "大图.png", huge_png_header(6000, 5000))[0] == (
        "图片“大图.png”为 6000 × 5000 像素，超过上限：每边不超过 10000 像素、总计不超过 2500 万像素。"
    )


def test_a_wav_named_webp_and_a_truncated_png_are_refused():
    sound = wav_named_webp()
    assert sound.startswith(b"RIFF")  # what the old magic-byte check accepted as WebP
    whole = png(40, 30)

    assert refusal(v.check_image, "产品.webp", sound) == (
        "“产品.webp”不是 PNG、JPEG、GIF 或 WebP 图片。",
        "images",
    )
    assert refusal(v.check_image, "产品.png", whole[: len(whole) // 2])[0] == (
        "图片“产品.png”已损坏或不完整，请重新保存后上传。"
    )


def test_a_real_image_is_accepted_with_its_format_from_the_data():
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (1, 2, 3)).save(out, "WEBP")

    checked = v.check_image("照片.png", out.getvalue())  # the name's extension is not believed

    assert (checked.extension, checked.width, checked.height) == (".webp", 64, 48)


def test_at_most_ten_images_per_entry(ningbo):
    entry = complete_entry(ningbo)
    entry = services.update_entry(by=entry.owner, entry=entry, data={},
                                  images=[(f"图{i}.png", png(8 + i, 8)) for i in range(8)])  # fmt: skip

    with pytest.raises(ValidationFailed) as caught:
        services.update_entry(by=entry.owner, entry=entry, data={},
                              images=[(f"新{i}.png", png(30 + i, 8)) for i in range(3)])  # fmt: skip

    assert (caught.value.message, caught.value.field) == (
        "每个项目最多 10 张图片：已有 8 张，本次上传 3 张。请先删除不需要的图片。",
        "images",
    )
    assert EntryImage.objects.filter(entry=entry).count() == 8
    assert sorted(EntryImage.objects.filter(entry=entry).values_list("order", flat=True)) == list(range(8))


def test_the_form_refuses_eleven_images_before_reading_them(client, ningbo):
    entry = complete_entry(ningbo)
    client.force_login(entry.owner)
    post = {"title": ENTRY["title"], "industry": "I", "version": str(entry.version), "action": "save",
            "images": [SimpleUploadedFile(f"图{i}.png", png(8, 8)) for i in range(11)]}  # fmt: skip

    response = client.post(reverse("registration:entry_edit", args=[entry.pk]), post)

    assert response.context["form"].errors["images"] == ["每个项目最多 10 张图片，本次选择了 11 张。"]
    assert EntryImage.objects.filter(entry=entry).count() == 0


def test_the_form_states_the_image_limit(client, ningbo):
    entry = services.create_entry(by=enterprise_owner(), event=ningbo, group_code="enterprise",
                                  data={"title": ENTRY["title"]})  # fmt: skip
    client.force_login(entry.owner)

    body = client.get(reverse("registration:entry_edit", args=[entry.pk])).content.decode()

    assert "PNG、JPEG、GIF 或 WebP，每张不超过 5 MB，每个项目最多 10 张，可多选。" in body
    assert (
        "PDF 格式，不超过 20 MB、100 页，每页每边不超过 5000 pt；提交前必须上传。重新上传会替换原文件。"
        in body
    )


# -- storage ------------------------------------------------------------------------------------------


def test_a_drafts_replaced_plan_is_deleted_after_the_commit(ningbo, django_capture_on_commit_callbacks):
    entry = complete_entry(ningbo)
    old = entry.business_plan.name
    assert default_storage.exists(old)

    with django_capture_on_commit_callbacks(execute=False) as pending:
        entry = services.update_entry(
            by=entry.owner, entry=entry, data={}, business_plan=("新.pdf", pdf_bytes(5))
        )
    still_there = default_storage.exists(old)  # until the commit, the old row may still be read
    for callback in pending:
        callback()

    assert (still_there, default_storage.exists(old), default_storage.exists(entry.business_plan.name)) == (
        True, False, True,
    )  # fmt: skip


def test_a_plan_a_receipt_certifies_is_kept_when_a_returned_entry_gets_a_new_one(
    ningbo, django_capture_on_commit_callbacks
):
    from .factories import organizer_for

    entry = submitted_entry(ningbo)
    submitted = entry.business_plan.name
    services.return_entry(by=organizer_for(ningbo), entry=entry, comment="请补充财务数据。")
    entry.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        entry = services.update_entry(
            by=entry.owner, entry=entry, data={}, business_plan=("新.pdf", pdf_bytes(4))
        )

    assert entry.submissions.get().manifest["files"][0]["sha256"] in services.submitted_sha256s(entry)
    assert (default_storage.exists(submitted), default_storage.exists(entry.business_plan.name)) == (
        True,
        True,
    )


def test_a_removed_draft_image_is_deleted_after_the_commit(ningbo, django_capture_on_commit_callbacks):
    entry = complete_entry(ningbo)
    entry = services.update_entry(by=entry.owner, entry=entry, data={}, images=[("图.png", png(20, 20))])
    image = entry.images.get()
    name = image.file.name

    with django_capture_on_commit_callbacks(execute=True):
        services.remove_image(by=entry.owner, image=image)

    assert (EntryImage.objects.filter(entry=entry).count(), default_storage.exists(name)) == (0, False)


def test_files_of_a_refused_change_are_not_left_behind(ningbo):
    entry = complete_entry(ningbo)
    before = set(default_storage.listdir(f"entries/{entry.edition_id}/{entry.pk}")[1])

    with pytest.raises(Exception, match="项目已在其他窗口中被修改"):
        services.update_entry(by=entry.owner, entry=entry, data={}, business_plan=("新.pdf", pdf_bytes(6)),
                              expected_version=entry.version - 1)  # fmt: skip

    assert set(default_storage.listdir(f"entries/{entry.edition_id}/{entry.pk}")[1]) == before


# -- the identity warning -----------------------------------------------------------------------------


def plan_saying(text: str) -> bytes:
    from weasyprint import HTML

    html = f"<style>body {{ font-family: 'Noto Sans CJK SC' }}</style><p>{text}</p>"
    return HTML(string=html).write_pdf()


def test_an_entrant_whose_plan_names_them_is_warned_after_saving(client, ningbo):
    owner = enterprise_owner(name="鹰眼星辰量子科技有限公司", contact_name="欧阳娜娜")
    entry = complete_entry(ningbo, owner)
    client.force_login(owner)
    plan = plan_saying(f"鹰眼星辰量子科技有限公司 联系人欧阳娜娜 邮箱 {owner.email}")
    post = {"title": ENTRY["title"], "industry": "I", "version": str(entry.version), "action": "save",
            "business_plan": SimpleUploadedFile("计划书.pdf", plan)}  # fmt: skip

    response = client.post(reverse("registration:entry_edit", args=[entry.pk]), post, follow=True)

    entry.refresh_from_db()
    assert entry.business_plan_pages == 1
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings == [
        f"商业计划书已保存，但其中出现了可识别您身份的信息：{owner.email}、鹰眼星辰量子科技有限公司、"
        "鹰眼星辰量子科技、欧阳娜娜。本赛事的网络评审为匿名评审，评委会看到 PDF 原文；建议删去这些信息后重新上传。"
    ]


def test_a_plan_without_the_entrants_identity_brings_no_warning(ningbo):
    entry = complete_entry(ningbo)

    assert (
        services.plan_identity_hits(entry=entry, data=plan_saying("项目计划书正文：市场、技术与团队。")) == []
    )


# -- spreadsheets -------------------------------------------------------------------------------------


def rows_xlsx(rows: int) -> bytes:
    """An .xlsx of the entry import's header and ``rows`` one-cell rows, without a <dimension>:
    tiny packed, huge unpacked."""
    import zipfile

    from contest.registration.services import ENTRY_IMPORT_COLUMNS

    ns = "http://schemas.openxmlformats.org"
    header = "".join(f'<c t="inlineStr"><is><t>{c.header}</t></is></c>' for c in ENTRY_IMPORT_COLUMNS)
    sheet = (f'<worksheet xmlns="{ns}/spreadsheetml/2006/main"><sheetData><row>{header}</row>'
             + "<row><c><v>1</v></c></row>" * rows + "</sheetData></worksheet>")  # fmt: skip
    parts = {
        "[Content_Types].xml": f'<Types xmlns="{ns}/package/2006/content-types"><Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>",
        "_rels/.rels": f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" '
        f'Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/'
        'relationships"><sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship '
        f'Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": sheet,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in parts.items():
            archive.writestr(name, text.encode())
    return out.getvalue()


def test_a_small_xlsx_of_a_million_rows_is_refused_before_openpyxl_reads_it():
    from contest.registration.importer import ImportFileError, read_entry_table

    data = rows_xlsx(1_000_000)
    assert len(data) < 80_000

    started = time.perf_counter()
    with pytest.raises(ImportFileError) as caught:
        read_entry_table(data, filename="报名.xlsx")
    elapsed = time.perf_counter() - started

    assert caught.value.message == (
        "Excel 文件过大：工作表超过 50000 行或解压后超过 64 MB，请删去多余的行后重新上传。"
    )
    assert elapsed < 10  # 30–70 s before: openpyxl parsed the whole sheet to size it


def test_a_sheet_within_the_row_bound_still_reaches_the_importers_own_limit():
    from contest.registration.importer import ImportFileError, read_entry_table

    with pytest.raises(ImportFileError) as caught:
        read_entry_table(rows_xlsx(6000), filename="报名.xlsx")

    assert caught.value.message == "一次最多导入 5000 行，文件超过了 5000 行；请分批导入。"


# -- serving ------------------------------------------------------------------------------------------

SERVED = ("Content-Type", "Content-Disposition", "Content-Security-Policy", "X-Content-Type-Options",
          "Cache-Control", "Referrer-Policy", "Cross-Origin-Resource-Policy")  # fmt: skip


def test_uploaded_plans_and_images_are_served_sandboxed_and_unsniffed(ningbo):
    from .factories import organizer_for

    entry = complete_entry(ningbo)
    entry = services.update_entry(by=entry.owner, entry=entry, data={}, images=[("图.png", png(6, 6))])
    services.submit_entry(by=entry.owner, entry=entry)  # organizers see submitted entries
    owner, organizer = Client(), Client()
    owner.force_login(entry.owner)
    organizer.force_login(organizer_for(ningbo))

    responses = [
        owner.get(reverse("registration:entry_business_plan", args=[entry.pk])),
        owner.get(reverse("registration:entry_image", args=[entry.pk, entry.images.get().pk])),
        organizer.get(reverse("console:entry_plan", args=[entry.pk])),
    ]
    for response in responses:
        b"".join(response.streaming_content)

    common = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
              "Referrer-Policy": "no-referrer", "Cross-Origin-Resource-Policy": "same-origin"}  # fmt: skip
    pdf = "inline; filename*=utf-8''%E8%AE%A1%E5%88%92%E4%B9%A6.pdf"
    assert [{h: r[h] for h in SERVED} for r in responses] == [
        {"Content-Type": "application/pdf", "Content-Disposition": pdf,
         "Content-Security-Policy": "sandbox allow-scripts", **common},
        {"Content-Type": "image/png", "Content-Disposition": "inline; filename*=utf-8''%E5%9B%BE.png",
         "Content-Security-Policy": "sandbox; default-src 'none'", **common},
        {"Content-Type": "application/pdf", "Content-Disposition": pdf,
         "Content-Security-Policy": "sandbox allow-scripts", **common},
    ]  # fmt: skip
