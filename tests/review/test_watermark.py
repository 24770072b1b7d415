"""The judge's copy of a business plan: the same pages, each stamped with the judge's name and phone
tail, with the original's metadata gone, served inline under the anonymous code."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from pypdf import PdfReader

from contest.review import watermark
from contest.review.models import Assignment

from ..registration.factories import enterprise_owner, organizer_for
from .factories import expert
from .judging import entry_with_plan, judging_round, plan_with_metadata

OWNER = "鹰眼星辰量子科技有限公司"
STAMP = "王芳 · 手机尾号 5678 · 仅供评审使用"


def displayed(page) -> tuple[float, float]:
    box = page.cropbox
    w, h = float(box.width), float(box.height)
    return (h, w) if page.rotation % 180 else (w, h)


@pytest.mark.unit
def test_stamp_text_names_the_judge_and_the_last_four_digits_of_the_phone():
    assert watermark.stamp_text("王芳", "+8613912345678") == STAMP


@pytest.mark.unit
def test_every_page_is_kept_in_its_shape_and_carries_the_stamp():
    original = plan_with_metadata(OWNER)

    stamped = PdfReader(io.BytesIO(watermark.watermarked_plan(original, judge_key="expert:1", text=STAMP)))

    source = PdfReader(io.BytesIO(original))
    assert len(stamped.pages) == len(source.pages) == 4
    assert [displayed(p) for p in stamped.pages] == [displayed(p) for p in source.pages]
    assert [p.rotation for p in stamped.pages] == [0, 0, 0, 0]
    assert [(float(p.cropbox.left), float(p.cropbox.bottom)) for p in stamped.pages][3] == (100.0, 100.0)
    for page in stamped.pages:
        assert STAMP in page.extract_text()
    assert "项目计划书正文：市场、技术与团队。" in stamped.pages[0].extract_text()


@pytest.mark.unit
def test_no_metadata_survives():
    stamped_bytes = watermark.watermarked_plan(plan_with_metadata(OWNER), judge_key="expert:1", text=STAMP)
    stamped = PdfReader(io.BytesIO(stamped_bytes))

    assert stamped.metadata is None
    assert stamped.xmp_metadata is None
    assert "/Info" not in stamped.trailer
    assert sorted(stamped.trailer["/Root"].keys()) == ["/Pages", "/Type"]
    assert stamped.outline == []
    assert [sorted(k for k in p if k in ("/Annots", "/Metadata", "/PieceInfo")) for p in stamped.pages] == [
        []
    ] * 4
    for encoded in (
        OWNER.encode(),
        OWNER.encode("utf-16-be"),
        OWNER.encode("utf-16-be").hex().upper().encode(),
    ):
        assert encoded not in stamped_bytes


@pytest.mark.unit
def test_the_watermark_is_rendered_once_per_judge_whatever_the_page_sizes():
    cache.clear()
    keys = [watermark.cache_key(judge_key="expert:7", text=STAMP, part=part) for part in ("sheet", "foot")]
    assert [cache.get(k) for k in keys] == [None, None]

    watermark.watermarked_plan(plan_with_metadata(OWNER), judge_key="expert:7", text=STAMP)

    sheet, foot = (PdfReader(io.BytesIO(cache.get(k))).pages[0] for k in keys)
    assert [(float(p.mediabox.width), float(p.mediabox.height)) for p in (sheet, foot)] == [
        (1000.0, 900.0),
        (600.0, 24.0),
    ]
    assert STAMP in sheet.extract_text()
    assert foot.extract_text().strip() == STAMP


@pytest.mark.unit
def test_an_unreadable_plan_is_reported_not_served():
    with pytest.raises(watermark.PlanUnreadable):
        watermark.watermarked_plan(b"%PDF-1.7 not really", judge_key="expert:1", text=STAMP)


@pytest.mark.integration
def test_the_assigned_judge_gets_the_stamped_plan_inline_under_the_anonymous_code(client, ningbo):
    organizer = organizer_for(ningbo)
    original = plan_with_metadata(OWNER)
    entry = entry_with_plan(
        ningbo, enterprise_owner(name=OWNER), organizer, plan=("鹰眼星辰计划书.pdf", original)
    )
    judge = expert(organizer, name="王芳")
    round_ = judging_round(ningbo, organizer, entries=[entry], judges=[judge], pairs=[(0, 0)])
    code = Assignment.objects.get(round=round_).round_entry.code
    client.force_login(judge.user)

    response = client.get(reverse("judge:plan", args=[round_.pk, code]))

    assert response.status_code == 200
    assert (response["Content-Type"], response["Content-Disposition"], response["Cache-Control"]) == (
        "application/pdf", f'inline; filename="{code}.pdf"', "private, no-store",
    )  # fmt: skip
    served = response.content
    assert served != original
    assert original not in served
    reader = PdfReader(io.BytesIO(served))
    assert len(reader.pages) == 4
    stamp = watermark.stamp_text("王芳", judge.phone)
    assert stamp.endswith(f"手机尾号 {judge.phone[-4:]} · 仅供评审使用")
    assert [stamp in p.extract_text() for p in reader.pages] == [True] * 4
    assert (reader.metadata, reader.xmp_metadata) == (None, None)


@pytest.mark.unit
def test_the_stamp_is_stored_once_per_plan_and_tiles_every_page():
    stamped = PdfReader(io.BytesIO(watermark.watermarked_plan(plan_with_metadata(OWNER), judge_key="expert:1",
                                                               text=STAMP)))  # fmt: skip

    forms: dict[str, set[int]] = {}
    for page in stamped.pages:
        for name, ref in page["/Resources"]["/XObject"].items():
            if name.startswith("/CkWatermark"):
                forms.setdefault(name, set()).add(ref.idnum)
    assert {name: len(ids) for name, ids in forms.items()} == {"/CkWatermark": 1, "/CkWatermarkFoot": 1}
    # sheets of 1000 × 900 pt from the top-left corner, the foot line centred at the bottom
    assert watermark.stamp_operators(100, 100, 400, 300).split("\n") == [
        "q 1 0 0 1 100.0000 -500.0000 cm /CkWatermark Do Q",
        "q 1 0 0 1 0.0000 100.0000 cm /CkWatermarkFoot Do Q",
    ]
    assert len(watermark.stamp_operators(0, 0, 5000, 5000).split("\n")) == 5 * 6 + 1
