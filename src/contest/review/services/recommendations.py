"""Recommendations into the national review: places per event and group (and, where set, per
industry and per station), the edition's deadline, recommending (from the platform's published
advancement, an event's data package or its own system through the portal), withdrawing, and
reminding the events that are short or late.

``by`` may be None only for the server's operator (management commands), as in
``registration.services.importing``: every other caller is permission-checked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from contest.accounts.enums import RoleKind
from contest.accounts.models import Role
from contest.catalog.enums import Tier
from contest.catalog.models import Edition, EditionGroup, Event, EventZone
from contest.core import audit
from contest.core.access import require
from contest.core.errors import Conflict, FieldErrors, ValidationFailed
from contest.core.inputs import check_date, check_text
from contest.core.lifecycle import transition
from contest.registration.enums import Industry
from contest.registration.models import Entry
from contest.review.enums import RecommendationSource, RecommendationStatus
from contest.review.models import (
    RankingSnapshot,
    Recommendation,
    RecommendationDeadline,
    RecommendationQuota,
    RoundEntry,
)
from contest.review.recommendation_selectors import (
    RECOMMENDABLE,
    checklist,
    feeding_events,
    last_published_round,
    quota_matches,
)
from contest.review.selectors import advanced_decisions

__all__ = [
    "QUOTA_MAX", "LocalResult", "recommend_entries", "recommend_from_advancement", "send_recommendation_reminders",
    "set_recommendation_deadline", "set_recommendation_quota", "withdraw_recommendation",
]  # fmt: skip

#: more places than any event has projects: a larger number is a typo
QUOTA_MAX = 10_000
#: a local score is stored with 4 places in 8 digits
SCORE_LIMIT = Decimal("9999.9999")
AWARD_MAX = 50
REASON_MAX = 500

R = RecommendationStatus


@dataclass(frozen=True)
class LocalResult:
    """An entry's result at its own event, carried into the national review."""

    rank: int | None = None
    score: Decimal | None = None
    award: str = ""  # the event's own award text, e.g. "一等奖"


def _check(by, perm: str, obj) -> None:
    if by is not None:
        require(by, perm, obj)


def _scope(event: Event) -> str:
    return f"event:{event.pk}"


# -- places and the deadline (the secretariat) --------------------------------------------------------


def set_recommendation_quota(*, by, event: Event, group_code: str, count, industry: str = "",
                             zone: EventZone | None = None) -> RecommendationQuota:  # fmt: skip
    """The places ``event`` has in the national review for a group — or, with ``industry`` and/or
    ``zone``, a cap on that industry or station. Setting the same row again replaces its count."""
    _check(by, "review.manage_recommendation_quotas", event)
    errors: dict[str, str] = {}
    if event.tier == Tier.NATIONAL_FINAL:
        raise ValidationFailed("全国总决赛不向全国评审推荐项目，不设推荐名额。", field="event")
    group = EditionGroup.objects.filter(edition_id=event.edition_id, code=group_code or "").first()
    if group is None:
        errors["group_code"] = "本届没有该组别。"
    industry = (industry or "").strip()
    if industry and industry not in Industry.values:
        errors["industry"] = "未知的行业领域。"
    if zone is not None and zone.event_id != event.pk:
        errors["zone"] = "该站点不属于本赛事。"
    try:
        number = int(str(count).strip()) if str(count).strip().isascii() else None
    except ValueError:
        number = None
    if number is None or not 0 <= number <= QUOTA_MAX:
        errors["count"] = f"推荐名额应为 0 到 {QUOTA_MAX} 之间的整数。"
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        Event.objects.select_for_update(of=("self",)).filter(pk=event.pk).first()
        quota = (
            RecommendationQuota.objects.select_for_update(of=("self",))
            .filter(event=event, group_code=group_code, industry=industry, zone=zone)
            .first()
        )
        before = quota.count if quota else None
        if quota is None:
            quota = RecommendationQuota.objects.create(edition_id=event.edition_id, event=event, group_code=group_code,
                                                       industry=industry, zone=zone, count=number, updated_by=by)  # fmt: skip
        elif quota.count != number:
            quota.count, quota.updated_by = number, by
            quota.save(update_fields=["count", "updated_by", "updated_at"])
        if before != number:
            audit.record(action="review.recommendation_quota.set", obj=quota, by=by, scope=_scope(event),
                         data={"group": group_code, "industry": industry, "zone": zone.code if zone else "",
                               "before": before, "after": number})  # fmt: skip
    return quota


