"""The organizer's finals console (/console/finals/): sessions, their entries and panel, the
draw, start and finish, links to the screens, and the session report.

Every page finds its session through the tenancy selector (``finals.selectors.session_for_user``)
and checks ``finals.manage_session``; anything outside the user's scope answers 404 to every
method. Views parse input, call a service, and show its refusal as a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from contest.catalog.models import EditionGroup
from contest.core.errors import ContestError, FieldErrors
from contest.core.inputs import parse_id
from contest.core.views import READ_WRITE, SAFE, WRITE, ConsoleView, Lookup, actor, show_refusal
from contest.finals import draw as drawing
from contest.finals import selectors, services
from contest.finals.draw_text import ALGORITHM_STEPS
from contest.finals.enums import SessionStatus
from contest.finals.forms import AddSlotForm, DrawForm, JudgeForm, SessionForm
from contest.finals.models import DrawRecord, RoadshowSession
from contest.finals.report import session_report_pdf
from contest.registration.models import Entry
from contest.registration.selectors import event_for_user, events_for_user
from contest.review import organizer_selectors as review_selectors
from contest.review.models import Expert

CANDIDATE_LIMIT = 200

#: ``session_id`` → ``session``: in the user's scope and managed by them, else 404
SESSION = Lookup(
    "session",
    lambda request, pk, found: selectors.session_for_user(request.user, pk),
    perm="finals.manage_session",
)
#: sign-in, then the console gate and the session's scope (404), then the method (405)
console_view = ConsoleView(gate=selectors.can_use_finals_console, lookups=(SESSION,))


def _draw_of(session: RoadshowSession) -> DrawRecord | None:
    try:
        return session.draw
    except DrawRecord.DoesNotExist:
        return None


def _context(session: RoadshowSession, tab: str, **extra) -> dict:
    return {"session": session, "tab": tab, "section": "console", "is_draft": session.status == SessionStatus.DRAFT,
            **extra}  # fmt: skip


# -- sessions ---------------------------------------------------------------------------------------


@console_view(SAFE)
def session_list(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.session_list(request.user))
    context = {"rows": rows, "can_create": events_for_user(request.user).exists(), "section": "console"}
    return render(request, "finals/console_session_list.html", context)


def _form_options(user, event=None):
    events = list(events_for_user(user).select_related("edition").order_by("-edition__number", "tier", "seq"))
    edition_ids = {event.edition_id} if event else {e.edition_id for e in events}
    groups = list(
        EditionGroup.objects.filter(edition_id__in=edition_ids).order_by("edition_id", "order", "pk")
    )
    rounds = (
        review_selectors.rounds_for_user(user).select_related("event").order_by("edition_id", "created_at")
    )
    rounds = list(rounds.filter(event=event) if event else rounds.filter(event__in=events))
    return events, groups, rounds


def _attach(form, exc: ContestError) -> None:
    fields = exc.fields if isinstance(exc, FieldErrors) else {exc.field: exc.message}
    for key, message in fields.items():
        form.add_error(key if key in form.fields else None, message)


@console_view(READ_WRITE)
def session_create(request: HttpRequest) -> HttpResponse:
    events, groups, rounds = _form_options(request.user)
    if not events:
        raise Http404("no event to run a final for")
    if request.method == "POST":
        form = SessionForm(request.POST, events=events, groups=groups, rounds=rounds)
        if form.is_valid():
            event = event_for_user(request.user, int(form.cleaned_data["event"]))
            if event is None:
                raise Http404("no such event")
            try:
                session = services.create_session(
                    by=actor(request), event=event, **form.service_data(groups=groups, rounds=rounds)
                )
            except ContestError as exc:
                _attach(form, exc)
            else:
                messages.success(request, _("场次“%(name)s”已创建。") % {"name": session.name})
                return redirect("finals_console:session_detail", session.pk)
    else:
        form = SessionForm(
            initial={"event": str(events[0].pk), "preset": "8+7", "aggregation": "trimmed", "places": 2,
                     "score_min": 0, "score_max": 100},
            events=events, groups=groups, rounds=rounds,
        )  # fmt: skip
    return render(request, "finals/console_session_form.html", {"form": form, "section": "console"})


@console_view(READ_WRITE)
def session_edit(request: HttpRequest, session: RoadshowSession) -> HttpResponse:
    events, groups, rounds = _form_options(request.user, session.event)
    events = [session.event]
    initial = SessionForm.initial_for(session)
    if request.method == "POST":
        form = SessionForm(
            request.POST, events=events, groups=groups, rounds=rounds, editing=True, initial=initial
        )
        if form.is_valid():
            try:
                services.update_session(session=session, by=actor(request),
                                        **form.service_data(groups=groups, rounds=rounds))  # fmt: skip
            except ContestError as exc:
                _attach(form, exc)
            else:
                messages.success(request, _("设置已保存。"))
                return redirect("finals_console:session_detail", session.pk)
    else:
        form = SessionForm(initial=initial, events=events, groups=groups, rounds=rounds, editing=True)
    return render(request, "finals/console_session_form.html", _context(session, "settings", form=form))


@console_view(SAFE)
def session_detail(request: HttpRequest, session: RoadshowSession) -> HttpResponse:
    slots = selectors.slots_with_scores(session)
    panel = selectors.judges(session)
    context = _context(session, "overview", slots=slots, panel=panel, draw=_draw_of(session),
                       ranking=selectors.rank_slots(slots, places=session.places))  # fmt: skip
    return render(request, "finals/console_session_detail.html", context)


@console_view(WRITE)
def session_status(request: HttpRequest, session: RoadshowSession) -> HttpResponse:
    action = request.POST.get("action", "")
    try:
        if action == "start":
            services.start_session(session=session, by=actor(request))
            messages.success(request, _("场次已开始。"))
        elif action == "finish":
            services.finish_session(session=session, by=actor(request))
            messages.success(request, _("场次已结束。"))
        else:
            messages.error(request, _("未知的操作。"))
    except ContestError as exc:
        show_refusal(request, exc)
    return redirect("finals_console:session_detail", session.pk)


# -- entries ------------------------------------------------------------------------------------------


@console_view(READ_WRITE)
def session_slots(request: HttpRequest, session: RoadshowSession) -> HttpResponse:
    form = AddSlotForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add_from_round":
                n = services.add_slots_from_round(session=session, by=actor(request))
                messages.success(request, _("已加入 %(n)d 个项目。") % {"n": n})
            elif action == "add_number":
                form = AddSlotForm(request.POST)
                if form.is_valid():
                    number = form.cleaned_data["number"].strip()
                    entry = Entry.objects.filter(number=number, event_id=session.event_id).first()
                    if entry is None:
                        form.add_error("number", _("本赛事没有报名编号为 %(n)s 的项目。") % {"n": number})
                    else:
                        services.add_slot(session=session, entry=entry, by=actor(request))
                        messages.success(request, _("已加入项目 %(n)s。") % {"n": number})
                        return redirect("finals_console:session_slots", session.pk)
            elif action == "remove":
                slot = session.slots.filter(pk=parse_id(request.POST.get("slot")) or 0).first()
                if slot is None:
                    raise Http404("no such slot")
                services.remove_slot(slot=slot, by=actor(request))
                messages.success(request, _("已移除。"))
            else:
                messages.error(request, _("未知的操作。"))
        except ContestError as exc:
            if action == "add_number":
                _attach(form, exc)
            else:
                show_refusal(request, exc)
        if action != "add_number" or not form.errors:
            return redirect("finals_console:session_slots", session.pk)
    slots = list(selectors.slots(session))
    return render(request, "finals/console_slots.html", _context(session, "slots", slots=slots, form=form))


# -- the panel ----------------------------------------------------------------------------------------


def _candidates(request: HttpRequest, session: RoadshowSession) -> list[Expert]:
    query = request.GET.get("q", "").strip()
    experts = review_selectors.experts_for_user(request.user).filter(is_active=True).exclude(
        session_seats__session=session
    )  # fmt: skip
    if query:
        experts = experts.filter(
            Q(name__icontains=query) | Q(organization_name__icontains=query) | Q(phone=query)
        )
    elif session.source_round_id:
        experts = experts.filter(round_judges__round_id=session.source_round_id)
    else:
        experts = experts.filter(user__isnull=False)
    return list(experts.distinct().order_by("name", "pk")[:CANDIDATE_LIMIT])


@console_view(READ_WRITE)
def session_judges(request: HttpRequest, session: RoadshowSession) -> HttpResponse:
    candidates = _candidates(request, session)
    panel = selectors.judges(session)
    taken = {j.seat for j in panel}
    next_seat = next(s for s in range(1, 100) if s not in taken) if len(taken) < 99 else 1
    form = JudgeForm(initial={"seat": next_seat}, experts=candidates)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add":
                form = JudgeForm(request.POST, experts=candidates)
                if form.is_valid():
                    expert = review_selectors.expert_for_user(request.user, int(form.cleaned_data["expert"]))
                    if expert is None:
                        raise Http404("no such expert")
                    services.add_judge(session=session, expert=expert, seat=form.cleaned_data["seat"],
                                       by=actor(request))  # fmt: skip
                    messages.success(request, _("已加入评委 %(name)s。") % {"name": expert.name})
                    return redirect("finals_console:session_judges", session.pk)
            elif action == "remove":
                judge = session.judges.filter(pk=parse_id(request.POST.get("judge")) or 0).first()
                if judge is None:
                    raise Http404("no such judge")
                services.remove_judge(judge=judge, by=actor(request))
                messages.success(request, _("已移除。"))
                return redirect("finals_console:session_judges", session.pk)
            else:
                messages.error(request, _("未知的操作。"))
                return redirect("finals_console:session_judges", session.pk)
        except ContestError as exc:
            _attach(form, exc)
    conflicts = selectors.conflict_pairs(session)
    entries = {s.entry_id: s.entry for s in selectors.slots(session)}
    rows = [
        (j, sorted((entries[e].number for x, e in conflicts if x == j.expert_id), key=str)) for j in panel
    ]
    context = _context(session, "judges", rows=rows, form=form, query=request.GET.get("q", ""),
                       candidates=candidates, limits=(services.sessions.MIN_JUDGES, services.sessions.MAX_JUDGES))  # fmt: skip
    return render(request, "finals/console_judges.html", context)


# -- the draw -----------------------------------------------------------------------------------------


@console_view(READ_WRITE)
def session_draw(request: HttpRequest, session: RoadshowSession) -> HttpResponse:
    form = DrawForm()
    if request.method == "POST":
        form = DrawForm(request.POST)
        if form.is_valid():
            try:
                services.draw_speaking_order(session=session, by=actor(request), **form.cleaned_data)
            except ContestError as exc:
                _attach(form, exc)
            else:
                messages.success(request, _("抽签完成，出场顺序已确定。"))
                return redirect("finals_console:session_draw", session.pk)
    record = _draw_of(session)
    slots = list(selectors.slots(session))
    numbers = sorted((s.entry.number for s in slots), key=str)
    by_number = {s.entry.number: s for s in slots}
    order = [(i, by_number.get(n), n) for i, n in enumerate(record.order, start=1)] if record else []
    context = _context(session, "draw", form=form, record=record, numbers=numbers, order=order,
                       algorithm=drawing.ALGORITHM, algorithm_steps=ALGORITHM_STEPS,
                       judge_count=len(selectors.judges(session)))  # fmt: skip
    return render(request, "finals/console_draw.html", context)


# -- the report ---------------------------------------------------------------------------------------


@console_view(SAFE)
def session_report(request: HttpRequest, session: RoadshowSession) -> HttpResponse:
    pdf = session_report_pdf(session)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"路演场次报告-{session.pk}.pdf")
    return response
