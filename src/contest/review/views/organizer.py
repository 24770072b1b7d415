"""Organizer and secretariat review pages (/console/review/): the expert pool, rounds, entries and
judges of a round, conflicts, the assignment, progress, rankings and snapshots, advancement, and
the exports a notary signs.

Every page finds its round through the tenancy selector (``review.organizer_selectors``) and
checks ``review.manage_round``; anything outside the user's scope answers 404, never 403 — to
every method. Views parse input, call a service, and show its refusal as a message.
"""

from __future__ import annotations

import functools
import hashlib
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contest.catalog import selectors as catalog_selectors
from contest.catalog.models import Edition, Event
from contest.core import audit, exporters
from contest.core.errors import ContestError, FieldErrors
from contest.registration.enums import Industry
from contest.registration.selectors import event_for_user, events_for_user
from contest.review import exporters as review_exporters
from contest.review import organizer_selectors as selectors
from contest.review import services
from contest.review.enums import (
    AssignmentSource,
    ConflictKind,
    ConflictSource,
    Decision,
    QuotaKind,
    RoundStatus,
    RunStatus,
    SheetStatus,
)
from contest.review.expert_import import TEMPLATE_EXAMPLE, read_expert_table
from contest.review.forms import (
    AGGREGATION_LABELS,
    CARRY_LABELS,
    EXPERT_KIND_LABELS,
    QUOTA_LABELS,
    STAGE_LABELS,
    AssignmentChangeForm,
    ExpertFilterForm,
    ExpertForm,
    PinAssignmentForm,
    PinConflictForm,
    QuotaForm,
    RoundForm,
    RoundJudgeForm,
    RubricFormSet,
    UploadForm,
    rubric_rows,
)
from contest.review.models import Expert, RankingSnapshot, ReviewRound, RoundEntry, ScoreSheet
from contest.review.models.rounds import default_rubric

PAGE_SIZE = 50
SAFE = ("GET", "HEAD")
READ_WRITE = ("GET", "HEAD", "POST")
WRITE = ("POST",)
IMPORT_SESSION_KEY = "review_expert_imports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

STATUS_LABELS = {
    RoundStatus.DRAFT: gettext_lazy("筹备中"),
    RoundStatus.OPEN: gettext_lazy("评审中"),
    RoundStatus.CLOSED: gettext_lazy("评审结束"),
    RoundStatus.PUBLISHED: gettext_lazy("结果已发布"),
}
RUN_LABELS = {
    RunStatus.QUEUED: gettext_lazy("排队中"),
    RunStatus.RUNNING: gettext_lazy("计算中"),
    RunStatus.DONE: gettext_lazy("已完成"),
    RunStatus.FAILED: gettext_lazy("失败"),
}
SOURCE_LABELS = {
    AssignmentSource.AUTO: gettext_lazy("自动分配"),
    AssignmentSource.PINNED: gettext_lazy("组织方指定"),
    AssignmentSource.MANUAL: gettext_lazy("手动调整"),
}
SHEET_LABELS = {
    "pending": gettext_lazy("未评"),
    SheetStatus.DRAFT: gettext_lazy("草稿"),
    SheetStatus.SUBMITTED: gettext_lazy("已提交"),
}
CONFLICT_KIND_LABELS = {
    ConflictKind.SAME_ORGANIZATION: gettext_lazy("与参赛主体同一单位"),
    ConflictKind.SAME_CREDIT_CODE: gettext_lazy("单位信用代码相同"),
    ConflictKind.TEAM_MEMBER: gettext_lazy("本人为团队成员"),
    ConflictKind.SAME_EMPLOYER: gettext_lazy("与团队成员同一工作单位"),
    ConflictKind.DECLARED: gettext_lazy("专家本人申报"),
    ConflictKind.PINNED: gettext_lazy("组织方指定回避"),
}
CONFLICT_SOURCE_LABELS = {
    ConflictSource.DETECTED: gettext_lazy("系统检测"),
    ConflictSource.DECLARED: gettext_lazy("专家申报"),
    ConflictSource.ORGANIZER: gettext_lazy("组织方指定"),
}
#: status → [(target, button label)] offered on the round page; publishing lives on the advancement page
STATUS_ACTIONS = {
    RoundStatus.DRAFT: [(RoundStatus.OPEN, gettext_lazy("开始评审"))],
    RoundStatus.OPEN: [(RoundStatus.CLOSED, gettext_lazy("结束评审"))],
    RoundStatus.CLOSED: [(RoundStatus.OPEN, gettext_lazy("重新开放评审"))],
    RoundStatus.PUBLISHED: [],
}
EXPORT_LABELS = {
    "scores": gettext_lazy("评分表（每位专家一页）"),
    "ranking": gettext_lazy("排名表（含每位专家得分）"),
    "assignments": gettext_lazy("分配表"),
    "conflicts": gettext_lazy("回避关系表"),
}


