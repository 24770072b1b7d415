"""The awards console (/console/awards/): per event × group, the award table, assignment from a
ranking with a plan (preview first), manual edits, confirmation, revocation, certificates (batch
with a progress bar, one PDF or a ZIP) and the award list as a spreadsheet.

Every page finds its event through the shared tenancy scope (``registration.selectors.event_for_user``)
and checks ``awards.manage_awards``; anything outside the user's scope answers 404 — to every method.
"""

from __future__ import annotations

import io
import zipfile

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from contest.accounts.security import audit_export
from contest.awards import exporters as award_exporters
from contest.awards import selectors, services
from contest.awards.enums import AwardStatus, BatchStatus, TiePolicy
from contest.awards.forms import EditAwardForm, LevelForm, ManualAwardForm, PlanForm, ReasonForm
from contest.awards.views.public import pdf_response
from contest.core import exporters
from contest.core.errors import ContestError, FieldErrors
from contest.core.views import READ_WRITE, SAFE, WRITE, ConsoleView, Lookup, show_refusal, site_url
from contest.registration.selectors import can_use_console, event_for_user, events_for_user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_PLAN = {"一等奖": "1", "二等奖": "2", "三等奖": "3", "优胜奖": "其余"}

EVENT = Lookup(
    "event", lambda request, pk, found: event_for_user(request.user, pk), perm="awards.manage_awards"
)
GROUP = Lookup(
    "group", lambda request, code, found: selectors.group_in(found["event"], code), argument="group_code"
)
AWARD = Lookup("award", lambda request, pk, found: selectors.award_in(found["event"], found["group"], pk))
BATCH = Lookup("batch", lambda request, pk, found: selectors.batch_in(found["event"], found["group"], pk))
CERTIFICATE = Lookup(
    "certificate", lambda request, pk, found: selectors.certificate_in(found["event"], found["group"], pk)
)
#: sign-in, then scope (a console at all; the event, group, award, batch, certificate in the URL), then method
awards_view = ConsoleView(gate=can_use_console, lookups=(EVENT, GROUP, AWARD, BATCH, CERTIFICATE))


def _table_url(event, group) -> str:
    return reverse("awards_console:table", args=[event.pk, group.code])


# -- index ----------------------------------------------------------------------------------------------------


@awards_view(SAFE)
def index(request: HttpRequest) -> HttpResponse:
    events = list(
        events_for_user(request.user).select_related("edition").order_by("-edition__number", "tier", "seq")
    )
    counts = selectors.award_counts([e.pk for e in events])
    groups = selectors.groups_of_editions({e.edition_id for e in events})
    rows = [
        {"event": e, "groups": [(g, counts.get((e.pk, g.pk), {})) for g in groups.get(e.edition_id, [])]}
        for e in events
    ]
    return render(request, "awards/console_index.html", {"rows": rows, "section": "console"})


# -- the award table ---------------------------------------------------------------------------------------------


def _table_context(event, group, **extra) -> dict:
    awards = selectors.award_table(event, group)
    levels = selectors.levels_for_event(event)
    return {
        "event": event, "group": group, "awards": awards, "levels": levels, "section": "console",
        "staged": sum(1 for a in awards if a.status == AwardStatus.STAGED),
        "confirmed": sum(1 for a in awards if a.status == AwardStatus.CONFIRMED),
        "batch": selectors.latest_batch(event, group), **extra,
    }  # fmt: skip


@awards_view(SAFE)
def table(request: HttpRequest, event, group) -> HttpResponse:
    entries = selectors.awardable_entries(event, group)
    levels = selectors.levels_for_event(event)
    return render(request, "awards/console_table.html", _table_context(
        event, group, manual_form=ManualAwardForm(entries=entries, levels=levels), level_form=LevelForm(),
    ))  # fmt: skip