def set_recommendation_deadline(*, by, edition: Edition, due_at) -> RecommendationDeadline:
    """The time by which the events of ``edition`` recommend; every recommendation's ``on_time``
    is judged again against it."""
    _check(by, "review.manage_recommendation_quotas", edition)
    if not isinstance(due_at, datetime):
        raise ValidationFailed("请填写推荐截止时间。", field="due_at")
    check_date(due_at, field="due_at")
    if timezone.is_naive(due_at):
        raise ValidationFailed("推荐截止时间须带时区。", field="due_at")
    with transaction.atomic():
        Edition.objects.select_for_update(of=("self",)).filter(pk=edition.pk).first()
        row = RecommendationDeadline.objects.filter(edition=edition).first()
        before = row.due_at.isoformat() if row else None
        if row is None:
            row = RecommendationDeadline.objects.create(edition=edition, due_at=due_at, updated_by=by)
        else:
            row.due_at, row.updated_by = due_at, by
            row.save(update_fields=["due_at", "updated_by", "updated_at"])
        rows = Recommendation.objects.filter(edition=edition)
        late = rows.filter(recommended_at__gt=due_at).update(on_time=False)
        rows.filter(recommended_at__lte=due_at).update(on_time=True)
        audit.record(action="review.recommendation_deadline.set", obj=row, by=by, scope=f"edition:{edition.pk}",
                     data={"before": before, "after": due_at.isoformat(), "late": late})  # fmt: skip
    return row


# -- recommending --------------------------------------------------------------------------------------


def _clean_result(entry: Entry, result: LocalResult) -> LocalResult:
    """The local result as stored, or a refusal naming the project."""
    where = f"项目“{entry.title}”"
    rank = result.rank
    if rank is not None and (isinstance(rank, bool) or not isinstance(rank, int) or not 1 <= rank <= 100_000):
        raise ValidationFailed(f"{where}的名次应为正整数。", field="rank")
    score = result.score
    if score is not None:
        if isinstance(score, bool) or not isinstance(score, Decimal | int):
            raise ValidationFailed(f"{where}的得分应为数字。", field="score")
        score = Decimal(score)
        if not score.is_finite() or not -SCORE_LIMIT <= score <= SCORE_LIMIT:
            raise ValidationFailed(f"{where}的得分超出范围。", field="score")
        score = score.quantize(Decimal("0.0001"))
    award = (result.award or "").strip()
    if len(award) > AWARD_MAX:
        raise ValidationFailed(f"{where}的奖项不能超过 {AWARD_MAX} 字。", field="award")
    check_text(award, field="award")
    return LocalResult(rank=rank, score=score, award=award)


def _quota_label(quota: RecommendationQuota, group_names: dict[str, str]) -> str:
    label = group_names.get(quota.group_code, quota.group_code)
    if quota.zone_id is not None:
        label += f"（{quota.zone.name}）"
    if quota.industry:
        label += f"（{quota.industry} 类行业）"
    return label


def _check_quotas(event: Event, standing: list[tuple[str, str, int | None]],
                  before: list[tuple[str, str, int | None]]) -> None:  # fmt: skip
    """Refuse when a quota row that this change adds to holds more than its count, or when a
    recommended project matches no quota row at all (no places set for it)."""
    quotas = list(RecommendationQuota.objects.select_for_update(of=("self",)).filter(event=event).select_related("zone")
                  .order_by("group_code", "zone_id", "industry", "pk"))  # fmt: skip
    group_names = dict(EditionGroup.objects.filter(edition_id=event.edition_id).values_list("code", "name"))
    for group_code, industry, zone_id in standing:
        if not any(
            quota_matches(q, group_code=group_code, industry=industry, zone_id=zone_id) for q in quotas
        ):
            zone = (
                EventZone.objects.filter(pk=zone_id).values_list("name", flat=True).first()
                if zone_id
                else None
            )
            label = group_names.get(group_code, group_code) + (f"（{zone}）" if zone else "")
            raise Conflict(f"{label}尚未设置推荐名额，不能推荐。")
    for quota in quotas:
        after = sum(1 for g, i, z in standing if quota_matches(quota, group_code=g, industry=i, zone_id=z))
        earlier = sum(1 for g, i, z in before if quota_matches(quota, group_code=g, industry=i, zone_id=z))
        if after > quota.count and after > earlier:
            raise Conflict(f"{_quota_label(quota, group_names)}推荐 {after} 个，超过名额 {quota.count} 个。")


