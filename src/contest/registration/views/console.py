"""The organizer console (资格审查): the events an organizer's organization runs, or — for the
secretariat — every event of its edition.

Every page finds its event or entry through the tenancy selector (``registration.selectors``)
and checks the matching rule; anything outside the user's scope answers 404, never 403.
Views parse input, call a service, and show its refusal as a message.
"""

from __future__ import annotations

import copy
import hashlib
import uuid

from django import forms
from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from stdnum.cn import uscc

from contest.accounts.security import audit_export
from contest.catalog import selectors as catalog_selectors
from contest.catalog.models import Event
from contest.core import exporters
from contest.core.errors import ContestError
from contest.core.forms import HardenedForm
from contest.core.inputs import displayable, local, parse_ids
from contest.core.uploads import upload_response
from contest.core.views import READ_WRITE, SAFE, WRITE, ConsoleView, Lookup, actor, show_refusal
from contest.registration import selectors, services
from contest.registration.enums import EntryStatus, Industry
from contest.registration.exporters import ENTRIES
from contest.registration.importer import read_entry_table
from contest.registration.models import Entry, RegistrationWindow

PAGE_SIZE = 50
S = EntryStatus
STATUS_LABELS = {
    S.DRAFT: gettext_lazy("草稿"),
    S.SUBMITTED: gettext_lazy("已提交"),
    S.RETURNED: gettext_lazy("退回修改"),
    S.RESUBMITTED: gettext_lazy("已重新提交"),
    S.QUALIFIED: gettext_lazy("资格审查通过"),
    S.DISQUALIFIED: gettext_lazy("资格审查未通过"),
    S.WITHDRAWN: gettext_lazy("已撤回"),
}
BULK_ACTIONS = [
    ("qualify", gettext_lazy("资格审查通过")),
    ("return", gettext_lazy("退回修改")),
    ("disqualify", gettext_lazy("资格审查不通过")),
]
#: action → (the permission that offers it, whether it is an override, button label)
ENTRY_ACTIONS = {
    "qualify": ("registration.review_entry", False, gettext_lazy("资格审查通过")),
    "return": ("registration.review_entry", False, gettext_lazy("退回修改")),
    "disqualify": ("registration.review_entry", False, gettext_lazy("资格审查不通过")),
    "reopen": ("registration.override_entry", True, gettext_lazy("撤销结论，重新审查")),
}
IMPORT_SESSION_KEY = "console_imports"


# -- scope: every lookup answers 404 outside it ----------------------------------------------------

EVENT = Lookup(
    "event", lambda request, pk, found: selectors.event_for_user(request.user, pk),
    perm="registration.manage_event_entries",
)  # fmt: skip
ENTRY = Lookup(
    "entry",
    lambda request, pk, found: (
        selectors.entries_for_user(request.user).filter(pk=pk).select_related("event").first()
    ),
    perm="registration.view_entry",
)
#: sign-in, then scope (404 to every method outside it), then method; the view receives ``event``
#: and ``entry`` in place of the ids in its URL
console_view = ConsoleView(gate=selectors.can_use_console, lookups=(EVENT, ENTRY))


# -- forms ----------------------------------------------------------------------------------------


class EntryFilterForm(HardenedForm, forms.Form):
    group = forms.ChoiceField(label=gettext_lazy("组别"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False)
    industry = forms.ChoiceField(label=gettext_lazy("行业领域"), required=False)
    division = forms.ChoiceField(label=gettext_lazy("登记地（省）"), required=False)
    q = forms.CharField(label=gettext_lazy("搜索"), required=False, max_length=100)

    def __init__(self, data, *, groups, provinces):
        super().__init__(data)
        self.fields["group"].choices = [("", _("全部组别")), *((g.code, g.name) for g in groups)]
        self.fields["status"].choices = [
            ("", _("全部状态")), *((s, label) for s, label in STATUS_LABELS.items() if s != S.DRAFT)
        ]  # fmt: skip
        self.fields["industry"].choices = [("", _("全部行业")), *Industry.choices]
        self.fields["division"].choices = [("", _("全部地区")), *((p.code, p.name) for p in provinces)]
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": _("项目名称、报名编号、企业或团队名称、信用代码")}
        )

    def entry_filter(self) -> selectors.EntryFilter:
        """The valid part of the filter; a bad value drops only its own condition."""
        self.is_valid()
        data = self.cleaned_data
        return selectors.EntryFilter(
            group=data.get("group") or None,
            status=data.get("status") or None,
            industry=data.get("industry") or None,
            division=data.get("division") or None,
            q=data.get("q") or None,
        )