@awards_view(WRITE)
def add_award(request: HttpRequest, event, group) -> HttpResponse:
    entries = selectors.awardable_entries(event, group)
    form = ManualAwardForm(request.POST, entries=entries, levels=selectors.levels_for_event(event))
    if form.is_valid():
        entry = next(e for e in entries if e.pk == form.cleaned_data["entry"])
        try:
            services.stage_award(by=request.user, event=event, entry=entry, level_name=form.cleaned_data["level"],
                                 citation=form.cleaned_data["citation"])  # fmt: skip
        except ContestError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("已拟定。确认后才会列入获奖名单。"))
            return redirect(_table_url(event, group))
    return render(request, "awards/console_table.html", _table_context(
        event, group, manual_form=form, level_form=LevelForm()), status=400)  # fmt: skip


@awards_view(WRITE)
def add_level(request: HttpRequest, event, group) -> HttpResponse:
    form = LevelForm(request.POST)
    if form.is_valid():
        try:
            services.add_custom_level(by=request.user, event=event, name=form.cleaned_data["name"],
                                      rank=form.cleaned_data["rank"])  # fmt: skip
        except FieldErrors as exc:
            for field, message in exc.fields.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("已添加奖项等级。"))
            return redirect(_table_url(event, group))
    entries = selectors.awardable_entries(event, group)
    manual = ManualAwardForm(entries=entries, levels=selectors.levels_for_event(event))
    return render(request, "awards/console_table.html", _table_context(
        event, group, manual_form=manual, level_form=form), status=400)  # fmt: skip


@awards_view(READ_WRITE)
def edit_award(request: HttpRequest, event, group, award) -> HttpResponse:
    levels = selectors.levels_for_event(event)
    initial = {"level": award.level.name, "order": award.order, "citation": award.citation}
    form = EditAwardForm(request.POST or None, levels=levels, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_staged_award(by=request.user, award=award, level_name=form.cleaned_data["level"],
                                         order=form.cleaned_data["order"], citation=form.cleaned_data["citation"])  # fmt: skip
        except ContestError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("已修改。"))
            return redirect(_table_url(event, group))
    return render(request, "awards/console_award_form.html", {"event": event, "group": group, "award": award,
                                                              "form": form, "section": "console"},
                  status=400 if request.method == "POST" else 200)  # fmt: skip


@awards_view(WRITE)
def remove_award(request: HttpRequest, event, group, award) -> HttpResponse:
    try:
        services.remove_staged_award(by=request.user, award=award)
    except ContestError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("已删除拟定奖项。"))
    return redirect(_table_url(event, group))


@awards_view(WRITE)
def confirm(request: HttpRequest, event, group) -> HttpResponse:
    try:
        n = services.confirm_awards(by=request.user, event=event, group=group)
    except ContestError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("已确认 %(n)d 个奖项。") % {"n": n})
    return redirect(_table_url(event, group))


@awards_view(READ_WRITE)
def revoke(request: HttpRequest, event, group, award) -> HttpResponse:
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke_award(by=request.user, award=award, reason=form.cleaned_data["reason"])
        except ContestError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("已撤销该奖项；其证书同时作废。"))
            return redirect(_table_url(event, group))
    return render(request, "awards/console_revoke.html", {"event": event, "group": group, "award": award,
                                                          "form": form, "section": "console"},
                  status=400 if request.method == "POST" else 200)  # fmt: skip


@awards_view(READ_WRITE)
def void_certificate(request: HttpRequest, event, group, certificate) -> HttpResponse:
    """Void one certificate (a misprint, say); the award stands and the next batch issues a new one."""
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke_certificate(
                by=request.user, certificate=certificate, reason=form.cleaned_data["reason"]
            )
        except ContestError as exc:
            show_refusal(request, exc)
        else:
            messages.success(
                request,
                _("证书 %(code)s 已作废；重新生成证书时将为该奖项签发新证书。") % {"code": certificate.code},
            )
            return redirect(_table_url(event, group))
    context = {"event": event, "group": group, "certificate": certificate, "form": form, "section": "console"}
    return render(
        request, "awards/console_void.html", context, status=400 if request.method == "POST" else 200
    )


# -- from a ranking with a plan -----------------------------------------------------------------------------------


def _resolve_source(event, group, value: str) -> dict:
    kind, _sep, pk = (value or "").partition(":")
    obj = selectors.plan_source(event, group, kind, pk)
    if obj is None:
        raise Http404("no such ranking here")
    return {kind: obj}


