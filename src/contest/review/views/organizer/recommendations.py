"""Recommendations into the national review (/console/review/recommendations/): the checklist of
every feeding event (the secretariat sees them all, an organizer the events they run), its
export and reminders; an event's page (places, recommendations with local results, recommending
from the published advancement, withdrawing with a reason); places and the deadline (the
secretariat).

The event is named by ``?event=<id>`` and looked up in the user's scope: outside it, 404 — to
every method. Views parse input, call a service, and show its refusal as a message."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contest.accounts.security import audit_export
from contest.catalog.enums import Tier
from contest.catalog.models import Edition, EditionGroup, Event, EventZone
from contest.core.errors import ContestError, FieldErrors
from contest.core.exporters import download, requested_format
from contest.core.forms import HardenedForm
from contest.core.inputs import parse_id
from contest.core.views import show_refusal
from contest.registration.enums import Industry
from contest.review import recommendation_selectors as selectors
from contest.review import services
from contest.review.enums import RecommendationSource, RecommendationStatus
from contest.review.forms import DATETIME_FORMATS
from contest.review.recommendation_exporters import CHECKLIST
from contest.review.services.recommendations import QUOTA_MAX
from contest.review.views.organizer.common import READ_WRITE, SAFE, WRITE, review_view

__all__ = [
    "recommendation_checklist", "recommendation_event", "recommendation_export", "recommendation_quotas",
    "recommendation_remind",
]  # fmt: skip

STATE_LABELS = {
    "complete": gettext_lazy("已完成"),
    "partial": gettext_lazy("未完成"),
    "missing": gettext_lazy("未推荐"),
    "none": gettext_lazy("未设名额"),
}
FILTER_STATES = {
    **STATE_LABELS,
    "late": gettext_lazy("逾期"),
    "materials": gettext_lazy("缺商业计划书"),
}
SORT_LABELS = {
    "plan": gettext_lazy("按赛事顺序"),
    "short": gettext_lazy("尚缺名额多的在前"),
    "recommended": gettext_lazy("已推荐多的在前"),
    "late": gettext_lazy("逾期多的在前"),
    "materials": gettext_lazy("缺材料多的在前"),
}
SOURCE_LABELS = {
    RecommendationSource.PLATFORM: gettext_lazy("平台评审结果"),
    RecommendationSource.PACKAGE: gettext_lazy("赛事数据包"),
    RecommendationSource.PORTAL: gettext_lazy("赛事系统接口"),
}
STATUS_LABELS = {
    RecommendationStatus.RECOMMENDED: gettext_lazy("已推荐"),
    RecommendationStatus.WITHDRAWN: gettext_lazy("已撤回"),
}
TIER_LABELS = {
    Tier.REGIONAL: gettext_lazy("区域赛"),
    Tier.THEMATIC: gettext_lazy("专题赛"),
    Tier.OVERSEAS_FINAL: gettext_lazy("境外区域赛决赛"),
}


# -- scope -------------------------------------------------------------------------------------------


def _edition(request: HttpRequest) -> tuple[Edition | None, list[Edition]]:
    """The edition asked for (``?edition=<number>``) among the user's, else the newest of them."""
    editions = selectors.editions_for_user(request.user)
    number = parse_id(request.GET.get("edition") or request.POST.get("edition"))
    chosen = next((e for e in editions if e.number == number), None) if number else None
    return chosen or (editions[0] if editions else None), editions


def _event(request: HttpRequest, edition: Edition | None) -> Event | None:
    """The event named by ``event`` (query or form) in the user's scope; 404 when named but not there."""
    raw = request.GET.get("event") or request.POST.get("event")
    if not raw:
        return None
    event = selectors.recommendation_event_for_user(request.user, edition, parse_id(raw))
    if event is None:
        raise Http404("no such event in your scope")
    return event


def _is_secretariat(request: HttpRequest, edition: Edition | None) -> bool:
    return edition is not None and request.user.has_perm("review.manage_recommendation_quotas", edition)


def _event_url(event: Event) -> str:
    return f"{reverse('review:recommendation_event')}?{urlencode({'edition': event.edition.number, 'event': event.pk})}"


# -- the checklist -----------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> dict[str, str]:
    get = request.GET
    return {
        "tier": get.get("tier", "") if get.get("tier", "") in TIER_LABELS else "",
        "group": (get.get("group", "") or "")[:30],
        "state": get.get("state", "") if get.get("state", "") in FILTER_STATES else "",
        "sort": get.get("sort", "") if get.get("sort", "") in SORT_LABELS else "plan",
        "query": (get.get("q", "") or "").strip()[:100],
    }


