"""Reads for awards and certificates. Organizer reads are scoped by the caller's event lookup
(``registration.selectors.event_for_user``); public reads show one certificate and nothing else."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from contest.awards.enums import DEFAULT_LEVELS, AwardStatus
from contest.awards.models import Award, AwardLevel, Certificate, CertificateBatch
from contest.catalog.enums import HOST_ROLES
from contest.catalog.models import EditionGroup, Event
from contest.core.inputs import local
from contest.finals.enums import SessionStatus
from contest.finals.models import RoadshowSession
from contest.registration.enums import EntryStatus
from contest.registration.models import Entry
from contest.review.models import RankingSnapshot

# -- shared pieces --------------------------------------------------------------------------------


def province_name(entry: Entry) -> str:
    division = entry.division
    if division is None:
        return ""
    return division.parent.name if division.parent_id else division.name


ENTRY_RELATED = ("entry__enterprise", "entry__team", "entry__division__parent")


def awards_of(event: Event, group: EditionGroup | None = None) -> QuerySet[Award]:
    queryset = Award.objects.filter(event=event)
    if group is not None:
        queryset = queryset.filter(group=group)
    return queryset.select_related("level", "group", *ENTRY_RELATED).order_by(
        "group__order", "group__code", "level__rank", "order", "entry__number", "id"
    )


# -- for the public notice (publicity) ----------------------------------------------------------------


def award_list_rows(*, event: Event, group: EditionGroup | None = None) -> list[dict]:
    """The confirmed, unrevoked awards of an event (optionally one group), ordered by level rank,
    then order within the level, then registration number. JSON-ready rows for the 公示 list."""
    queryset = awards_of(event, group).filter(status=AwardStatus.CONFIRMED)
    return [
        {
            "entry_id": award.entry_id,
            "number": award.entry.number or "",
            "title": award.entry.title,
            "entrant": award.entry.entrant_name,
            "province": province_name(award.entry),
            "group": award.group.name,
            "level": award.level.name,
            "level_rank": award.level.rank,
        }
        for award in queryset.order_by("level__rank", "order", "entry__number", "id")
    ]


# -- organizer reads ------------------------------------------------------------------------------------


def levels_for_event(event: Event) -> list[AwardLevel]:
    """The edition's levels and the event's own, highest first. The default four are listed even
    before their rows exist (unsaved, ``pk`` None); services create them when first used."""
    saved = list(
        AwardLevel.objects.filter(
            Q(event__isnull=True) | Q(event=event), edition_id=event.edition_id
        ).order_by("rank", "id")
    )
    names = {level.name for level in saved if level.event_id is None}
    missing = [
        AwardLevel(edition_id=event.edition_id, name=name, rank=rank, is_default=True)
        for name, rank in DEFAULT_LEVELS
        if name not in names
    ]
    return sorted(saved + missing, key=lambda level: (level.rank, level.pk or 0))


def award_table(event: Event, group: EditionGroup) -> list[Award]:
    """Every award of the event × group (revoked ones too) with its certificates, for the console."""
    certificates = Certificate.objects.order_by("-issued_at", "-id")
    return list(awards_of(event, group).prefetch_related(Prefetch("certificates", queryset=certificates)))


def group_in(event: Event, code: str) -> EditionGroup | None:
    """The edition group ``code`` of the event's edition (the console's URLs name groups by code)."""
    return EditionGroup.objects.filter(edition_id=event.edition_id, code=code).first()


def award_in(event: Event, group: EditionGroup, award_id: int) -> Award | None:
    return awards_of(event, group).filter(pk=award_id).first()


def latest_batch(event: Event, group: EditionGroup) -> CertificateBatch | None:
    return CertificateBatch.objects.filter(event=event, group=group).order_by("-created_at", "-id").first()


def batch_in(event: Event, group: EditionGroup, batch_id: int) -> CertificateBatch | None:
    return CertificateBatch.objects.filter(event=event, group=group, pk=batch_id).first()


def certificates_of(event: Event, group: EditionGroup) -> QuerySet[Certificate]:
    """The valid certificates of an event × group, in award-list order."""
    return (
        Certificate.objects.filter(award__event=event, award__group=group, revoked_at__isnull=True)
        .select_related("award__level", "award__entry")
        .order_by("award__level__rank", "award__order", "award__entry__number", "id")
    )


def certificate_in(event: Event, group: EditionGroup, certificate_id: int) -> Certificate | None:
    return (
        Certificate.objects.filter(award__event=event, award__group=group, pk=certificate_id)
        .select_related("award__entry", "award__level")
        .first()
    )


def hosts_of(event: Event) -> list[str]:
    """The issuing organisations printed on a certificate: the event's hosts and leads, in plan order."""
    return list(
        event.roles.filter(role__in=HOST_ROLES)
        .order_by("order", "id")
        .values_list("organization__name", flat=True)
    )


