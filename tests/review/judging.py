"""Builders for the judge-side tests: a review round with chosen judge–entry pairs, via services."""

from __future__ import annotations

import io

from contest.registration import services as reg
from contest.registration.models import Entry
from contest.review import services
from contest.review.enums import RoundStatus
from contest.review.models import Assignment, ReviewRound, RoundEntry

FULL = {"innovation": "25", "business_model": "15", "market": "16", "team": "17", "finance_social": "8"}


def judging_round(
    event,
    organizer,
    *,
    entries: list[Entry],
    judges: list,
    pairs: list[tuple[int, int]],
    status: str = RoundStatus.OPEN,
    **data,
) -> ReviewRound:
    """A round of ``event`` holding ``entries`` and ``judges``; ``pairs`` are (entry index, judge
    index) pinned by the organizer; opened (or closed) through the round's state machine."""
    fields = {"name": "网络初评", "stage": "preliminary", "judges_per_entry": 1, **data}
    round_ = services.create_round(by=organizer, edition=event.edition, event=event, data=fields)
    services.add_entries(by=organizer, round=round_, entries=entries)
    services.add_judges(by=organizer, round=round_, experts=judges)
    for e, j in pairs:
        round_entry = RoundEntry.objects.get(round=round_, entry=entries[e])
        services.pin_assignment(by=organizer, round_entry=round_entry, expert=judges[j])
    path = {
        RoundStatus.DRAFT: [],
        RoundStatus.OPEN: [RoundStatus.OPEN],
        RoundStatus.CLOSED: [RoundStatus.OPEN, RoundStatus.CLOSED],
    }[status]
    for to in path:
        round_ = services.set_round_status(by=organizer, round=round_, to=to)
    return round_


def assignment_of(round_: ReviewRound, entry: Entry, judge) -> Assignment:
    return Assignment.objects.select_related("round_entry", "round", "expert").get(
        round=round_, round_entry__entry=entry, expert=judge
    )


def entry_with_plan(event, owner, organizer, *, plan: tuple[str, bytes], **data) -> Entry:
    """A qualified enterprise entry whose business plan is the given (file name, bytes)."""
    from ..registration.factories import ENTRY

    entry = reg.create_entry(by=owner, event=event, group_code=data.pop("group_code", "enterprise"),
                             data={"title": data.get("title", ENTRY["title"])})  # fmt: skip
    images = data.pop("images", None)
    entry = reg.update_entry(by=owner, entry=entry, data={**ENTRY, **data}, business_plan=plan, images=images)
    reg.submit_entry(by=owner, entry=entry)
    entry.refresh_from_db()
    reg.qualify_entry(by=organizer, entry=entry)
    entry.refresh_from_db()
    return entry


def xmp_packet(creator: str) -> bytes:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:creator><rdf:Seq><rdf:li>{creator}</rdf:li></rdf:Seq></dc:creator>"
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def plan_with_metadata(owner_name: str, *, body: str = "项目计划书正文：市场、技术与团队。") -> bytes:
    """A business plan as an entrant's office suite leaves it: body text on pages of several shapes
    (A4, landscape, a rotated page, a page whose box does not start at the origin), and the owner's
    name in the info dictionary, the XMP packet, an outline entry and an annotation's author."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import Text
    from pypdf.generic import NameObject, RectangleObject, TextStringObject
    from weasyprint import HTML

    html = (
        "<style>@page { size: A4; margin: 2cm } body { font-family: 'Noto Sans CJK SC' }</style>"
        f"<h1>商业计划书</h1><p>{body}</p><p style='break-before: page'>第二页：财务预测。</p>"
    )
    text_pages = PdfReader(io.BytesIO(HTML(string=html).write_pdf())).pages
    writer = PdfWriter()
    writer.add_page(text_pages[0])
    writer.add_page(text_pages[1]).rotate(90)
    writer.add_blank_page(842, 595)
    odd = writer.add_blank_page(400, 300)
    odd.mediabox = RectangleObject([100, 100, 500, 400])
    writer.add_metadata({"/Author": owner_name, "/Title": f"{owner_name}商业计划书", "/Creator": owner_name,
                         "/Producer": owner_name, "/Subject": owner_name, "/Keywords": owner_name})  # fmt: skip
    writer.xmp_metadata = xmp_packet(owner_name)
    writer.add_outline_item(title=owner_name, page_number=0)
    note = writer.add_annotation(page_number=0, annotation=Text(rect=(50, 550, 200, 650), text="批注"))
    note[NameObject("/T")] = TextStringObject(owner_name)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