# -- scope: every lookup answers 404 outside it --------------------------------------------------------


def _console_or_404(request: HttpRequest) -> None:
    if not selectors.can_use_review_console(request.user):
        raise Http404("not an organizer")


def _round_or_404(request: HttpRequest, round_id: int) -> ReviewRound:
    round_ = selectors.round_for_user(request.user, round_id)
    if round_ is None or not request.user.has_perm("review.manage_round", round_):
        raise Http404("no such round in your scope")
    return round_


def _expert_or_404(request: HttpRequest, expert_id: int) -> Expert:
    expert = selectors.expert_for_user(request.user, expert_id)
    if expert is None:
        raise Http404("no such expert")
    return expert


def review_view(methods: tuple[str, ...]):
    """Sign-in, then scope, then method (a 405 only ever comes after the scope check). The view
    receives ``round``, ``expert``, ``round_entry`` and ``snapshot`` in place of the ids in its URL."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, **kwargs) -> HttpResponse:
            _console_or_404(request)
            if "round_id" in kwargs:
                kwargs["round"] = _round_or_404(request, kwargs.pop("round_id"))
            if "expert_id" in kwargs:
                kwargs["expert"] = _expert_or_404(request, kwargs.pop("expert_id"))
            if "round_entry_id" in kwargs:
                kwargs["round_entry"] = selectors.round_entry_in_round(
                    kwargs["round"], kwargs.pop("round_entry_id")
                )
                if kwargs["round_entry"] is None:
                    raise Http404("no such entry in this round")
            if "snapshot_id" in kwargs:
                kwargs["snapshot"] = selectors.snapshot_in_round(kwargs["round"], kwargs.pop("snapshot_id"))
                if kwargs["snapshot"] is None:
                    raise Http404("no such snapshot in this round")
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, **kwargs)

        return login_required(wrapper)

    return decorator


def _error(request: HttpRequest, exc: ContestError) -> None:
    messages.error(request, exc.message)
    for extra in getattr(exc, "errors", [])[1:]:
        messages.error(request, extra)


def _context(round_: ReviewRound, tab: str, **extra) -> dict:
    return {"round": round_, "tab": tab, "status_label": STATUS_LABELS[round_.status], "section": "console",
            "is_published": round_.status == RoundStatus.PUBLISHED, **extra}  # fmt: skip


def _site_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _attach(form, exc: FieldErrors, *, prefix_errors: list[str] | None = None) -> None:
    """Put a service's field errors on the form's fields; the others on the form itself (or in
    ``prefix_errors`` for the rubric table)."""
    for key, message in exc.fields.items():
        if key in form.fields:
            form.add_error(key, message)
        elif prefix_errors is not None and key.startswith("rubric"):
            prefix_errors.append(message)
        else:
            form.add_error(None, message)


# -- rounds ---------------------------------------------------------------------------------------------


@review_view(SAFE)
def round_list(request: HttpRequest) -> HttpResponse:
    rounds = list(selectors.round_list(request.user))
    context = {
        "rows": [(r, STATUS_LABELS[r.status], STAGE_LABELS[r.stage]) for r in rounds],
        "can_create": bool(selectors.editions_for_national_round(request.user))
        or events_for_user(request.user).exists(),
        "can_manage_experts": request.user.has_perm("review.manage_experts"),
        "section": "console",
    }
    return render(request, "review/organizer_round_list.html", context)


def _scope_choices(user) -> list[tuple[str, str]]:
    choices = [(f"edition:{e.pk}", _("%(edition)s · 全国评审") % {"edition": e.title})
               for e in selectors.editions_for_national_round(user)]  # fmt: skip
    choices += [(f"event:{e.pk}", e.name) for e in selectors.events_for_new_round(user)]
    return choices


def _resolve_scope(user, value: str) -> tuple[Edition, Event | None]:
    """(edition, event) of a scope choice in the user's scope; Http404 otherwise."""
    kind, _sep, pk = (value or "").partition(":")
    if kind == "event" and pk.isdigit():
        event = event_for_user(user, int(pk))
        if event is not None:
            return event.edition, event
    if kind == "edition" and pk.isdigit():
        edition = next((e for e in selectors.editions_for_national_round(user) if e.pk == int(pk)), None)
        if edition is not None:
            return edition, None
    raise Http404("no such scope")