# -- public and entrant reads -------------------------------------------------------------------------------


def certificate_by_code(code: str) -> Certificate | None:
    return Certificate.objects.filter(code=code).first()


def certificates_for_owner(user) -> QuerySet[Certificate]:
    """The certificates of the user's own entries: confirmed awards, valid or revoked."""
    if not getattr(user, "is_authenticated", False):
        return Certificate.objects.none()
    return (
        Certificate.objects.filter(award__entry__owner=user)
        .exclude(award__status=AwardStatus.STAGED)
        .order_by("-issued_at", "-id")
    )


# -- console helpers ------------------------------------------------------------------------------------------


def award_counts(event_ids: list[int]) -> dict[tuple[int, int], dict[str, int]]:
    """(event, group) → {status: count}, one query."""
    out: dict[tuple[int, int], dict[str, int]] = {}
    rows = (
        Award.objects.filter(event_id__in=event_ids)
        .values_list("event_id", "group_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for event_id, group_id, status, n in rows:
        out.setdefault((event_id, group_id), {})[status] = n
    return out


def groups_of_editions(edition_ids: set[int]) -> dict[int, list[EditionGroup]]:
    out: dict[int, list[EditionGroup]] = {}
    for group in EditionGroup.objects.filter(edition_id__in=sorted(edition_ids)).order_by("order", "code"):
        out.setdefault(group.edition_id, []).append(group)
    return out


def awardable_entries(event: Event, group: EditionGroup) -> list[Entry]:
    """Qualified entries of the event × group, for the manual award form."""
    return list(
        Entry.objects.filter(event=event, group=group, status=EntryStatus.QUALIFIED)
        .only("pk", "number", "title")
        .order_by("number", "pk")
    )


def plan_sources(event: Event, group: EditionGroup) -> list[tuple[str, str]]:
    """Rankings an award plan may use: finished roadshow sessions of the event (this group or
    ungrouped) and published group rankings of the event's review rounds."""
    sessions = RoadshowSession.objects.filter(event=event, status=SessionStatus.FINISHED).filter(
        Q(group=group) | Q(group__isnull=True)
    )
    snapshots = RankingSnapshot.objects.filter(
        round__event=event, group_code=group.code, industry="", published_at__isnull=False
    ).select_related("round")
    choices = [(f"session:{s.pk}", f"路演场次：{s.name}") for s in sessions.order_by("-starts_at", "-id")]
    for snap in snapshots.order_by("-published_at", "-id"):
        stamp = local(snap.published_at).strftime("%Y-%m-%d %H:%M")
        choices.append((f"snapshot:{snap.pk}", f"评审排名：{snap.round.name}（{stamp} 发布）"))
    return choices


def plan_source(event: Event, group: EditionGroup, kind: str, pk: str):
    """The session or snapshot named by a plan form's source value, if it is one of ``plan_sources``."""
    if not pk.isdigit() or f"{kind}:{pk}" not in dict(plan_sources(event, group)):
        return None
    if kind == "session":
        return RoadshowSession.objects.get(pk=int(pk))
    return RankingSnapshot.objects.select_related("round").get(pk=int(pk))
