"""Mail to entrants about their entries."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from contest.registration.models import Entry
from contest.registration.services.common import S

SUBJECTS = {
    "submitted": "【创客中国】报名已提交：{title}",
    S.RETURNED: "【创客中国】报名被退回修改：{title}",
    S.QUALIFIED: "【创客中国】资格审查通过：{title}",
    S.DISQUALIFIED: "【创客中国】资格审查未通过：{title}",
}


def notify_entrant(entry: Entry, what: str, *, extra: str = "") -> None:
    """Mail the entry's owner (after the commit) that it was submitted or decided."""
    email = entry.owner.email
    if not email or what not in SUBJECTS:
        return
    subject = SUBJECTS[what].format(title=entry.title)
    body = (f"您好，\n\n您在“{entry.event.name}”报名的项目“{entry.title}”（{entry.number or '未编号'}）"
            f"状态为：{entry.get_status_display()}。\n{extra}\n\n“创客中国”大赛平台")  # fmt: skip
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=True)
    )