def _previous_of(user, value: str, *, edition_id: int, event_id: int | None) -> ReviewRound | None:
    if not value:
        return None
    found = (
        selectors.previous_round_choices(user, edition_id=edition_id, event_id=event_id)
        .filter(pk=value)
        .first()
    )
    if found is None:
        raise FieldErrors({"previous": _("请选择同一赛事（全国评审：同一届）的上一轮。")})
    return found


def _rubric_formset(data=None, rubric=None):
    if data is not None:
        return RubricFormSet(data, prefix="rubric")
    rows = [{"code": c["code"], "name": c["name"], "max": c["max"], "weight": c["weight"]} for c in rubric]
    return RubricFormSet(initial=rows, prefix="rubric")


def _round_form_page(request, *, form, formset, rubric_errors, round_=None) -> HttpResponse:
    context = {"form": form, "formset": formset, "rubric_errors": rubric_errors, "round": round_,
               "tab": "settings", "section": "console",
               "status_label": STATUS_LABELS[round_.status] if round_ else None}  # fmt: skip
    return render(request, "review/organizer_round_form.html", context)


@review_view(READ_WRITE)
def round_create(request: HttpRequest) -> HttpResponse:
    scopes = _scope_choices(request.user)
    if not scopes:
        raise Http404("no event to run a round for")
    previous = (
        selectors.rounds_for_user(request.user).select_related("event").order_by("edition_id", "created_at")
    )
    rubric_errors: list[str] = []
    if request.method == "POST":
        form = RoundForm(request.POST, scopes=scopes, previous_rounds=previous)
        formset = _rubric_formset(request.POST)
        if form.is_valid() and formset.is_valid():
            edition, event = _resolve_scope(request.user, form.cleaned_data["scope"])
            data = {**form.service_data(), "rubric": rubric_rows(formset)}
            try:
                with transaction.atomic():
                    round_ = services.create_round(by=request.user, edition=edition, event=event, data=data)
                    # the rest of the settings (checked the same way as an edit), then the previous round
                    services.update_round(by=request.user, round=round_, data=data)
                    before = _previous_of(request.user, form.cleaned_data["previous"], edition_id=edition.pk,
                                          event_id=event.pk if event else None)  # fmt: skip
                    if before is not None:
                        services.update_round(by=request.user, round=round_, data={"previous": before})
            except FieldErrors as exc:
                _attach(form, exc, prefix_errors=rubric_errors)
            except ContestError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("评审轮次“%(name)s”已创建。") % {"name": round_.name})
                return redirect("review:round_detail", round_.pk)
    else:
        wanted = request.GET.get("scope", "")
        initial = {"scope": wanted if wanted in dict(scopes) else scopes[0][0], "stage": "preliminary",
                   "judges_per_entry": 5, "default_max_load": 30, "blind": True, "aggregation": "mean", "places": 2,
                   "carry_over": "fresh", "carry_weight": 0}  # fmt: skip
        form = RoundForm(initial=initial, scopes=scopes, previous_rounds=previous)
        formset = _rubric_formset(rubric=default_rubric())
    return _round_form_page(request, form=form, formset=formset, rubric_errors=rubric_errors)