def recommend_entries(*, by, event: Event, results: Sequence[tuple[Entry, LocalResult]],
                      source: str) -> list[Recommendation]:  # fmt: skip
    """Recommend ``results`` (entry, local result) of ``event`` to the national review.

    All or nothing; idempotent per (edition, entry): the same entry with the same result is left
    unchanged, a different result updates it, a withdrawn recommendation is recommended again.
    Refused (nothing written): a national final, an entry of another event or not submitted, the
    same entry twice, places exceeded — by group, and where set by industry and by station
    (“企业组推荐 27 个，超过名额 25 个。”). The event's row and its quota rows are locked, so two
    callers at once cannot exceed the places together."""
    _check(by, "review.recommend_entries", event)
    if source not in RecommendationSource.values:
        raise ValidationFailed("未知的推荐来源。", field="source")
    if event.tier == Tier.NATIONAL_FINAL:
        raise ValidationFailed("全国总决赛不向全国评审推荐项目。", field="event")
    if not results:
        raise ValidationFailed("没有要推荐的项目。", field="results")
    seen: set[int] = set()
    for entry, _result in results:
        if entry.pk in seen:
            raise ValidationFailed(f"项目“{entry.title}”重复推荐。", field="results")
        seen.add(entry.pk)
    with transaction.atomic():
        Event.objects.select_for_update(of=("self",)).filter(pk=event.pk).first()
        entries = {
            e.pk: e
            for e in Entry.objects.select_for_update(of=("self",)).filter(pk__in=seen).select_related("group")
        }
        cleaned: list[tuple[Entry, LocalResult]] = []
        for given, result in results:
            entry = entries.get(given.pk)
            if entry is None or entry.event_id != event.pk:
                raise ValidationFailed(f"项目“{given.title}”不属于本赛事，不能推荐。", field="results")
            if entry.status not in RECOMMENDABLE:
                raise ValidationFailed(f"项目“{entry.title}”当前为“{entry.get_status_display()}”，不能推荐。",
                                       field="results")  # fmt: skip
            cleaned.append((entry, _clean_result(entry, result)))
        existing = {r.entry_id: r for r in Recommendation.objects.select_for_update(of=("self",)).filter(
            edition_id=event.edition_id, entry_id__in=seen)}  # fmt: skip
        current = list(
            Recommendation.objects.filter(event=event, status=R.RECOMMENDED).values_list(
                "entry_id", "group_code", "entry__industry", "zone_id"
            )
        )
        before = [(g, i, z) for _e, g, i, z in current]
        standing = {e: (g, i, z) for e, g, i, z in current}
        for entry, _result in cleaned:
            standing[entry.pk] = (entry.group.code, entry.industry, entry.zone_id)
        _check_quotas(event, list(standing.values()), before)
        now = timezone.now()
        deadline = RecommendationDeadline.objects.filter(edition_id=event.edition_id).first()
        on_time = deadline is None or now <= deadline.due_at
        done: dict[str, list[int]] = {"created": [], "updated": [], "restored": [], "unchanged": []}
        out = []
        for entry, result in cleaned:
            fields = {"event_id": event.pk, "group_code": entry.group.code, "zone_id": entry.zone_id,
                      "rank": result.rank, "score": result.score, "award": result.award}  # fmt: skip
            row = existing.get(entry.pk)
            if row is None:
                row = Recommendation.objects.create(edition_id=event.edition_id, entry=entry,
                                                    source=source, recommended_by=by, recommended_at=now,
                                                    on_time=on_time, **fields)  # fmt: skip
                done["created"].append(entry.pk)
            elif row.status == R.WITHDRAWN:
                transition(row, R.RECOMMENDED, by=by, values={**fields, "source": source, "recommended_by": by,
                                                              "recommended_at": now, "on_time": on_time},
                           data={"entry": entry.pk})  # fmt: skip
                done["restored"].append(entry.pk)
            elif any(getattr(row, k) != v for k, v in fields.items()) or row.source != source:
                for key, value in {**fields, "source": source}.items():
                    setattr(row, key, value)
                row.save(update_fields=[*fields, "source"])
                done["updated"].append(entry.pk)
            else:
                done["unchanged"].append(entry.pk)
            out.append(row)
        if done["created"] or done["updated"] or done["restored"]:
            audit.record(action="review.recommendations.recommended", obj=event, by=by, scope=_scope(event),
                         data={"source": source, "on_time": on_time, **done})  # fmt: skip
    return out


