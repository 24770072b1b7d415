"""Organizer pages for conflicts, the assignment and the scoring progress of a round."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from contest.core.errors import ContestError
from contest.core.inputs import parse_id
from contest.core.views import show_refusal
from contest.review import organizer_selectors as selectors
from contest.review import organizer_tables as tables
from contest.review import services
from contest.review.forms import AssignmentChangeForm, PinAssignmentForm, PinConflictForm
from contest.review.models import ReviewRound, RoundEntry, ScoreSheet
from contest.review.views.organizer.common import (
    CONFLICT_KIND_LABELS,
    CONFLICT_SOURCE_LABELS,
    READ_WRITE,
    RUN_LABELS,
    SAFE,
    SHEET_LABELS,
    SOURCE_LABELS,
    review_view,
    round_context,
)

# -- conflicts ----------------------------------------------------------------------------------------------


@review_view(READ_WRITE)
def conflicts(request: HttpRequest, round: ReviewRound) -> HttpResponse:
    judges = list(round.round_judges.select_related("expert").order_by("expert__name", "expert_id"))
    entries = list(round.round_entries.select_related("entry").order_by("code"))
    form = PinConflictForm(judges=judges, entries=entries)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "detect":
            try:
                n = services.detect_conflicts(by=request.user, round=round)
            except ContestError as exc:
                show_refusal(request, exc)
            else:
                messages.success(request, _("检测完成：新发现 %(n)d 条回避关系。") % {"n": n})
            return redirect("review:conflicts", round.pk)
        if action == "pin":
            form = PinConflictForm(request.POST, judges=judges, entries=entries)
            if form.is_valid():
                expert = next(j.expert for j in judges if j.expert_id == form.cleaned_data["expert"])
                entry = next(re.entry for re in entries if re.entry_id == form.cleaned_data["entry"])
                try:
                    services.pin_conflict(by=request.user, round=round, expert=expert, entry=entry,
                                          reason=form.cleaned_data["reason"])  # fmt: skip
                except ContestError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, _("已指定回避：%(expert)s × %(title)s。")
                                     % {"expert": expert.name, "title": entry.title})  # fmt: skip
                    return redirect("review:conflicts", round.pk)
        else:
            messages.error(request, _("未知的操作。"))
            return redirect("review:conflicts", round.pk)
    rows = [
        (c, CONFLICT_KIND_LABELS[c.kind], CONFLICT_SOURCE_LABELS[c.source])
        for c in selectors.round_conflicts(round)
    ]
    context = round_context(round, "conflicts", rows=rows, form=form)
    return render(request, "review/organizer_conflicts.html", context)


# -- assignment -------------------------------------------------------------------------------------------


@review_view(READ_WRITE)
def assignment(request: HttpRequest, round: ReviewRound) -> HttpResponse:
    if request.method == "POST":
        try:
            services.request_assignment(by=request.user, round=round)
        except ContestError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("已提交自动分配，正在后台计算。"))
        return redirect("review:assignment", round.pk)
    run = selectors.latest_run(round)
    groups = selectors.groups_of_edition(round.edition_id)
    flt = tables.parse_filter(request.GET, groups)
    table = tables.assignment_page(
        round, flt, request.GET.get("page"),
        source_labels={k: str(v) for k, v in SOURCE_LABELS.items()},  # translated once, not once per cell
        sheet_labels={k: str(v) for k, v in SHEET_LABELS.items()},
    )  # fmt: skip
    context = round_context(round, "assignment", run=run, run_payload=selectors.run_payload(run),
                            run_label=RUN_LABELS[run.status] if run else "", rows=table.rows, page=table.page,
                            short=table.short, entry_url=_entry_url_prefix(round),
                            **tables.filter_context(flt, groups))  # fmt: skip
    return render(request, "review/organizer_assignment.html", context)


def _entry_url_prefix(round_: ReviewRound) -> str:
    """The URL of an entry's assignment page without the round entry's id (reversed once, the id
    appended per row)."""
    url = reverse("review:assignment_entry", args=[round_.pk, 0])
    assert url.endswith("/0"), url
    return url[:-1]


def _has_sheet(a) -> bool:
    try:
        a.sheet  # noqa: B018 - the reverse one-to-one was joined
    except ScoreSheet.DoesNotExist:
        return False
    return True


@review_view(SAFE)
def assignment_status(request: HttpRequest, round: ReviewRound) -> JsonResponse:
    """The latest assignment run as JSON, polled every 2 s by the assignment page."""
    services.expire_stale_runs(round=round)  # a dead worker's run ends as failed, not polled forever
    response = JsonResponse(selectors.run_payload(selectors.latest_run(round)))
    response["Cache-Control"] = "no-store"
    return response


@review_view(READ_WRITE)
def assignment_entry(request: HttpRequest, round: ReviewRound, round_entry: RoundEntry) -> HttpResponse:
    """One entry's judges: pin another judge, swap or remove one (with a reason)."""
    options = selectors.pin_options(round, round_entry)
    pin_form = PinAssignmentForm(options=options)
    change_forms = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "pin":
                pin_form = PinAssignmentForm(request.POST, options=options)
                if pin_form.is_valid():
                    expert = next(o.expert for o in options if o.expert.pk == pin_form.cleaned_data["expert"])
                    services.pin_assignment(by=request.user, round_entry=round_entry, expert=expert)
                    messages.success(request, _("已指定“%(name)s”评审此项目。") % {"name": expert.name})
                    return redirect("review:assignment_entry", round.pk, round_entry.pk)
            elif action in ("swap", "remove"):
                target = round_entry.assignments.select_related("round", "expert", "round_entry").filter(
                    pk=parse_id(request.POST.get("assignment")) or 0).first()  # fmt: skip
                if target is None:
                    raise Http404("no such assignment in this entry")
                form = AssignmentChangeForm(request.POST, options=options)
                change_forms[target.pk] = form
                if form.is_valid():
                    reason = form.cleaned_data["reason"]
                    if action == "swap":
                        expert = next(o.expert for o in options if o.expert.pk == form.cleaned_data["expert"])
                        services.replace_judge(
                            by=request.user, assignment=target, expert=expert, reason=reason
                        )
                        messages.success(request, _("已将“%(old)s”换成“%(new)s”。")
                                         % {"old": target.expert.name, "new": expert.name})  # fmt: skip
                    else:
                        services.withdraw_assignment(by=request.user, assignment=target, reason=reason)
                        messages.success(request, _("已移除“%(name)s”。") % {"name": target.expert.name})
                    return redirect("review:assignment_entry", round.pk, round_entry.pk)
            else:
                messages.error(request, _("未知的操作。"))
        except ContestError as exc:
            show_refusal(request, exc)
    current = []
    for a in round_entry.assignments.select_related("expert", "sheet").order_by("expert__name", "expert_id"):
        sheet = a.sheet if _has_sheet(a) else None
        form = change_forms.get(a.pk) or AssignmentChangeForm(options=options, auto_id=f"id_{a.pk}_%s")
        current.append((a, SOURCE_LABELS[a.source], SHEET_LABELS[sheet.status if sheet else "pending"], form))
    context = round_context(round, "assignment", round_entry=round_entry, current=current, pin_form=pin_form,
                       options=options)  # fmt: skip
    return render(request, "review/organizer_assignment_entry.html", context)


# -- progress ---------------------------------------------------------------------------------------------------


@review_view(READ_WRITE)
def progress(request: HttpRequest, round: ReviewRound) -> HttpResponse:
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "remind":
                n = services.remind_judges(by=request.user, round=round)
                messages.success(request, _("已向 %(n)d 位专家发送提醒邮件。") % {"n": n})
            elif action == "reassign":
                judge = (
                    round.round_judges.select_related("expert")
                    .filter(expert_id=parse_id(request.POST.get("expert")) or 0)
                    .first()
                )
                if judge is None:
                    raise Http404("no such judge in this round")
                n = services.hand_over_unfinished(by=request.user, round=round, expert=judge.expert)
                messages.success(request, _("已将“%(name)s”的 %(n)d 个未完成项目转交给其他专家。")
                                 % {"name": judge.expert.name, "n": n})  # fmt: skip
            else:
                messages.error(request, _("未知的操作。"))
        except ContestError as exc:
            show_refusal(request, exc)
        return redirect("review:progress", round.pk)
    context = round_context(round, "progress", progress=selectors.progress(round, timezone.now()))
    return render(request, "review/organizer_progress.html", context)
