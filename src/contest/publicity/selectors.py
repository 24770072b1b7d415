"""Reads for 公示: the public index and pages, the console's tenancy-scoped lists, the status lookup."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from contest.accounts.rules import secretariat_edition_ids
from contest.accounts.validators import normalize_mobile
from contest.catalog.models import Edition
from contest.core.access import management_scope
from contest.core.errors import ValidationFailed
from contest.publicity.enums import NoticeStatus, ObjectionStatus, Phase
from contest.publicity.models import Notice, NoticeVersion, Objection
from contest.publicity.validators import normalize_code
from contest.review.enums import RoundStage, RoundStatus
from contest.review.organizer_selectors import rounds_for_user

PUBLIC = (NoticeStatus.PUBLISHED, NoticeStatus.FINAL)


def phase_of(notice: Notice, now: datetime | None = None) -> str:
    """What the public sees: draft, open (start ≤ now < end), ended (awaiting 确认), final."""
    if notice.status == NoticeStatus.FINAL:
        return Phase.FINAL
    if notice.status == NoticeStatus.DRAFT or notice.current_version is None:
        return Phase.DRAFT
    now = now or timezone.now()
    return Phase.OPEN if now < notice.current_version.period_ends_at else Phase.ENDED


# -- scope ---------------------------------------------------------------------------------------------


def can_use_console(user) -> bool:
    return management_scope(user) is not None


def notices_for_user(user) -> QuerySet[Notice]:
    """THE tenancy selector for lists."""
    scope = management_scope(user)
    if scope is None:
        return Notice.objects.none()
    return Notice.objects.filter(scope)


def notice_for_user(user, notice_id: int) -> Notice | None:
    return (
        notices_for_user(user)
        .filter(pk=notice_id)
        .select_related("edition", "event", "current_version")
        .first()
    )


def _count(field_name: str, **filters) -> Subquery:
    rows = Objection.objects.filter(**{field_name: OuterRef("pk")}, **filters).order_by().values(field_name)
    return Coalesce(Subquery(rows.annotate(n=Count("id")).values("n"), output_field=IntegerField()), Value(0))


def annotate_objection_counts(queryset: QuerySet[Notice]) -> QuerySet[Notice]:
    """``open_objections`` (awaiting an answer) and ``objection_count``, as subqueries."""
    return queryset.annotate(
        open_objections=_count("notice", status=ObjectionStatus.FILED), objection_count=_count("notice")
    )


def console_list(user) -> QuerySet[Notice]:
    """The console's lists: newest first, with their current version and objection counts."""
    queryset = notices_for_user(user).select_related("edition", "event", "current_version")
    return annotate_objection_counts(queryset).order_by("-created_at", "-pk")


def editions_for_national(user) -> list[Edition]:
    editions = secretariat_edition_ids(user)
    queryset = Edition.objects.all() if None in editions else Edition.objects.filter(pk__in=sorted(editions))
    return list(queryset.order_by("-number"))


def source_rounds(user, *, national: bool):
    """Published review rounds in the user's scope that can feed an advancement list or the 500强."""
    queryset = rounds_for_user(user).filter(status=RoundStatus.PUBLISHED).select_related("edition", "event")
    if national:
        return queryset.filter(stage=RoundStage.NATIONAL, event__isnull=True)
    return queryset.exclude(stage=RoundStage.NATIONAL).filter(event__isnull=False)


def objections_of(notice: Notice) -> QuerySet[Objection]:
    return notice.objections.select_related("version", "answered_by").order_by("status", "filed_at", "pk")


def versions_of(notice: Notice) -> list[NoticeVersion]:
    return list(notice.versions.prefetch_related("objections").order_by("number"))


# -- public --------------------------------------------------------------------------------------------


def public_notices(*, event_id: int | None = None) -> list[tuple[str, list[Notice]]]:
    """The public index as sections: lists in their notice period first (ending soonest first),
    then those whose period ended and await 确认, then final lists (newest first)."""
    queryset = Notice.objects.filter(status__in=PUBLIC).select_related("edition", "event", "current_version")
    if event_id is not None:
        queryset = queryset.filter(event_id=event_id)
    now = timezone.now()
    sections: dict[str, list[Notice]] = {Phase.OPEN: [], Phase.ENDED: [], Phase.FINAL: []}
    for notice in queryset.order_by("-current_version__period_ends_at", "-pk"):
        sections[phase_of(notice, now)].append(notice)
    sections[Phase.OPEN].reverse()
    return list(sections.items())


def public_notice(notice_id: int) -> Notice | None:
    return (
        Notice.objects.filter(pk=notice_id, status__in=PUBLIC)
        .select_related("edition", "event", "current_version")
        .first()
    )


def objection_by_code(code: str, phone: str) -> Objection | None:
    """The filer's own objection: the code and the phone it was filed with must both match."""
    try:
        phone = normalize_mobile(phone)
    except ValidationFailed:
        return None
    return (
        Objection.objects.filter(tracking_code=normalize_code(code), phone=phone)
        .select_related("notice", "version")
        .first()
    )
