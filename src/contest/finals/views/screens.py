"""The screens of a roadshow session under /live/sessions/<id>/: the big screen (1920×1080), the
stage timer, the notary's read-only view, and the event stream and JSON state they share.

Who sees what:

* The big screen, the timer, ``events`` and ``state`` are public once the session is past
  筹备中 (draft); a draft session answers 404 unless the user manages it
  (``finals.manage_session``: the event's organizers, the edition's secretariat).
* The notary's view: whoever manages the session, or anyone holding the session's signed
  notary link (``notary_link``, made by a manager; ``django.core.signing`` with its own salt).
  The key opens that one session only; a tampered or foreign key answers 404. The key also
  opens the session's ``events`` and ``state`` (the notary page refreshes from them).

The event stream is ``finals.live``: an async generator under ASGI (uvicorn), a plain generator
under WSGI (runserver, the test client, pytest-django's live server), so neither server has to
adapt the other kind of iterator.
"""

from __future__ import annotations

from django.core import signing
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from contest.finals import live
from contest.finals.board import board_state, notary_record
from contest.finals.enums import SessionStatus, SlotStatus
from contest.finals.models import RoadshowSession

NOTARY_SALT = "contest.finals.notary"

#: Words the screens' script puts on the stage (``%s`` is filled in by screen.js).
SCREEN_LABELS = {
    "judge": gettext_lazy("评委 %s"),
    "position": gettext_lazy("第 %s 位"),
    "submitted": gettext_lazy("评分中 · 已提交 %s / %s"),
    "closed": gettext_lazy("已亮分"),
    "waiting": gettext_lazy("等待下一个项目"),
    "dropped": gettext_lazy("去掉"),
    "corrected": gettext_lazy("已更正"),
    "recused": gettext_lazy("回避"),
    "none": gettext_lazy("未评"),
    "seat_submitted": gettext_lazy("已提交"),
    "seat_waiting": gettext_lazy("待评"),
    "no_ranking": gettext_lazy("尚无亮分项目"),
    "timer_idle": gettext_lazy("计时未开始"),
    "paused": gettext_lazy("已暂停"),
    "overtime": gettext_lazy("已超时"),
    "next": gettext_lazy("下一环节：%s"),
    "conn_live": gettext_lazy("实时"),
    "conn_connecting": gettext_lazy("正在连接…"),
    "conn_offline": gettext_lazy("连接中断，正在重连"),
    # the board's status values in this page's language (the pushed board's labels are not)
    "session_status": dict(SessionStatus.choices),
    "slot_status": dict(SlotStatus.choices),
}


def notary_key(session: RoadshowSession) -> str:
    """The session's notary key: signed, without a timestamp, so the link is the same each time."""
    return signing.Signer(salt=NOTARY_SALT).sign_object({"session": session.pk})


def holds_notary_key(request: HttpRequest, session: RoadshowSession) -> bool:
    key = request.GET.get("key", "")
    if not key:
        return False
    try:
        payload = signing.Signer(salt=NOTARY_SALT).unsign_object(key)
    except signing.BadSignature:
        return False
    return isinstance(payload, dict) and payload.get("session") == session.pk


def _session(session_id: int) -> RoadshowSession:
    session = RoadshowSession.objects.select_related("event").filter(pk=session_id).first()
    if session is None:
        raise Http404("no such session")
    return session


def _manages(request: HttpRequest, session: RoadshowSession) -> bool:
    return request.user.has_perm("finals.manage_session", session)


def _public_session(request: HttpRequest, session_id: int) -> RoadshowSession:
    """A session the screens may show: past draft, or managed by the user, or a notary's key."""
    session = _session(session_id)
    if session.status == SessionStatus.DRAFT and not (
        _manages(request, session) or holds_notary_key(request, session)
    ):
        raise Http404("no such session")
    return session


def _notary_session(request: HttpRequest, session_id: int) -> RoadshowSession:
    session = _session(session_id)
    if not (holds_notary_key(request, session) or _manages(request, session)):
        raise Http404("no such session")
    return session


def _stream_urls(request: HttpRequest, session: RoadshowSession) -> dict[str, str]:
    query = f"?key={request.GET['key']}" if holds_notary_key(request, session) else ""
    return {
        "events_url": reverse("finals:events", args=[session.pk]) + query,
        "state_url": reverse("finals:state", args=[session.pk]) + query,
    }


@require_safe
@never_cache
def screen(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _public_session(request, session_id)
    board = board_state(session)
    context = {"session": session, "board": board, "labels": SCREEN_LABELS,
               "finished": board["session"]["status"] == SessionStatus.FINISHED,
               "any_corrected": any(row["corrected"] for row in board["ranking"]),
               **_stream_urls(request, session)}  # fmt: skip
    return render(request, "finals/screen.html", context)


@require_safe
@never_cache
def timer(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _public_session(request, session_id)
    context = {"session": session, "board": board_state(session), "labels": SCREEN_LABELS,
               **_stream_urls(request, session)}  # fmt: skip
    return render(request, "finals/timer.html", context)


@require_safe
@never_cache
def notary(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _notary_session(request, session_id)
    context = {
        "session": session,
        "record": notary_record(session),
        "board_version": RoadshowSession.objects.filter(pk=session.pk)
        .values_list("version", flat=True)
        .first(),
        "may_link": _manages(request, session),
        "labels": {
            key[len("conn_") :]: value for key, value in SCREEN_LABELS.items() if key.startswith("conn_")
        },
        **_stream_urls(request, session),
    }
    template = "finals/notary_record.html" if request.GET.get("fragment") == "1" else "finals/notary.html"
    return render(request, template, context)


@require_POST
def notary_link(request: HttpRequest, session_id: int) -> HttpResponse:
    """A manager makes the signed link handed to the notary (shown, never mailed)."""
    session = _session(session_id)
    if not _manages(request, session):
        raise Http404("no such session")
    url = request.build_absolute_uri(
        reverse("finals:notary", args=[session.pk]) + "?key=" + notary_key(session)
    )
    return render(request, "finals/notary_link.html", {"session": session, "url": url})


@require_safe
@never_cache
def state(request: HttpRequest, session_id: int) -> JsonResponse:
    session = _public_session(request, session_id)
    return JsonResponse(board_state(session), json_dumps_params={"ensure_ascii": False})


@require_safe
@never_cache
def events(request: HttpRequest, session_id: int) -> StreamingHttpResponse:
    session = _public_session(request, session_id)
    last_event_id = request.headers.get("Last-Event-ID", "").strip()
    if isinstance(request, ASGIRequest):
        content = live.astream(session.pk, last_event_id)
    else:
        content = live.stream(session.pk, last_event_id)
    response = StreamingHttpResponse(content, content_type="text/event-stream; charset=utf-8")
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response