class WindowForm(HardenedForm, forms.Form):
    opens_at = forms.DateTimeField(
        label=gettext_lazy("开始报名（北京时间）"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    closes_on = forms.DateField(
        label=gettext_lazy("报名截止日（含当天，到 24:00）"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ImportForm(HardenedForm, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("报名表（.xlsx 或 .csv）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


# -- pages ----------------------------------------------------------------------------------------


@console_view(SAFE)
def home(request: HttpRequest) -> HttpResponse:
    events = list(selectors.events_for_organizer(request.user))
    context = {"events": events, "section": "console", "edition": catalog_selectors.current_edition()}
    return render(request, "registration/console_home.html", context)


@console_view(READ_WRITE)
def entry_list(request: HttpRequest, event: Event) -> HttpResponse:
    if request.method == "POST":
        _bulk_review(request, event)
        url = reverse("console:entry_list", args=[event.pk])
        return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)
    groups = selectors.groups_of_event(event)
    form = EntryFilterForm(request.GET, groups=groups, provinces=list(catalog_selectors.provinces()))
    flt = form.entry_filter()
    page = Paginator(selectors.console_entries(request.user, event, flt), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = selectors.status_group_counts(selectors.entries_for_user(request.user, event=event), groups)
    context = {
        "event": event,
        "edition": event.edition,
        "form": form,
        "is_filtered": flt.is_active,
        "page": page,
        "rows": [(entry, STATUS_LABELS[entry.status]) for entry in page.object_list],
        "counts": counts,
        "draft_count": selectors.draft_count(request.user, event),
        "count_rows": [(STATUS_LABELS[s], s, cells, total) for s, cells, total in counts.rows],
        "status_labels": STATUS_LABELS,
        "bulk_actions": BULK_ACTIONS,
        "section": "console",
    }
    return render(request, "registration/console_entry_list.html", context)


def _bulk_review(request: HttpRequest, event: Event) -> None:
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    ids = parse_ids(request.POST.getlist("entry"))
    if not ids:
        messages.error(request, _("请先勾选要处理的项目。"))
        return
    entries = selectors.entries_by_ids(request.user, event, ids)
    skipped = len(set(ids)) - len(entries)
    try:
        result = services.bulk_review(by=actor(request), entries=entries, action=action, reason=reason)
    except ContestError as exc:
        show_refusal(request, exc)
        return
    if result.done:
        messages.success(request, _("已处理 %(n)d 个项目。") % {"n": len(result.done)})
    by_pk = {entry.pk: entry for entry in entries}
    for pk, message in result.failed.items():
        entry = by_pk[pk]
        label = f"{entry.number}（{entry.title}）" if entry.number else f"“{entry.title}”"
        messages.error(request, f"{label}：{message}")
    if skipped:
        messages.warning(request, _("%(n)d 个项目不在本赛事中，已跳过。") % {"n": skipped})


@console_view(SAFE)
def entry_export(request: HttpRequest, event: Event) -> HttpResponse:
    groups = selectors.groups_of_event(event)
    form = EntryFilterForm(request.GET, groups=groups, provinces=list(catalog_selectors.provinces()))
    entries = selectors.export_entries(request.user, event, form.entry_filter())
    fmt = exporters.requested_format(request)
    filename = f"报名项目-{event.name}-{timezone.localdate():%Y%m%d}"
    response = exporters.download(ENTRIES, fmt, filename=filename, entries=entries)
    audit_export(request, what="registration.entries", scope=f"event:{event.pk}")
    return response


@console_view(SAFE)
def entry_detail(request: HttpRequest, entry: Entry) -> HttpResponse:
    entry = selectors.entry_for_console(request.user, entry.pk)
    flags = list(entry.duplicate_flags.all())
    visible = selectors.visible_entry_ids(request.user, [flag.other_id for flag in flags])
    actions = [
        {"code": code, "label": label, "override": override, "needs_reason": code != "qualify"}
        for code, (perm, override, label) in ENTRY_ACTIONS.items()
        if request.user.has_perm(perm, entry)
    ]
    context = {
        "entry": entry,
        "event": entry.event,
        "edition": entry.edition,
        "status_label": STATUS_LABELS[entry.status],
        "status_labels": STATUS_LABELS,
        "industry_label": Industry(entry.industry).label if entry.industry in Industry.values else "",
        "flags": [(flag, flag.other_id in visible) for flag in flags],
        "eligibility": services.eligibility_failures(entry),
        "actions": actions,
        "plan_url": reverse("console:entry_plan", args=[entry.pk]) if entry.business_plan else None,
        "next_pending": selectors.next_pending_entry(request.user, entry),
        "section": "console",
    }
    return render(request, "registration/console_entry_detail.html", context)


@console_view(WRITE)
def entry_review(request: HttpRequest, entry: Entry) -> HttpResponse:
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    try:
        if action == "qualify":
            services.qualify_entry(by=actor(request), entry=entry, reason=reason)
        elif action == "return":
            services.return_entry(by=actor(request), entry=entry, comment=reason)
        elif action == "disqualify":
            services.disqualify_entry(by=actor(request), entry=entry, reason=reason)
        elif action == "reopen":
            services.reopen_entry(by=actor(request), entry=entry, reason=reason)
        else:
            messages.error(request, _("未知的操作。"))
            return redirect("console:entry_detail", entry.pk)
    except ContestError as exc:
        show_refusal(request, exc)
    else:
        entry.refresh_from_db(fields=["status"])
        messages.success(
            request, _("项目状态已更新为“%(status)s”。") % {"status": STATUS_LABELS[entry.status]}
        )
        if request.POST.get("then") == "next":  # “保存并审查下一个”
            following = selectors.next_pending_entry(request.user, entry)
            if following is not None:
                return redirect("console:entry_detail", following.pk)
            messages.info(request, _("本赛事已没有待审查的项目。"))
            return redirect("console:entry_list", entry.event_id)
    return redirect("console:entry_detail", entry.pk)


@xframe_options_sameorigin  # the detail page shows the plan in an <iframe> on this site
@console_view(SAFE)
def entry_plan(request: HttpRequest, entry: Entry) -> FileResponse:
    if not entry.business_plan:
        raise Http404("no business plan")
    return upload_response(
        entry.business_plan,
        content_type="application/pdf",
        filename=entry.business_plan_name or "business-plan.pdf",
    )


def _shown_window(window: RegistrationWindow | None) -> RegistrationWindow | None:
    """The window as the page shows it: an opening stored outside what local time can show (year
    9999, before inputs were bounded) shown as the nearest instant, so the page opens to fix it."""
    if window is None:
        return None
    shown = copy.copy(window)
    shown.opens_at = displayable(window.opens_at)
    return shown


@console_view(READ_WRITE)
def window(request: HttpRequest, event: Event) -> HttpResponse:
    current = getattr(event, "registration_window", None)
    if request.method == "POST":
        form = WindowForm(request.POST)
        if form.is_valid():
            try:
                services.set_registration_window(
                    by=actor(request),
                    event=event,
                    opens_at=form.cleaned_data["opens_at"],
                    closes_on=form.cleaned_data["closes_on"],
                )
            except ContestError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("报名时间已保存。"))
                return redirect("console:window", event.pk)
    else:
        initial = {}
        if current is not None:
            initial = {"opens_at": local(current.opens_at), "closes_on": current.closes_on}
        form = WindowForm(initial=initial)
    context = {
        "event": event,
        "edition": event.edition,
        "form": form,
        "current": _shown_window(current),
        "is_open": current is not None and current.is_open(timezone.now()),
        "section": "console",
    }
    return render(request, "registration/console_window.html", context)


# -- import: upload → preview → confirm --------------------------------------------------------------


@console_view(READ_WRITE)
def entry_import(request: HttpRequest, event: Event) -> HttpResponse:
    context = {"event": event, "edition": event.edition, "section": "console",
               "columns": services.ENTRY_IMPORT_COLUMNS}  # fmt: skip
    if request.method != "POST":
        context["form"] = ImportForm()
        return render(request, "registration/console_import.html", context)
    if request.POST.get("step") == "confirm":
        return _confirm_import(request, event, context)
    form = ImportForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, "registration/console_import.html", context)
    upload = form.cleaned_data["file"]
    data = upload.read()
    try:
        table = read_entry_table(data, filename=upload.name)
        report = services.import_entries(by=actor(request), event=event, rows=table.rows, dry_run=True)
    except ContestError as exc:
        context["file_errors"] = getattr(exc, "errors", [exc.message])
        return render(request, "registration/console_import.html", context)
    token = None
    if not report.errors:
        token = _keep_upload(request, event, upload.name, data)
    context.update(
        {"report": report, "token": token, "filename": upload.name, "ignored": table.ignored_columns,
         "sha256": hashlib.sha256(data).hexdigest()}
    )  # fmt: skip
    return render(request, "registration/console_import.html", context)


def _keep_upload(request: HttpRequest, event: Event, filename: str, data: bytes) -> str:
    """Keep the previewed file until it is confirmed; the session remembers whose it is."""
    pending = request.session.get(IMPORT_SESSION_KEY, {})
    for token, item in list(pending.items()):
        if item["event"] == event.pk:  # one pending upload per event and user
            default_storage.delete(item["path"])
            del pending[token]
    token = uuid.uuid4().hex
    path = default_storage.save(f"imports/{event.pk}/{token}.upload", ContentFile(data))
    pending[token] = {"event": event.pk, "path": path, "name": filename,
                      "sha256": hashlib.sha256(data).hexdigest()}  # fmt: skip
    request.session[IMPORT_SESSION_KEY] = pending
    return token


def _confirm_import(request: HttpRequest, event: Event, context: dict) -> HttpResponse:
    pending = request.session.get(IMPORT_SESSION_KEY, {})
    item = pending.get(request.POST.get("token", ""))
    if item is None or item["event"] != event.pk or not default_storage.exists(item["path"]):
        messages.error(request, _("预览已失效，请重新上传文件。"))
        return redirect("console:entry_import", event.pk)
    with default_storage.open(item["path"], "rb") as fh:
        data = fh.read()
    if hashlib.sha256(data).hexdigest() != item["sha256"]:
        messages.error(request, _("预览已失效，请重新上传文件。"))
        return redirect("console:entry_import", event.pk)
    try:
        table = read_entry_table(data, filename=item["name"])
        report = services.import_entries(
            by=actor(request), event=event, rows=table.rows, dry_run=False,
            source_name=item["name"], source_sha256=item["sha256"],
        )  # fmt: skip
    except services.ImportRefused as exc:
        context.update({"form": ImportForm(), "report": exc.report, "filename": item["name"],
                        "sha256": item["sha256"]})  # fmt: skip
        return render(request, "registration/console_import.html", context)
    except ContestError as exc:
        show_refusal(request, exc)
        return redirect("console:entry_import", event.pk)
    default_storage.delete(item["path"])
    del pending[request.POST["token"]]
    request.session[IMPORT_SESSION_KEY] = pending
    messages.success(
        request,
        _("导入完成：新增 %(created)d 个，更新 %(updated)d 个，无变化 %(unchanged)d 个。")
        % {
            "created": len(report.with_action("created")),
            "updated": len(report.with_action("updated")),
            "unchanged": len(report.with_action("unchanged")),
        },
    )
    return redirect("console:entry_list", event.pk)


@console_view(SAFE)
def import_template(request: HttpRequest, event: Event) -> HttpResponse:
    """An empty workbook with the import headers (and one example row)."""
    headers = [c.header for c in services.ENTRY_IMPORT_COLUMNS]
    example = dict(zip(headers, IMPORT_EXAMPLE, strict=True))
    data = exporters.write_xlsx(headers, [example], title="报名表")
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename="报名导入模板.xlsx"
    )
    return response


_EXAMPLE_HEAD = "91330203MA2CKDR01"
IMPORT_EXAMPLE = (
    "示例：宁波某某科技有限公司", _EXAMPLE_HEAD + uscc.calc_check_digit(_EXAMPLE_HEAD), "2019-03-15",
    800, 56, 4200.5, "否", "制造业",
    "专精特新中小企业", "王芳", "13905741234", "注塑机能耗优化系统", "以边缘计算降低注塑机能耗。", "I",
    "自适应温控算法", "长三角注塑企业", "按节能收益分成", "博士领衔的 12 人团队", 1500,
    "发明专利 一种注塑温控方法；软件著作权 能耗平台V1.0", "https://example.cn/video",
)  # fmt: skip