def _checklist(request: HttpRequest, edition: Edition):
    flt = _filters(request)
    sheet = selectors.checklist(
        edition, selectors.recommendation_events_for_user(request.user, edition), **flt
    )
    return sheet, flt


@review_view(SAFE)
def recommendation_checklist(request: HttpRequest) -> HttpResponse:
    edition, editions = _edition(request)
    context = {"section": "console", "editions": editions, "edition": edition, "tab": "recommendations",
               "tier_choices": TIER_LABELS.items(), "state_choices": FILTER_STATES.items(),
               "sort_choices": SORT_LABELS.items(), "state_labels": STATE_LABELS}  # fmt: skip
    if edition is not None:
        sheet, flt = _checklist(request, edition)
        query = request.GET.copy()
        query.pop("format", None)
        context.update(sheet=sheet, filter=flt, group_choices=sheet.groups, is_secretariat=_is_secretariat(request, edition),
                       is_filtered=any(flt[k] for k in ("tier", "group", "state", "query")) or flt["sort"] != "plan",
                       export_query=query.urlencode())  # fmt: skip
    return render(request, "review/recommendation_checklist.html", context)


@review_view(SAFE)
def recommendation_export(request: HttpRequest) -> HttpResponse:
    edition, _editions = _edition(request)
    if edition is None:
        raise Http404("no edition in your scope")
    sheet, flt = _checklist(request, edition)
    fmt = requested_format(request)
    response = download(CHECKLIST, fmt, filename=f"recommendations-{edition.number}", sheet=sheet)
    audit_export(request, what=CHECKLIST.name, scope=f"edition:{edition.pk}", detail={"format": fmt, **flt})
    return response


@review_view(WRITE)
def recommendation_remind(request: HttpRequest) -> HttpResponse:
    edition, _editions = _edition(request)
    if not _is_secretariat(request, edition):
        raise Http404("the secretariat's action")
    try:
        sent = services.send_recommendation_reminders(by=request.user, edition=edition)
    except ContestError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("已向 %(n)d 个赛事的组织方发送提醒。") % {"n": sent})
    return redirect(f"{reverse('review:recommendation_checklist')}?edition={edition.number}")


# -- an event's page ---------------------------------------------------------------------------------


@review_view(READ_WRITE)
def recommendation_event(request: HttpRequest) -> HttpResponse:
    edition, editions = _edition(request)
    event = _event(request, edition)
    if event is None:
        if request.method == "POST":
            raise Http404("no event named")
        events = list(selectors.recommendation_events_for_user(request.user, edition)) if edition else []
        return render(request, "review/recommendation_events.html",
                      {"section": "console", "edition": edition, "editions": editions, "events": events,
                       "tab": "recommendations", "tier_labels": TIER_LABELS})  # fmt: skip
    withdraw_errors: dict[int, str] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "from_advancement":
            try:
                rows = services.recommend_from_advancement(by=request.user, event=event)
            except ContestError as exc:
                show_refusal(request, exc)
            else:
                messages.success(request, _("已按发布的晋级结果推荐 %(n)d 个项目。") % {"n": len(rows)})
            return redirect(_event_url(event))
        if action == "withdraw":
            row = selectors.recommendation_in_event(event, parse_id(request.POST.get("recommendation")))
            if row is None:
                raise Http404("no such recommendation of the event")
            try:
                services.withdraw_recommendation(by=request.user, recommendation=row,
                                                 reason=request.POST.get("reason", ""))  # fmt: skip
            except ContestError as exc:
                withdraw_errors[row.pk] = exc.message
                show_refusal(request, exc)
            else:
                messages.success(request, _("已撤回推荐：%(title)s") % {"title": row.entry.title})
                return redirect(_event_url(event))
        else:
            messages.error(request, _("未知的操作。"))
    groups = dict(EditionGroup.objects.filter(edition_id=event.edition_id).values_list("code", "name"))
    industries = dict(Industry.choices)
    quota_rows = [(use, groups.get(use.quota.group_code, use.quota.group_code), industries.get(use.quota.industry, ""))
                  for use in selectors.event_quotas(event)]  # fmt: skip
    rows = [(r, groups.get(r.group_code, r.group_code), SOURCE_LABELS.get(r.source, r.source),
             STATUS_LABELS.get(r.status, r.status), withdraw_errors.get(r.pk, ""))
            for r in selectors.event_recommendations(event)]  # fmt: skip
    context = {
        "section": "console", "edition": edition, "event": event, "tab": "recommendations", "quota_rows": quota_rows,
        "rows": rows, "last_round": selectors.last_published_round(event),
        "deadline": selectors.deadline_of(event.edition_id),
    }  # fmt: skip
    return render(
        request, "review/recommendation_event.html", context, status=400 if withdraw_errors else 200
    )