def withdraw_recommendation(*, by, recommendation: Recommendation, reason: str) -> None:
    """Withdraw a recommendation, with the reason (kept in its history and the audit trail).
    Refused once the national review has taken the project."""
    _check(by, "review.recommend_entries", recommendation.event)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("撤回推荐须写明理由。", field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"理由不能超过 {REASON_MAX} 字。", field="reason")
    check_text(reason, field="reason")
    taken = RoundEntry.objects.filter(round__edition_id=recommendation.edition_id, round__event__isnull=True,
                                      entry_id=recommendation.entry_id).exists()  # fmt: skip
    if taken:
        raise Conflict("该项目已进入全国评审，不能撤回推荐。")
    transition(recommendation, R.WITHDRAWN, by=by, reason=reason, data={"entry": recommendation.entry_id})


def recommend_from_advancement(*, by, event: Event) -> list[Recommendation]:
    """Recommend the entries the event's last published round advanced, with their published
    rank and score (the round's published ranking snapshot; the decision's own figures where the
    snapshot has none). Local awards are not known here (the awards app sits above review)."""
    _check(by, "review.recommend_entries", event)
    round_ = last_published_round(event)
    if round_ is None:
        raise Conflict("本赛事还没有发布晋级结果，不能据此推荐。")
    decisions = list(advanced_decisions(round_).select_related("round_entry__entry").order_by("rank", "pk"))
    if not decisions:
        raise Conflict("本赛事最后发布的一轮没有晋级项目。")
    published: dict[int, tuple[int | None, Decimal | None]] = {}
    for snapshot in RankingSnapshot.objects.filter(round=round_, published_at__isnull=False, industry=""):
        for row in snapshot.rows:
            exact = row.get("exact")
            published[int(row["entry"])] = (
                row.get("rank"),
                Decimal(str(exact)) if exact is not None else None,
            )
    results = []
    for d in decisions:
        rank, score = published.get(d.round_entry.entry_id, (d.rank, d.score))
        results.append((d.round_entry.entry, LocalResult(rank=rank, score=score)))
    return recommend_entries(by=by, event=event, results=results, source=RecommendationSource.PLATFORM)


# -- reminders ---------------------------------------------------------------------------------------


def organizer_addresses(events: Sequence[Event]) -> dict[int, list[str]]:
    """Event id → the e-mail addresses of the staff of the organizations running it."""
    by_org: dict[int, set[str]] = {}
    for org, email in (
        Role.objects.filter(
            kind=RoleKind.ORGANIZER,
            organization__roles__event__in=[e.pk for e in events],
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("organization_id", "user__email")
    ):
        by_org.setdefault(org, set()).add(email)
    out: dict[int, list[str]] = {}
    for event_id, org in Event.objects.filter(pk__in=[e.pk for e in events]).values_list(
        "pk", "roles__organization"
    ):
        out.setdefault(event_id, [])
        out[event_id] = sorted(set(out[event_id]) | by_org.get(org, set()))
    return out


def send_recommendation_reminders(*, by, edition: Edition) -> int:
    """E-mail the organizers of every feeding event that still has places unused or recommended
    late: what is missing, by group. Returns the number of events reminded."""
    _check(by, "review.manage_recommendation_quotas", edition)
    sheet = checklist(edition, feeding_events(edition))
    short: dict[int, list[str]] = {}
    events: dict[int, Event] = {}
    for row in sheet.rows:
        if row.quota is not None and (row.recommended < row.quota or row.late):
            events[row.event.pk] = row.event
            short.setdefault(row.event.pk, []).append(
                f"{row.group_name}：已推荐 {row.recommended} 个，名额 {row.quota} 个"
                + (f"，其中逾期 {row.late} 个" if row.late else "")
                + (f"，{row.missing_materials} 个缺商业计划书" if row.missing_materials else "")
            )
    addresses = organizer_addresses(list(events.values()))
    due = (
        f"推荐截止时间：{timezone.localtime(sheet.deadline):%Y-%m-%d %H:%M}（北京时间）。\n"
        if sheet.deadline
        else ""
    )
    sent = []
    with transaction.atomic():
        for event_id, lines in short.items():
            to = addresses.get(event_id) or []
            if not to:
                continue
            event = events[event_id]
            subject = f"【创客中国】请完成向全国评审推荐项目：{event.name}"
            body = (f"您好：\n\n“{event.name}”向全国评审推荐项目的情况如下：\n" + "\n".join(lines) + "\n" + due
                    + "\n请登录平台“推荐项目”页面完成推荐。\n\n“创客中国”大赛组委会办公室")  # fmt: skip
            transaction.on_commit(lambda s=subject, b=body, t=to: send_mail(
                s, b, settings.DEFAULT_FROM_EMAIL, t, fail_silently=True))  # fmt: skip
            sent.append(event_id)
        audit.record(action="review.recommendations.reminded", obj=edition, by=by, scope=f"edition:{edition.pk}",
                     data={"events": sent})  # fmt: skip
    return len(sent)
