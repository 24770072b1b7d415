"""Organizer pages for rankings, snapshots, advancement and the notary's exports."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from contest.accounts.security import audit_export
from contest.core import audit
from contest.core.errors import ContestError, FieldErrors
from contest.core.inputs import parse_id, parse_ids
from contest.core.views import show_refusal
from contest.registration.enums import Industry
from contest.review import exporters as review_exporters
from contest.review import organizer_selectors as selectors
from contest.review import organizer_tables as tables
from contest.review import services
from contest.review.enums import Decision, QuotaKind, RoundStatus
from contest.review.forms import QUOTA_LABELS, QuotaForm
from contest.review.models import RankingSnapshot, ReviewRound
from contest.review.views.organizer.common import (
    READ_WRITE,
    SAFE,
    attach_errors,
    review_view,
    round_context,
)

# -- rankings and snapshots ------------------------------------------------------------------------------------


@review_view(READ_WRITE)
def ranking(request: HttpRequest, round: ReviewRound) -> HttpResponse:
    if request.method == "POST":
        try:
            made = services.snapshot_ranking(by=request.user, round=round)
        except ContestError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("已保存 %(n)d 份排名快照。") % {"n": len(made)})
        return redirect("review:ranking", round.pk)
    groups = selectors.groups_of_edition(round.edition_id)
    flt = tables.parse_filter(request.GET, groups)
    view = tables.ranking_page(round, flt, request.GET.get("page"), groups=groups)
    context = round_context(round, "ranking", view=view, snapshots=list(selectors.snapshots(round)),
                            rubric=round.rubric, **tables.filter_context(flt, groups))  # fmt: skip
    return render(request, "review/organizer_ranking.html", context)


def snapshot_digest(snapshot: RankingSnapshot) -> str:
    """The SHA-256 recomputed from the stored rows, as ``snapshot_ranking`` computes it."""
    return hashlib.sha256(audit.canonical_json({"rows": snapshot.rows}).encode()).hexdigest()


@review_view(SAFE)
def snapshot_detail(request: HttpRequest, round: ReviewRound, snapshot: RankingSnapshot) -> HttpResponse:
    table = selectors.snapshot_view(round, snapshot)
    if snapshot.industry in Industry.values:
        table.industry = Industry(snapshot.industry).label
    context = round_context(round, "ranking", snapshot=snapshot, table=table,
                       verified=snapshot_digest(snapshot) == snapshot.sha256)  # fmt: skip
    return render(request, "review/organizer_snapshot.html", context)


# -- advancement ----------------------------------------------------------------------------------------------


@review_view(READ_WRITE)
def advancement(request: HttpRequest, round: ReviewRound) -> HttpResponse:
    quota_forms: dict[str, QuotaForm] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "quota":
            group = request.POST.get("group", "")
            form = QuotaForm(request.POST, auto_id=f"id_{group}_%s")
            if form.is_valid() and _save_quota(request, round, form):
                return redirect("review:advancement", round.pk)
            quota_forms[group] = form
        elif action in ("stage", "close", "publish"):
            _advancement_post(request, round, action)
            return redirect("review:advancement", round.pk)
        else:
            messages.error(request, _("未知的操作。"))
            return redirect("review:advancement", round.pk)
    published = round.status == RoundStatus.PUBLISHED
    groups = [] if published else selectors.advancement_view(round)
    for g in groups:
        if g.group_code not in quota_forms:
            q = g.quota
            initial = {"group": g.group_code, "kind": q.kind if q else QuotaKind.COUNT}
            if q:
                initial.update({"count": q.count, "percent": q.percent, "floor": q.floor, "cap": q.cap,
                                "total": q.total})  # fmt: skip
            quota_forms[g.group_code] = QuotaForm(initial=initial, auto_id=f"id_{g.group_code}_%s")
    context = round_context(
        round, "advancement", groups=[(g, quota_forms[g.group_code], QUOTA_LABELS[g.quota.kind] if g.quota else "")
                                      for g in groups],
        published=selectors.published_decisions(round) if published else [],
        published_snapshots=list(round.rankings.filter(published_at__isnull=False).order_by("group_code", "pk"))
        if published else [],
        decision_labels={Decision.ADVANCE: _("晋级"), Decision.HOLD: _("不晋级")},
        too_few=selectors.too_few_rows(round) if round.status == RoundStatus.CLOSED else [],
    )  # fmt: skip
    return render(request, "review/organizer_advancement.html", context)


def _save_quota(request: HttpRequest, round_: ReviewRound, form: QuotaForm) -> bool:
    data = form.cleaned_data
    group = data["group"]
    if group not in selectors.groups_of_edition(round_.edition_id):
        form.add_error(None, _("未知的组别。"))
        return False
    try:
        if data["kind"] == QuotaKind.PROPORTIONAL:
            services.set_proportional_quota(
                by=request.user, round=round_, group_code=group, total=data["total"]
            )
        else:
            services.set_quota(by=request.user, round=round_, group_code=group, kind=data["kind"],
                               count=data.get("count") if data["kind"] == QuotaKind.COUNT else None,
                               percent=data.get("percent") if data["kind"] == QuotaKind.PERCENT else None,
                               floor=data.get("floor") if data["kind"] == QuotaKind.PERCENT else None,
                               cap=data.get("cap") if data["kind"] == QuotaKind.PERCENT else None)  # fmt: skip
    except FieldErrors as exc:
        attach_errors(form, exc)
        return False
    except ContestError as exc:
        form.add_error(None, exc.message)
        return False
    messages.success(request, _("晋级名额已保存。"))
    return True


def _advancement_post(request: HttpRequest, round_: ReviewRound, action: str) -> None:
    try:
        if action == "stage":
            shown = set(parse_ids(request.POST.getlist("shown")))
            advance = set(parse_ids(request.POST.getlist("advance"))) & shown
            decisions = {pk: Decision.ADVANCE if pk in advance else Decision.HOLD for pk in sorted(shown)}
            n = services.stage_decisions(by=request.user, round=round_, decisions=decisions,
                                         note=request.POST.get("note", "").strip()[:300])  # fmt: skip
            messages.success(request, _("已暂存 %(n)d 个晋级决定（其中晋级 %(a)d 个），发布前仍可修改。")
                             % {"n": n, "a": len(advance)})  # fmt: skip
        elif action == "close":
            services.set_round_status(by=request.user, round=round_, to=RoundStatus.CLOSED)
            messages.success(request, _("评审已结束。"))
        elif action == "publish":
            raw = request.POST.get("acknowledge_too_few", "")
            result = services.publish_advancement(by=request.user, round=round_,
                                                  acknowledged_too_few=parse_id(raw) or 0)  # fmt: skip
            total = sum(result.values())
            messages.success(request, _("晋级结果已发布：共 %(n)d 个项目晋级。") % {"n": total})
    except ContestError as exc:
        show_refusal(request, exc)


# -- exports ----------------------------------------------------------------------------------------------------


@review_view(SAFE)
def export(request: HttpRequest, round: ReviewRound, kind: str) -> HttpResponse:
    if kind not in review_exporters.KINDS:
        raise Http404("no such export")
    now = timezone.now()
    response = review_exporters.round_download(round, kind, fmt=request.GET.get("format"), now=now)
    audit_export(
        request, what=f"review.round.{kind}", scope=f"event:{round.event_id}", detail={"round": round.pk}
    )
    return response