# -- places and the deadline (the secretariat) ------------------------------------------------------


class QuotaForm(HardenedForm, forms.Form):
    event = forms.TypedChoiceField(label=gettext_lazy("赛事"), coerce=int)
    group = forms.ChoiceField(label=gettext_lazy("组别"))
    industry = forms.ChoiceField(label=gettext_lazy("行业（可选，限某一行业的名额）"), required=False)
    zone = forms.TypedChoiceField(
        label=gettext_lazy("赛区站点（可选）"), coerce=int, required=False, empty_value=None
    )
    count = forms.IntegerField(label=gettext_lazy("推荐名额"), min_value=0, max_value=QUOTA_MAX)

    def __init__(
        self, *args, events: list[Event], groups: list[tuple[str, str]], zones: list[EventZone], **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["event"].choices = [(e.pk, e.name) for e in events]
        self.fields["group"].choices = groups
        self.fields["industry"].choices = [("", _("不限行业")), *Industry.choices]
        self.fields["zone"].choices = [
            ("", _("不限站点")),
            *((z.pk, f"{z.event.name} · {z.name}") for z in zones),
        ]


class DeadlineForm(HardenedForm, forms.Form):
    due_at = forms.DateTimeField(
        label=gettext_lazy("推荐截止时间（北京时间）"), input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )  # fmt: skip


@review_view(READ_WRITE)
def recommendation_quotas(request: HttpRequest) -> HttpResponse:
    edition, editions = _edition(request)
    if edition is None:
        raise Http404("no edition in your scope")
    secretariat = _is_secretariat(request, edition)
    events = list(selectors.recommendation_events_for_user(request.user, edition))
    groups = list(EditionGroup.objects.filter(edition=edition).values_list("code", "name"))
    zones = list(EventZone.objects.filter(event__in=[e.pk for e in events]).select_related("event"))
    chosen = _event(request, edition)
    initial = {"event": chosen.pk} if chosen else {}
    quota_form = QuotaForm(events=events, groups=groups, zones=zones, initial=initial)
    due = selectors.deadline_of(edition.pk)
    deadline_form = DeadlineForm(initial={"due_at": due} if due else None)
    if request.method == "POST":
        if not secretariat:
            raise Http404("the secretariat's page")
        action = request.POST.get("action", "")
        if action == "quota":
            quota_form = QuotaForm(request.POST, events=events, groups=groups, zones=zones)
            if quota_form.is_valid():
                data = quota_form.cleaned_data
                event = next(e for e in events if e.pk == data["event"])
                zone = next((z for z in zones if z.pk == data["zone"]), None)
                try:
                    services.set_recommendation_quota(by=request.user, event=event, group_code=data["group"],
                                                      count=data["count"], industry=data["industry"] or "",
                                                      zone=zone)  # fmt: skip
                except FieldErrors as exc:
                    for key, message in exc.fields.items():
                        quota_form.add_error(key if key in quota_form.fields else None, message)
                except ContestError as exc:
                    quota_form.add_error(None, exc.message)
                else:
                    messages.success(request, _("推荐名额已保存：%(event)s") % {"event": event.name})
                    return redirect(f"{reverse('review:recommendation_quotas')}?edition={edition.number}"
                                    f"&event={event.pk}")  # fmt: skip
        elif action == "deadline":
            deadline_form = DeadlineForm(request.POST)
            if deadline_form.is_valid():
                due_at: datetime = deadline_form.cleaned_data["due_at"]
                try:
                    services.set_recommendation_deadline(by=request.user, edition=edition, due_at=due_at)
                except ContestError as exc:
                    deadline_form.add_error("due_at", exc.message)
                else:
                    messages.success(request, _("推荐截止时间已保存。"))
                    return redirect(f"{reverse('review:recommendation_quotas')}?edition={edition.number}")
        else:
            messages.error(request, _("未知的操作。"))
    names, industries = dict(groups), dict(Industry.choices)
    quota_rows = [(q, names.get(q.group_code, q.group_code), industries.get(q.industry, ""))
                  for q in selectors.quotas_of_events([e.pk for e in events], event_id=chosen.pk if chosen else None)]  # fmt: skip
    context = {"section": "console", "edition": edition, "editions": editions, "tab": "recommendations",
               "is_secretariat": secretariat, "quota_form": quota_form, "deadline_form": deadline_form,
               "quota_rows": quota_rows, "deadline": due, "event": chosen}  # fmt: skip
    invalid = request.method == "POST" and (quota_form.errors or deadline_form.errors)
    return render(request, "review/recommendation_quotas.html", context, status=400 if invalid else 200)
