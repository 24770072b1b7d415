"""The session report PDF: every score, the draw seed and the audit chain's head, as text."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from contest.core.models import AuditHead
from contest.finals import selectors, services
from contest.finals.models import LiveScore

from .factories import score_all, session_with

pytestmark = pytest.mark.integration


def test_report_pdf_carries_the_seed_scores_correction_and_head_hash(ningbo, client):
    session, _entries, panel, organizer = session_with(ningbo, entries=2, status="live")
    first, second = selectors.slots(session)
    services.open_slot(slot=first, by=organizer)
    score_all(first, panel, ["80", "91.5", "85", "70", "95"])
    services.correct_live_score(score=LiveScore.objects.get(slot=first, judge__seat=4), new_score="72",
                                reason="评委 4 误按", by=organizer)  # fmt: skip
    services.mark_slot_absent(slot=second, by=organizer, reason="项目方未到场")
    services.finish_session(session=session, by=organizer)
    client.force_login(organizer)

    response = client.get(reverse("finals_console:session_report", args=[session.pk]))

    head = AuditHead.objects.get(pk=1)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    flat = text.replace("\n", "")
    assert response["Content-Type"] == "application/pdf"
    assert session.draw.seed in flat
    assert head.hash in flat
    assert "91.50" in text
    assert "评委 4 误按" in text
    assert "项目方未到场" in text
    assert "公证员签字" in text
    assert "路演场次报告" in text
    assert "Noto-Sans-CJK-SC" in embedded_fonts(response.content)


def embedded_fonts(pdf: bytes) -> set[str]:
    """Base names of the fonts whose program is embedded in the PDF (subset prefix removed)."""
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                names.add(str(font["/BaseFont"]).split("+", 1)[-1])
    return names