@review_view(READ_WRITE)
def round_edit(request: HttpRequest, round: ReviewRound) -> HttpResponse:
    scopes = _scope_choices(request.user)
    event_id = round.event_id
    previous = selectors.previous_round_choices(request.user, edition_id=round.edition_id, event_id=event_id,
                                                exclude=round.pk)  # fmt: skip
    rubric_errors: list[str] = []
    if request.method == "POST":
        form = RoundForm(request.POST, scopes=scopes, previous_rounds=previous, editing=True,
                         initial=RoundForm.initial_for(round))  # fmt: skip
        formset = _rubric_formset(request.POST)
        if form.is_valid() and formset.is_valid():
            data = {**form.service_data(), "rubric": rubric_rows(formset)}
            try:
                data["previous"] = _previous_of(request.user, form.cleaned_data["previous"],
                                                edition_id=round.edition_id, event_id=event_id)  # fmt: skip
                services.update_round(by=request.user, round=round, data=data)
            except FieldErrors as exc:
                _attach(form, exc, prefix_errors=rubric_errors)
            except ContestError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("设置已保存。"))
                return redirect("review:round_detail", round.pk)
    else:
        form = RoundForm(
            initial=RoundForm.initial_for(round), scopes=scopes, previous_rounds=previous, editing=True
        )
        formset = _rubric_formset(rubric=round.rubric)
    return _round_form_page(request, form=form, formset=formset, rubric_errors=rubric_errors, round_=round)


@review_view(SAFE)
def round_detail(request: HttpRequest, round: ReviewRound) -> HttpResponse:
    counted = selectors.annotate_round_counts(ReviewRound.objects.filter(pk=round.pk)).get()
    run = selectors.latest_run(round)
    settings_rows = [
        (_("阶段"), STAGE_LABELS[round.stage]),
        (_("每个项目的评审人数（k）"), round.judges_per_entry),
        (_("每位专家默认最多评审数"), round.default_max_load),
        (_("匿名评审"), _("是") if round.blind else _("否")),
        (_("评审可看到其他评审的打分"), _("是") if round.judges_see_others else _("否")),
        (_("评审时间"), _window(round)),
        (_("合成方式"), AGGREGATION_LABELS[round.aggregation]),
        (_("按评审标准化（z 分数）"), _("是") if round.normalize else _("否")),
        (_("保留小数位"), round.places),
        (_("另按行业排名"), _("是") if round.rank_by_industry else _("否")),
        (_("每个项目至少一位投资专家"), _("是") if round.require_investor else _("否")),
        (_("同一项目的评审来自不同单位"), _("是") if round.distinct_organizations else _("否")),
        (_("上一轮"), str(round.previous) if round.previous_id else _("（无）")),
        (_("上一轮成绩"), f"{CARRY_LABELS[round.carry_over]}"
         + (f" · {round.carry_weight}" if round.carry_over == "blend" else "")),
    ]  # fmt: skip
    context = _context(
        round, "overview", counts=counted, run=run, run_label=RUN_LABELS[run.status] if run else "",
        settings_rows=settings_rows, status_actions=STATUS_ACTIONS[round.status], exports=EXPORT_LABELS.items(),
    )  # fmt: skip
    return render(request, "review/organizer_round_detail.html", context)


def _window(round_: ReviewRound) -> str:
    if not (round_.opens_at or round_.closes_at):
        return _("未设置")
    fmt = "%Y-%m-%d %H:%M"
    start = timezone.localtime(round_.opens_at).strftime(fmt) if round_.opens_at else "…"
    end = timezone.localtime(round_.closes_at).strftime(fmt) if round_.closes_at else "…"
    return f"{start} – {end}"


@review_view(WRITE)
def round_status(request: HttpRequest, round: ReviewRound) -> HttpResponse:
    to = request.POST.get("to", "")
    if to not in (RoundStatus.OPEN, RoundStatus.CLOSED):
        messages.error(request, _("未知的操作。"))
        return redirect("review:round_detail", round.pk)
    try:
        updated = services.set_round_status(by=request.user, round=round, to=to)
    except ContestError as exc:
        _error(request, exc)
    else:
        messages.success(
            request, _("轮次状态已更新为“%(status)s”。") % {"status": STATUS_LABELS[updated.status]}
        )
    return redirect("review:round_detail", round.pk)


