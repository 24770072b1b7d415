"""The session report (路演场次报告): a PDF a notary and the chair sign.

It holds the session's settings, the panel, the draw (room value, entry list, seed, order and
algorithm), every judge's score for every entry with its time, every correction with its reason,
the results and ranking, and the audit chain's head (sequence and hash) at generation time: the
report can be checked later against ``manage.py verify_audit`` and ``manage.py verify_draw``.
The draw algorithm is printed as the numbered steps of ``finals.draw_text`` (never the code's
docstring). The report is always in Simplified Chinese, the language of its headings.
Rendered by WeasyPrint with the Noto CJK fonts (as the review watermark).
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from contest.core.models import GENESIS_HASH, AuditHead
from contest.finals import selectors
from contest.finals.draw_text import ALGORITHM_STEPS
from contest.finals.enums import SlotStatus
from contest.finals.models import DrawRecord, RoadshowSession
from contest.finals.validators import format_segments

METHOD_LABELS = {
    "mean": "算术平均",
    "trimmed": "去掉一个最高分和一个最低分后平均",
    "trimmed_fallback": "评分不足 3 个，按算术平均",
}


def report_context(session: RoadshowSession) -> dict:
    panel = selectors.judges(session)
    slots = selectors.slots_with_scores(session)
    conflicts = selectors.conflict_pairs(session)
    try:
        record = session.draw
    except DrawRecord.DoesNotExist:
        record = None
    rows, corrections = [], []
    for slot in slots:
        by_seat = {s.judge.seat: s for s in slot.scores.all()}
        cells = []
        for judge in panel:
            score = by_seat.get(judge.seat)
            recused = (judge.expert_id, slot.entry_id) in conflicts
            cells.append({"judge": judge, "score": score, "recused": recused})
            if score is not None:
                corrections += [(slot, judge, c) for c in score.corrections.all()]
        detail = slot.result_detail or {}
        rows.append({"slot": slot, "cells": cells, "scores": sorted(by_seat.values(), key=lambda s: s.judge.seat),
                     "method": METHOD_LABELS.get(detail.get("method", ""), ""), "detail": detail,
                     "is_closed": slot.status == SlotStatus.CLOSED})  # fmt: skip
    head = AuditHead.objects.filter(pk=1).first()
    return {
        "session": session,
        "segments": format_segments(session.segments),
        "panel": panel,
        "rows": rows,
        "corrections": sorted(corrections, key=lambda t: (t[2].created_at, t[2].pk)),
        "record": record,
        "algorithm_steps": ALGORITHM_STEPS,
        "ranking": selectors.rank_slots(slots, places=session.places),
        "head_seq": head.seq if head else 0,
        "head_hash": head.hash if head else GENESIS_HASH,
        "generated_at": timezone.localtime(),
    }


def session_report_html(session: RoadshowSession) -> str:
    # The report is one document in the site's language (Simplified Chinese), whatever language
    # the person downloading it reads the console in: its headings are Chinese, so the translated
    # parts (statuses, the draw algorithm) follow them rather than mixing two languages.
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("finals/report.html", report_context(session))


def session_report_pdf(session: RoadshowSession) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415 -- heavy (Pango, fonts): loaded only when a report is asked for

    return HTML(string=session_report_html(session)).write_pdf()
