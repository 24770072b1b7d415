"""The stage pages under /live/: the judge's phone page and the chair's console.

* ``judge``: the open entry, a big score input (submit asks to confirm; the score locks), 回避
  when the judge is in conflict with the entry, and the judge's own submitted scores. Only a
  judge seated in the session reaches it (404 otherwise).
* ``chair``: the entry on stage, who has submitted, open next / close with a reason / absent,
  the stage timer per segment, corrections, finish. The session's chair and its managers only.
Both follow the session's board over server-sent events (``finals/live.js``) and reload when
what they show has changed; a plain reload works too.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from contest.core.errors import ContestError
from contest.core.inputs import parse_id
from contest.core.views import actor, show_refusal
from contest.finals import selectors, services
from contest.finals.enums import SessionStatus, SlotStatus
from contest.finals.models import LiveScore, RoadshowSession, SessionSlot

# -- the judge ----------------------------------------------------------------------------------------


@require_safe
@login_required
def judge_home(request: HttpRequest) -> HttpResponse:
    sessions = list(selectors.sessions_for_judge(request.user).order_by("-starts_at", "-pk"))
    return render(request, "finals/judge_home.html", {"sessions": sessions})


def _judge_context(request: HttpRequest, seat, *, entered: str = "") -> dict:
    session = seat.session
    slot = session.current_slot
    mine = {s.slot_id: s for s in LiveScore.objects.filter(judge=seat).select_related("slot__entry")}
    recused = slot is not None and seat.expert_id in selectors.conflicted_expert_ids(session, slot.entry_id)
    own = sorted(mine.values(), key=lambda s: (s.slot.position or 0, s.pk))
    return {
        "session": session,
        "seat": seat,
        "slot": slot,
        "my_score": mine.get(slot.pk) if slot else None,
        "recused": recused,
        "can_score": slot is not None
        and slot.status == SlotStatus.OPEN
        and not recused
        and slot.pk not in mine,
        "own": own,
        "entered": entered,
    }


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def judge(request: HttpRequest, session_id: int) -> HttpResponse:
    seat = selectors.judge_seat(request.user, session_id)
    if seat is None:
        raise Http404("not on this panel")
    entered = ""
    if request.method == "POST":
        entered = request.POST.get("score", "")[:20]
        slot = SessionSlot.objects.filter(
            pk=parse_id(request.POST.get("slot")) or 0, session_id=session_id
        ).first()
        if slot is None:
            raise Http404("no such slot")
        try:
            services.submit_live_score(slot=slot, by=actor(request), score=entered)
        except ContestError as exc:
            show_refusal(request, exc)
            seat = selectors.judge_seat(request.user, session_id)
            return render(
                request, "finals/judge.html", _judge_context(request, seat, entered=entered), status=400
            )
        messages.success(request, _("已提交。"))
        return redirect("finals:judge", session_id)
    return render(request, "finals/judge.html", _judge_context(request, seat))


# -- the chair ----------------------------------------------------------------------------------------


def _chair_session(request: HttpRequest, session_id: int) -> RoadshowSession:
    session = selectors.stage_session_for_user(request.user, session_id)
    if session is None:
        raise Http404("not the chair of this session")
    return session


def _chair_post(request: HttpRequest, session: RoadshowSession) -> None:
    action = request.POST.get("action", "")
    by = actor(request)
    slot = None
    if request.POST.get("slot"):
        slot = session.slots.filter(pk=parse_id(request.POST["slot"]) or 0).first()
        if slot is None:
            raise Http404("no such slot")
    reason = request.POST.get("reason", "")
    if action == "open_next":
        slot = session.slots.filter(status=SlotStatus.WAITING).order_by("position").first()
        if slot is None:
            messages.error(request, _("没有待上场的项目。"))
            return
        services.open_slot(slot=slot, by=by)
        messages.success(request, _("第 %(n)s 位项目开始评分。") % {"n": slot.position})
    elif action == "open" and slot is not None:
        services.open_slot(slot=slot, by=by)
        messages.success(request, _("第 %(n)s 位项目开始评分。") % {"n": slot.position})
    elif action == "close" and slot is not None:
        services.close_slot(slot=slot, by=by, reason=reason)
        messages.success(request, _("已亮分。"))
    elif action == "absent" and slot is not None:
        services.mark_slot_absent(slot=slot, by=by, reason=reason)
        messages.success(request, _("已标记缺席。"))
    elif action == "timer_start":
        services.start_timer(session=session, segment=request.POST.get("segment", ""), by=by)
    elif action == "timer_pause":
        services.pause_timer(session=session, by=by)
    elif action == "timer_reset":
        services.reset_timer(session=session, by=by)
    elif action == "correct":
        raw = request.POST.get("score", "")
        score = LiveScore.objects.filter(pk=parse_id(raw) or 0, slot__session=session).first()
        if score is None:
            messages.error(request, _("请选择要更正的评分。"))
            return
        services.correct_live_score(
            score=score, new_score=request.POST.get("new_score", ""), reason=reason, by=by
        )
        messages.success(request, _("评分已更正。"))
    elif action == "finish":
        services.finish_session(session=session, by=by)
        messages.success(request, _("场次已结束。"))
    else:
        messages.error(request, _("未知的操作。"))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def chair(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _chair_session(request, session_id)
    if request.method == "POST":
        try:
            _chair_post(request, session)
        except ContestError as exc:
            show_refusal(request, exc)
        return redirect("finals:chair", session_id)
    slots = selectors.slots_with_scores(session)
    panel = selectors.judges(session)
    conflicts = selectors.conflict_pairs(session)
    current = next((s for s in slots if s.pk == session.current_slot_id), None)
    seats = []
    if current is not None:
        submitted = {s.judge_id for s in current.scores.all()}
        for j in panel:
            state = "recused" if (j.expert_id, current.entry_id) in conflicts else (
                "in" if j.pk in submitted else "waiting")  # fmt: skip
            seats.append((j, state))
    scores = [(slot, s) for slot in slots for s in slot.scores.all()]
    context = {
        "session": session,
        "slots": slots,
        "current": current,
        "seats": seats,
        "next_slot": next((s for s in slots if s.status == SlotStatus.WAITING), None),
        "any_open": any(s.status == SlotStatus.OPEN for s in slots),
        "scores": scores,
        "is_live": session.status == SessionStatus.LIVE,
        "can_finish": request.user.has_perm("finals.manage_session", session)
        and session.status == SessionStatus.LIVE,
        "segments": list(enumerate(session.segments)),
    }
    return render(request, "finals/chair.html", context)