# -- entries of a round -----------------------------------------------------------------------------------


@review_view(READ_WRITE)
def round_entries(request: HttpRequest, round: ReviewRound) -> HttpResponse:
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add_all":
                n = services.add_entries(by=request.user, round=round)
            elif action == "add_selected":
                ids = [int(x) for x in request.POST.getlist("entry") if x.isdigit()]
                chosen = list(selectors.candidate_entries(request.user, round).filter(pk__in=ids))
                if not chosen:
                    messages.error(request, _("请先勾选要加入的项目。"))
                    return redirect("review:round_entries", round.pk)
                n = services.add_entries(by=request.user, round=round, entries=chosen)
            else:
                messages.error(request, _("未知的操作。"))
                return redirect("review:round_entries", round.pk)
        except ContestError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("已加入 %(n)d 个项目。") % {"n": n})
        return redirect("review:round_entries", round.pk)
    entries = list(selectors.round_entries(round))
    candidates = list(selectors.candidate_entries(request.user, round)[:500])
    if round.event_id is None:
        add_all_label = _("加入各赛事推荐（已发布晋级）的项目")
    elif round.previous_id:
        add_all_label = _("加入上一轮晋级的项目")
    else:
        add_all_label = _("加入全部资格审查通过的项目")
    context = _context(round, "entries", entries=entries, candidates=candidates, add_all_label=add_all_label)
    return render(request, "review/organizer_entries.html", context)


# -- judges of a round --------------------------------------------------------------------------------------


@review_view(READ_WRITE)
def round_judges(request: HttpRequest, round: ReviewRound) -> HttpResponse:
    if request.method == "POST":
        _judges_post(request, round)
        url = reverse("review:round_judges", args=[round.pk])
        return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)
    filter_form = ExpertFilterForm(request.GET, provinces=list(catalog_selectors.provinces()))
    flt = filter_form.expert_filter()
    page = Paginator(selectors.pool_candidates(request.user, round, flt), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = _context(round, "judges", judges=selectors.judge_loads(round), filter_form=filter_form,
                       is_filtered=flt.is_active, page=page, kind_labels=EXPERT_KIND_LABELS)  # fmt: skip
    return render(request, "review/organizer_judges.html", context)


def _judges_post(request: HttpRequest, round_: ReviewRound) -> None:
    action = request.POST.get("action", "")
    try:
        if action == "add":
            ids = [int(x) for x in request.POST.getlist("expert") if x.isdigit()]
            chosen = list(
                selectors.pool_candidates(request.user, round_, selectors.ExpertFilter()).filter(pk__in=ids)
            )
            if not chosen:
                messages.error(request, _("请先勾选要加入的专家。"))
                return
            raw = request.POST.get("max_load", "").strip()
            if raw and (not raw.isdigit() or int(raw) < 1):
                messages.error(request, _("最多评审数应为正整数。"))
                return
            n = services.add_judges(
                by=request.user, round=round_, experts=chosen, max_load=int(raw) if raw else None
            )
            messages.success(request, _("已加入 %(n)d 位专家。") % {"n": n})
        elif action == "update":
            judge = (
                round_.round_judges.select_related("round").filter(pk=request.POST.get("judge") or 0).first()
            )
            form = RoundJudgeForm(request.POST)
            if judge is None or not form.is_valid():
                messages.error(request, _("最多评审数应为正整数。"))
                return
            services.set_round_judge(by=request.user, round_judge=judge, max_load=form.cleaned_data["max_load"],
                                     available=form.cleaned_data["available"])  # fmt: skip
            messages.success(request, _("已更新“%(name)s”的设置。") % {"name": judge.expert.name})
        else:
            messages.error(request, _("未知的操作。"))
    except ContestError as exc:
        _error(request, exc)


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
                _error(request, exc)
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
    context = _context(round, "conflicts", rows=rows, form=form)
    return render(request, "review/organizer_conflicts.html", context)


# -- assignment -------------------------------------------------------------------------------------------


@review_view(READ_WRITE)
def assignment(request: HttpRequest, round: ReviewRound) -> HttpResponse:
    if request.method == "POST":
        try:
            services.request_assignment(by=request.user, round=round)
        except ContestError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("已提交自动分配，正在后台计算。"))
        return redirect("review:assignment", round.pk)
    run = selectors.latest_run(round)
    table = selectors.assignment_table(round)
    rows = []
    for re in table:
        cells = []
        for a in re.assignment_list:
            state = a.sheet.status if _has_sheet(a) else "pending"
            cells.append((a, SOURCE_LABELS[a.source], state, SHEET_LABELS[state]))
        rows.append((re, cells, len(cells) < round.judges_per_entry))
    context = _context(round, "assignment", run=run, run_payload=selectors.run_payload(run),
                       run_label=RUN_LABELS[run.status] if run else "", rows=rows,
                       short=sum(1 for r in rows if r[2]))  # fmt: skip
    return render(request, "review/organizer_assignment.html", context)


