"""Organizer pages of a round: list, create, edit, detail, status, its entries and judges."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from contest.catalog import selectors as catalog_selectors
from contest.catalog.models import Edition, Event
from contest.core.errors import ContestError, FieldErrors
from contest.core.inputs import local, parse_id, parse_ids
from contest.core.views import show_refusal
from contest.registration.selectors import event_for_user, events_for_user
from contest.review import organizer_selectors as selectors
from contest.review import organizer_tables as tables
from contest.review import services
from contest.review.enums import RoundStatus
from contest.review.forms import (
    AGGREGATION_LABELS,
    CARRY_LABELS,
    EXPERT_KIND_LABELS,
    STAGE_LABELS,
    ExpertFilterForm,
    RoundForm,
    RoundJudgeForm,
    RubricFormSet,
    rubric_rows,
)
from contest.review.models import ReviewRound
from contest.review.models.rounds import default_rubric
from contest.review.views.organizer.common import (
    EXPORT_LABELS,
    PAGE_SIZE,
    READ_WRITE,
    RUN_LABELS,
    SAFE,
    STATUS_ACTIONS,
    STATUS_LABELS,
    WRITE,
    attach_errors,
    review_view,
    round_context,
)

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
    if kind == "event" and parse_id(pk) is not None:
        event = event_for_user(user, int(pk))
        if event is not None:
            return event.edition, event
    if kind == "edition" and parse_id(pk) is not None:
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
    read_only = round_ is not None and round_.status == RoundStatus.PUBLISHED
    if read_only:  # a published round's settings are shown, never offered for editing
        for f in (form, *formset.forms):
            for field in f.fields.values():
                field.disabled = True
    context = {"read_only": read_only, "form": form, "formset": formset, "rubric_errors": rubric_errors, "round": round_,
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
                attach_errors(form, exc, prefix_errors=rubric_errors)
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
                attach_errors(form, exc, prefix_errors=rubric_errors)
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
    context = round_context(
        round, "overview", counts=counted, run=run, run_label=RUN_LABELS[run.status] if run else "",
        settings_rows=settings_rows, status_actions=STATUS_ACTIONS[round.status], exports=EXPORT_LABELS.items(),
        open_blockers=selectors.open_blockers(round) if round.status == RoundStatus.DRAFT else [],
    )  # fmt: skip
    return render(request, "review/organizer_round_detail.html", context)


def _window(round_: ReviewRound) -> str:
    if not (round_.opens_at or round_.closes_at):
        return _("未设置")
    fmt = "%Y-%m-%d %H:%M"
    start = local(round_.opens_at).strftime(fmt) if round_.opens_at else "…"
    end = local(round_.closes_at).strftime(fmt) if round_.closes_at else "…"
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
        show_refusal(request, exc)
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
                ids = parse_ids(request.POST.getlist("entry"))
                chosen = list(selectors.candidate_entries(request.user, round).filter(pk__in=ids))
                if not chosen:
                    messages.error(request, _("请先勾选要加入的项目。"))
                    return redirect("review:round_entries", round.pk)
                n = services.add_entries(by=request.user, round=round, entries=chosen)
            else:
                messages.error(request, _("未知的操作。"))
                return redirect("review:round_entries", round.pk)
        except ContestError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("已加入 %(n)d 个项目。") % {"n": n})
        return redirect("review:round_entries", round.pk)
    groups = selectors.groups_of_edition(round.edition_id)
    flt = tables.parse_filter(request.GET, groups)
    page = tables.round_entry_page(round, flt, request.GET.get("page"))
    candidates = list(selectors.candidate_entries(request.user, round)[:500])
    if round.event_id is None:
        add_all_label = _("加入各赛事推荐（已发布晋级）的项目")
    elif round.previous_id:
        add_all_label = _("加入上一轮晋级的项目")
    else:
        add_all_label = _("加入全部资格审查通过的项目")
    context = round_context(
        round,
        "entries",
        page=page,
        entries=page.object_list,
        round_total=round.round_entries.count() if flt.is_active else page.paginator.count,
        candidates=candidates,
        add_all_label=add_all_label,
        **tables.filter_context(flt, groups),
    )
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
    context = round_context(round, "judges", judges=selectors.judge_loads(round), filter_form=filter_form,
                       is_filtered=flt.is_active, page=page, kind_labels=EXPERT_KIND_LABELS)  # fmt: skip
    return render(request, "review/organizer_judges.html", context)


def _judges_post(request: HttpRequest, round_: ReviewRound) -> None:
    action = request.POST.get("action", "")
    try:
        if action == "add":
            ids = parse_ids(request.POST.getlist("expert"))
            chosen = list(
                selectors.pool_candidates(request.user, round_, selectors.ExpertFilter()).filter(pk__in=ids)
            )
            if not chosen:
                messages.error(request, _("请先勾选要加入的专家。"))
                return
            raw = request.POST.get("max_load", "").strip()
            if raw and (parse_id(raw) or 0) < 1:
                messages.error(request, _("最多评审数应为正整数。"))
                return
            n = services.add_judges(
                by=request.user, round=round_, experts=chosen, max_load=int(raw) if raw else None
            )
            messages.success(request, _("已加入 %(n)d 位专家。") % {"n": n})
        elif action == "update":
            judge = (
                round_.round_judges.select_related("round")
                .filter(pk=parse_id(request.POST.get("judge")) or 0)
                .first()
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
        show_refusal(request, exc)
