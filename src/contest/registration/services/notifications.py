"""Mail to entrants and duplicate detection across events."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from contest.core import audit
from contest.registration.enums import ACTIVE
from contest.registration.models import DuplicateFlag, Entry
from contest.registration.services.common import S
from contest.registration.similarity import bigrams, jaccard, simhash, simhash_similarity

TITLE_DUPLICATE = Decimal("0.800")
SUMMARY_DUPLICATE = Decimal("0.900")


# -- notifications and duplicates -----------------------------------------------------------

SUBJECTS = {
    "submitted": "【创客中国】报名已提交：{title}",
    S.RETURNED: "【创客中国】报名被退回修改：{title}",
    S.QUALIFIED: "【创客中国】资格审查通过：{title}",
    S.DISQUALIFIED: "【创客中国】资格审查未通过：{title}",
}


def _notify(entry: Entry, what: str, *, extra: str = "") -> None:
    email = entry.owner.email
    if not email or what not in SUBJECTS:
        return
    subject = SUBJECTS[what].format(title=entry.title)
    body = (f"您好，\n\n您在“{entry.event.name}”报名的项目“{entry.title}”（{entry.number or '未编号'}）"
            f"状态为：{entry.get_status_display()}。\n{extra}\n\n“创客中国”大赛平台")  # fmt: skip
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=True)
    )


def _enqueue_duplicates(entry_id: int) -> None:
    from contest.registration.tasks import flag_duplicates

    flag_duplicates.enqueue(entry_id)


def find_duplicates(entry: Entry) -> list[tuple[int, str, Decimal]]:
    """Other active entries of the edition, in other events, whose title or summary is close."""
    mine_title = bigrams(entry.title)
    mine_hash = entry.summary_simhash if entry.summary_simhash is not None else simhash(entry.summary)
    found = []
    others = (
        Entry.objects.filter(edition_id=entry.edition_id, status__in=ACTIVE - {S.DRAFT})
        .exclude(pk=entry.pk)
        .exclude(event_id=entry.event_id, owner_id=entry.owner_id)
        .values_list("pk", "title", "summary_simhash")
        .iterator(chunk_size=5000)
    )
    for pk, title, other_hash in others:
        score = jaccard(mine_title, bigrams(title))
        if score >= TITLE_DUPLICATE:
            found.append((pk, "title", score))
        if mine_hash is not None and other_hash is not None:
            s = simhash_similarity(mine_hash, other_hash)
            if s >= SUMMARY_DUPLICATE:
                found.append((pk, "summary", s))
    return found


def record_duplicates(entry_id: int) -> int:
    entry = Entry.objects.select_related("event").get(pk=entry_id)
    found = find_duplicates(entry)
    with transaction.atomic():
        flags = []
        for other, field, score in found:
            flags.append(DuplicateFlag(entry_id=entry.pk, other_id=other, field=field, score=score))
            flags.append(DuplicateFlag(entry_id=other, other_id=entry.pk, field=field, score=score))
        DuplicateFlag.objects.bulk_create(flags, ignore_conflicts=True)
        if found:
            audit.record(action="registration.entry.duplicates_flagged", obj=entry,
                         data={"matches": [[o, f, str(s)] for o, f, s in found]})  # fmt: skip
    return len(found)