def _has_sheet(a) -> bool:
    try:
        a.sheet  # noqa: B018 - the reverse one-to-one was joined
    except ScoreSheet.DoesNotExist:
        return False
    return True


@review_view(SAFE)
def assignment_status(request: HttpRequest, round: ReviewRound) -> JsonResponse:
    """The latest assignment run as JSON, polled every 2 s by the assignment page."""
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
                    pk=request.POST.get("assignment") or 0).first()  # fmt: skip
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
            _error(request, exc)
    current = []
    for a in round_entry.assignments.select_related("expert", "sheet").order_by("expert__name", "expert_id"):
        sheet = a.sheet if _has_sheet(a) else None
        form = change_forms.get(a.pk) or AssignmentChangeForm(options=options, auto_id=f"id_{a.pk}_%s")
        current.append((a, SOURCE_LABELS[a.source], SHEET_LABELS[sheet.status if sheet else "pending"], form))
    context = _context(round, "assignment", round_entry=round_entry, current=current, pin_form=pin_form,
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
                    .filter(expert_id=request.POST.get("expert") or 0)
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
            _error(request, exc)
        return redirect("review:progress", round.pk)
    context = _context(round, "progress", progress=selectors.progress(round, timezone.now()))
    return render(request, "review/organizer_progress.html", context)


# -- rankings and snapshots ------------------------------------------------------------------------------------


@review_view(READ_WRITE)
def ranking(request: HttpRequest, round: ReviewRound) -> HttpResponse:
    if request.method == "POST":
        try:
            made = services.snapshot_ranking(by=request.user, round=round)
        except ContestError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("已保存 %(n)d 份排名快照。") % {"n": len(made)})
        return redirect("review:ranking", round.pk)
    view = selectors.ranking_view(round)
    context = _context(round, "ranking", view=view, snapshots=list(selectors.snapshots(round)),
                       rubric=round.rubric)  # fmt: skip
    return render(request, "review/organizer_ranking.html", context)


def snapshot_digest(snapshot: RankingSnapshot) -> str:
    """The SHA-256 recomputed from the stored rows, as ``snapshot_ranking`` computes it."""
    return hashlib.sha256(audit.canonical_json({"rows": snapshot.rows}).encode()).hexdigest()