@awards_view(READ_WRITE)
def plan(request: HttpRequest, event, group) -> HttpResponse:
    sources = selectors.plan_sources(event, group)
    levels = selectors.levels_for_event(event)
    initial = {f"count_{i}": DEFAULT_PLAN.get(level.name, "") for i, level in enumerate(levels)}
    form = PlanForm(request.POST or None, sources=sources, levels=levels, initial=initial)
    preview = None
    status = 200
    if request.method == "POST":
        lines = form.plan() if form.is_valid() else []
        status = 200 if form.is_valid() else 400
        if form.is_valid():
            source = _resolve_source(event, group, form.cleaned_data["source"])
            ties = form.cleaned_data["ties"]
            try:
                if request.POST.get("action") == "stage":
                    made = services.stage_awards_from_plan(by=request.user, event=event, group=group, plan=lines,
                                                           ties=ties, **source)  # fmt: skip
                    messages.success(
                        request, _("已按方案拟定 %(n)d 个奖项，请核对后确认。") % {"n": len(made)}
                    )
                    return redirect(_table_url(event, group))
                preview = services.plan_awards(event=event, group=group, plan=lines, ties=ties, **source)
            except ContestError as exc:
                show_refusal(request, exc)
                status = 400
    return render(request, "awards/console_plan.html", {
        "event": event, "group": group, "form": form, "preview": preview, "section": "console",
        "tie_share": TiePolicy.SHARE,
    }, status=status)  # fmt: skip


# -- certificates ---------------------------------------------------------------------------------------------------


@awards_view(WRITE)
def generate(request: HttpRequest, event, group) -> HttpResponse:
    try:
        batch = services.request_certificates(
            by=request.user, event=event, group=group, site_url=site_url(request)
        )
    except ContestError as exc:
        show_refusal(request, exc)
        return redirect(_table_url(event, group))
    return redirect("awards_console:batch", event.pk, group.code, batch.pk)


def _batch_json(batch) -> dict:
    services.expire_stale_batches(event=batch.event_id, group=batch.group_id)  # a dead worker's batch fails
    batch.refresh_from_db()
    return {"status": batch.status, "status_label": batch.get_status_display(), "total": batch.total,
            "done": batch.done, "percent": batch.percent, "message": batch.summary,
            "finished": batch.status in (BatchStatus.DONE, BatchStatus.FAILED)}  # fmt: skip


@awards_view(SAFE)
def batch_page(request: HttpRequest, event, group, batch) -> HttpResponse:
    return render(request, "awards/console_batch.html", {"event": event, "group": group, "batch": batch,
                                                         "state": _batch_json(batch), "section": "console"})  # fmt: skip


@awards_view(SAFE)
def batch_status(request: HttpRequest, event, group, batch) -> JsonResponse:
    return JsonResponse(_batch_json(batch), json_dumps_params={"ensure_ascii": False})


@awards_view(SAFE)
def download(request: HttpRequest, event, group, certificate) -> HttpResponse:
    return pdf_response(certificate)


@awards_view(SAFE)
def download_zip(request: HttpRequest, event, group) -> HttpResponse:
    certificates = list(selectors.certificates_of(event, group))
    if not certificates:
        messages.error(request, _("本组还没有有效的证书。"))
        return redirect(_table_url(event, group))
    audit_export(request, what="awards.certificates", scope=f"event:{event.pk}",
                 detail={"group": group.pk, "certificates": len(certificates)})  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for c in certificates:
            with c.file.open("rb") as handle:
                archive.writestr(f"{c.award.level.name}-{c.award.entry.number or c.award.entry_id}-{c.code}.pdf",
                                 handle.read())  # fmt: skip
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"获奖证书-{event.name}-{group.name}.zip"
    )
    return response


@awards_view(SAFE)
def export(request: HttpRequest, event, group) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d")
    response = exporters.download(
        award_exporters.AWARD_LIST, exporters.requested_format(request),
        filename=f"获奖名单-{event.name}-{group.name}-{stamp}", event=event, group=group,
    )  # fmt: skip
    audit_export(request, what="awards.award_list", scope=f"event:{event.pk}", detail={"group": group.pk})
    return response