@review_view(SAFE)
def snapshot_detail(request: HttpRequest, round: ReviewRound, snapshot: RankingSnapshot) -> HttpResponse:
    table = selectors.snapshot_view(round, snapshot)
    if snapshot.industry in Industry.values:
        table.industry = Industry(snapshot.industry).label
    context = _context(round, "ranking", snapshot=snapshot, table=table,
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
    context = _context(
        round, "advancement", groups=[(g, quota_forms[g.group_code], QUOTA_LABELS[g.quota.kind] if g.quota else "")
                                      for g in groups],
        published=selectors.published_decisions(round) if published else [],
        published_snapshots=list(round.rankings.filter(published_at__isnull=False).order_by("group_code", "pk"))
        if published else [],
        decision_labels={Decision.ADVANCE: _("晋级"), Decision.HOLD: _("不晋级")},
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
        _attach(form, exc)
        return False
    except ContestError as exc:
        form.add_error(None, exc.message)
        return False
    messages.success(request, _("晋级名额已保存。"))
    return True


def _advancement_post(request: HttpRequest, round_: ReviewRound, action: str) -> None:
    try:
        if action == "stage":
            shown = {int(x) for x in request.POST.getlist("shown") if x.isdigit()}
            advance = {int(x) for x in request.POST.getlist("advance") if x.isdigit()} & shown
            decisions = {pk: Decision.ADVANCE if pk in advance else Decision.HOLD for pk in sorted(shown)}
            n = services.stage_decisions(by=request.user, round=round_, decisions=decisions,
                                         note=request.POST.get("note", "").strip()[:300])  # fmt: skip
            messages.success(request, _("已暂存 %(n)d 个晋级决定（其中晋级 %(a)d 个），发布前仍可修改。")
                             % {"n": n, "a": len(advance)})  # fmt: skip
        elif action == "close":
            services.set_round_status(by=request.user, round=round_, to=RoundStatus.CLOSED)
            messages.success(request, _("评审已结束。"))
        elif action == "publish":
            result = services.publish_advancement(by=request.user, round=round_)
            total = sum(result.values())
            messages.success(request, _("晋级结果已发布：共 %(n)d 个项目晋级。") % {"n": total})
    except ContestError as exc:
        _error(request, exc)


# -- exports ----------------------------------------------------------------------------------------------------


@review_view(SAFE)
def export(request: HttpRequest, round: ReviewRound, kind: str) -> HttpResponse:
    if kind not in review_exporters.KINDS:
        raise Http404("no such export")
    now = timezone.now()
    data = review_exporters.round_workbook(round, kind, now=now)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=review_exporters.filename(round, kind, now)
    )
    response["Cache-Control"] = "private, no-store"
    return response


# -- the expert pool ----------------------------------------------------------------------------------------------


@review_view(SAFE)
def expert_list(request: HttpRequest) -> HttpResponse:
    form = ExpertFilterForm(request.GET, provinces=list(catalog_selectors.provinces()))
    flt = form.expert_filter()
    page = Paginator(selectors.expert_list(request.user, flt), PAGE_SIZE).get_page(request.GET.get("page"))
    provinces = dict(catalog_selectors.provinces().values_list("code", "short_name"))
    rows = [(e, EXPERT_KIND_LABELS.get(e.kind, e.kind), "、".join(e.expertise),
             "、".join(provinces.get(r, r) for r in e.regions)) for e in page.object_list]  # fmt: skip
    context = {"form": form, "page": page, "rows": rows, "is_filtered": flt.is_active, "section": "console",
               "tab": "experts"}  # fmt: skip
    return render(request, "review/organizer_expert_list.html", context)


def _expert_form_page(request, form, expert=None) -> HttpResponse:
    context = {"form": form, "expert": expert, "section": "console", "tab": "experts"}
    return render(request, "review/organizer_expert_form.html", context)


@review_view(READ_WRITE)
def expert_create(request: HttpRequest) -> HttpResponse:
    provinces = list(catalog_selectors.provinces())
    form = ExpertForm(request.POST or None, provinces=provinces)
    if request.method == "POST" and form.is_valid():
        try:
            expert = services.add_expert(by=request.user, data=form.service_data())
        except FieldErrors as exc:
            _attach(form, exc)
        except ContestError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已将“%(name)s”加入专家库。") % {"name": expert.name})
            return redirect("review:expert_list")
    return _expert_form_page(request, form)


@review_view(READ_WRITE)
def expert_edit(request: HttpRequest, expert: Expert) -> HttpResponse:
    provinces = list(catalog_selectors.provinces())
    if request.method == "POST":
        form = ExpertForm(request.POST, provinces=provinces)
        if form.is_valid():
            try:
                services.update_expert(by=request.user, expert=expert, data=form.service_data())
            except FieldErrors as exc:
                _attach(form, exc)
            except ContestError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("“%(name)s”的信息已保存。") % {"name": form.cleaned_data["name"]})
                return redirect("review:expert_list")
    else:
        form = ExpertForm(initial=ExpertForm.initial_for(expert), provinces=provinces)
    return _expert_form_page(request, form, expert)


@review_view(WRITE)
def expert_invite(request: HttpRequest, expert: Expert) -> HttpResponse:
    try:
        person = services.invite_expert(by=request.user, expert=expert, site_url=_site_url(request))
    except ContestError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("已为“%(name)s”开通评审账号（%(login)s），设置密码的链接已发送到 %(email)s。")
                         % {"name": expert.name, "login": person.get_username(), "email": expert.email})  # fmt: skip
    if request.POST.get("next") == "edit":
        return redirect("review:expert_edit", expert.pk)
    return redirect("review:expert_list")


@review_view(READ_WRITE)
def expert_import(request: HttpRequest) -> HttpResponse:
    columns = services.EXPERT_IMPORT_COLUMNS
    context = {"section": "console", "tab": "experts", "columns": columns}
    if request.method != "POST":
        context["form"] = UploadForm()
        return render(request, "review/organizer_expert_import.html", context)
    if request.POST.get("step") == "confirm":
        return _confirm_import(request, context)
    form = UploadForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, "review/organizer_expert_import.html", context)
    upload = form.cleaned_data["file"]
    data = upload.read()
    try:
        table = read_expert_table(data, filename=upload.name)
        report = services.import_experts(by=request.user, rows=table.rows, dry_run=True)
    except ContestError as exc:
        context["file_errors"] = getattr(exc, "errors", [exc.message])
        return render(request, "review/organizer_expert_import.html", context)
    token = None if report.errors else _keep_upload(request, upload.name, data)
    context.update({"report": report, "token": token, "filename": upload.name, "ignored": table.ignored_columns,
                    "sha256": hashlib.sha256(data).hexdigest()})  # fmt: skip
    return render(request, "review/organizer_expert_import.html", context)


def _keep_upload(request: HttpRequest, filename: str, data: bytes) -> str:
    """Keep the previewed file until it is confirmed; the session remembers it (one per user)."""
    pending = request.session.get(IMPORT_SESSION_KEY, {})
    for item in pending.values():
        default_storage.delete(item["path"])
    token = uuid.uuid4().hex
    path = default_storage.save(f"imports/experts/{token}.upload", ContentFile(data))
    request.session[IMPORT_SESSION_KEY] = {
        token: {"path": path, "name": filename, "sha256": hashlib.sha256(data).hexdigest()}
    }
    return token


def _confirm_import(request: HttpRequest, context: dict) -> HttpResponse:
    pending = request.session.get(IMPORT_SESSION_KEY, {})
    token = request.POST.get("token", "")
    item = pending.get(token)
    if item is None or not default_storage.exists(item["path"]):
        messages.error(request, _("预览已失效，请重新上传文件。"))
        return redirect("review:expert_import")
    with default_storage.open(item["path"], "rb") as fh:
        data = fh.read()
    if hashlib.sha256(data).hexdigest() != item["sha256"]:
        messages.error(request, _("预览已失效，请重新上传文件。"))
        return redirect("review:expert_import")
    try:
        table = read_expert_table(data, filename=item["name"])
        report = services.import_experts(by=request.user, rows=table.rows, source_name=item["name"],
                                         source_sha256=item["sha256"])  # fmt: skip
    except services.ExpertImportRefused as exc:
        context.update({"form": UploadForm(), "report": exc.report, "filename": item["name"],
                        "sha256": item["sha256"]})  # fmt: skip
        return render(request, "review/organizer_expert_import.html", context)
    except ContestError as exc:
        _error(request, exc)
        return redirect("review:expert_import")
    default_storage.delete(item["path"])
    request.session[IMPORT_SESSION_KEY] = {}
    messages.success(
        request,
        _("导入完成：新增 %(created)d 位，更新 %(updated)d 位，无变化 %(unchanged)d 位。")
        % {"created": len(report.with_action("created")), "updated": len(report.with_action("updated")),
           "unchanged": len(report.with_action("unchanged"))},
    )  # fmt: skip
    return redirect("review:expert_list")


@review_view(SAFE)
def expert_import_template(request: HttpRequest) -> HttpResponse:
    """An empty workbook with the import headers and one example row."""
    headers = [c.header for c in services.EXPERT_IMPORT_COLUMNS]
    data = exporters.write_xlsx(headers, [TEMPLATE_EXAMPLE], title="专家名单")
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename="专家导入模板.xlsx"
    )
    return response
