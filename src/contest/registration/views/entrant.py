"""Entrant pages under /me/: the profile (enterprise or maker team), entries, receipts, files.

Views parse, call a service and show its refusal next to the field it names; every error page
re-renders what was typed. An entrant reaches only their own entries: any other id is a 404.
The reads here are the entrant's own rows (``_my_*``); organizer reads live in
``registration.selectors``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from contest.accounts.rules import organizer_organization_ids, secretariat_edition_ids
from contest.catalog import selectors as catalog_selectors
from contest.catalog.enums import RegistrationMode, Tier
from contest.catalog.models import Division, Edition, EditionGroup, Event, EventZone
from contest.core.errors import Conflict, ContestError, FieldErrors, ValidationFailed
from contest.core.inputs import local
from contest.core.uploads import upload_response
from contest.core.views import actor, show_refusal
from contest.registration import selectors, services, validators
from contest.registration.enums import ACTIVE, EntryStatus, GroupKind
from contest.registration.forms import (
    OVERSEAS_MEMBER_KEYS,
    EnterpriseForm,
    EntryForm,
    NewEntryForm,
    OverseasEnterpriseForm,
    OverseasTeamForm,
    TeamForm,
    WithdrawForm,
    apply_member_errors,
    entry_initial,
    ip_rows_for,
    member_rows,
)
from contest.registration.models import (
    Enterprise,
    Entry,
    EntryImage,
    MakerTeam,
    RegistrationWindow,
    Submission,
)
from contest.registration.services.entries import OVERSEAS_EVENT_ONLY
from contest.registration.templatetags.registration_windows import beside_beijing, entrant_time_zone

S = EntryStatus
STATUS_LABELS = {
    S.DRAFT: gettext_lazy("草稿"),
    S.SUBMITTED: gettext_lazy("已提交，待资格审查"),
    S.RETURNED: gettext_lazy("退回修改"),
    S.RESUBMITTED: gettext_lazy("已重新提交，待资格审查"),
    S.QUALIFIED: gettext_lazy("资格审查通过"),
    S.DISQUALIFIED: gettext_lazy("资格审查未通过"),
    S.WITHDRAWN: gettext_lazy("已撤回"),
}
STATUS_HINTS = {
    S.DRAFT: gettext_lazy("草稿只有您能看到。内容填完、上传商业计划书后，在截止前点“提交报名”。"),
    S.SUBMITTED: gettext_lazy("已提交，等待赛事组织方资格审查。审查结果会通过邮件和本页通知您。"),
    S.RETURNED: gettext_lazy("组织方退回了您的报名，请按意见修改后在截止前重新提交。"),
    S.RESUBMITTED: gettext_lazy("已重新提交，等待赛事组织方资格审查。"),
    S.QUALIFIED: gettext_lazy("资格审查已通过，请留意后续比赛通知。"),
    S.DISQUALIFIED: gettext_lazy("资格审查未通过，原因见组织方意见。"),
    S.WITHDRAWN: gettext_lazy("此报名已撤回。"),
}
GROUP_FOR_PROFILE = {"enterprise": GroupKind.ENTERPRISE, "team": GroupKind.MAKER}


# -- the entrant's own reads --------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    kind: str | None  # "enterprise" | "team" | None
    enterprise: Enterprise | None = None
    team: MakerTeam | None = None

    @property
    def obj(self):
        return self.enterprise or self.team

    @property
    def division(self) -> Division | None:
        return self.obj.division if self.obj else None

    @property
    def overseas(self) -> bool:
        if self.enterprise is not None:
            return self.enterprise.is_overseas
        return bool(self.team is not None and self.team.is_overseas)


def _profile(user) -> Profile:
    enterprise = Enterprise.objects.filter(owner=user).select_related("division__parent").first()
    if enterprise is not None:
        return Profile("enterprise", enterprise=enterprise)
    team = MakerTeam.objects.filter(owner=user).select_related("division__parent").first()
    if team is not None:
        return Profile("team", team=team)
    return Profile(None)


def _my_entries(user) -> QuerySet[Entry]:
    latest = Submission.objects.order_by("entry_id", "-submitted_at")
    return (
        Entry.objects.filter(owner=user)
        .select_related("event__registration_window", "edition", "group", "zone", "enterprise", "team")
        .prefetch_related(Prefetch("submissions", queryset=latest, to_attr="receipts"))
        .order_by("-created_at")
    )


def _my_entry_or_404(user, pk: int) -> Entry:
    entry = (
        Entry.objects.filter(pk=pk, owner=user)
        .select_related("event__registration_window", "edition", "group", "enterprise", "team", "zone")
        .first()
    )
    if entry is None:
        raise Http404("no such entry of yours")
    return entry


# -- presentation helpers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """The event's window as the entrant needs it: the closing line and a countdown."""

    line: str
    countdown: str
    state: str  # open | not_open | closed | unset
    urgent: bool = False


def deadline_for(
    window: RegistrationWindow | None, now: datetime | None = None, *, zone: str | None = None
) -> Deadline:
    """``zone``: an overseas entrant's IANA zone; the closing moment is then also shown there."""
    now = now or timezone.now()
    if window is None:
        return Deadline(line=_("报名时间尚未公布"), countdown="", state="unset")
    if zone:
        line = _("报名截止：%(when)s") % {"when": beside_beijing(window.closes_at, zone)}
    else:
        line = _("报名截止：%(date)s 24:00（北京时间）") % {"date": window.closes_on.isoformat()}
    if now < window.opens_at:
        opens = local(window.opens_at).strftime("%Y-%m-%d %H:%M")
        return Deadline(
            line=line, countdown=_("报名尚未开始，%(time)s 开始。") % {"time": opens}, state="not_open"
        )
    if now >= window.closes_at:
        return Deadline(line=line, countdown=_("报名已截止。"), state="closed")
    left = window.closes_at - now
    days, seconds = left.days, left.seconds
    hours, minutes = seconds // 3600, (seconds % 3600) // 60
    if days >= 1:
        text = _("距报名截止还有 %(days)d 天 %(hours)d 小时。") % {"days": days, "hours": hours}
    else:
        text = _("距报名截止还有 %(hours)d 小时 %(minutes)d 分钟。") % {"hours": hours, "minutes": minutes}
    return Deadline(line=line, countdown=text, state="open", urgent=left < timedelta(days=1))


@dataclass(frozen=True)
class DerivedDivision:
    division_code: str
    division: Division | None
    label: str | None
    error: str | None = None


def division_label(division: Division, division_code: str) -> str:
    if division.parent_id is not None:
        return f"{division.parent.name} {division.name}（{division_code}）"
    return f"{division.name}（{division_code}）"


def derive_division(raw_code: str) -> DerivedDivision | None:
    """The registering division a credit code names (characters 3–8), for confirmation."""
    if not (raw_code or "").strip():
        return None
    try:
        code = validators.normalize_credit_code(raw_code)
    except ValidationFailed as exc:
        return DerivedDivision(division_code="", division=None, label=None, error=exc.message)
    division_code = validators.division_code_of(code)
    division = services.division_for_code(division_code)
    if division is None:
        return DerivedDivision(
            division_code=division_code,
            division=None,
            label=None,
            error=_("统一社会信用代码第 3–8 位“%(code)s”不是已知的行政区划。") % {"code": division_code},
        )
    return DerivedDivision(
        division_code=division_code, division=division, label=division_label(division, division_code)
    )


def _entry_years(entry: Entry) -> list[int]:
    """The three financial years: those already entered, else the three before the edition's year."""
    years = sorted({int(r["year"]) for r in entry.finances or [] if str(r.get("year") or "").isdigit()})
    if len(years) == 3:
        return years
    return [entry.edition.year - 3, entry.edition.year - 2, entry.edition.year - 1]


def _size_label(size: int | None) -> str:
    if not size:
        return ""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


# -- home and profile --------------------------------------------------------------------------


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Where sign-in lands: the entrant's entries, the profile choice, or an organizer's console."""
    if _profile(request.user).kind is None:
        if organizer_organization_ids(request.user) or secretariat_edition_ids(request.user):
            return redirect("console:home")
        return redirect("registration:profile")
    return redirect("registration:entry_list")


@login_required
@require_safe
def profile(request: HttpRequest) -> HttpResponse:
    kind = _profile(request.user).kind
    if kind == "enterprise":
        return redirect("registration:enterprise")
    if kind == "team":
        return redirect("registration:team")
    return render(request, "registration/entrant_profile_choose.html", {"section": "entries"})


@login_required
@require_http_methods(["GET", "POST"])
def enterprise(request: HttpRequest) -> HttpResponse:
    mine = _profile(request.user)
    if mine.kind == "team":
        messages.error(
            request, _("此账号已登记为创客团队。一个账号只能登记一家企业或一个创客团队；企业请另外注册账号。")
        )
        return redirect("registration:team")
    instance = mine.enterprise
    if _wants_overseas(request, instance):
        return _overseas_enterprise(request, instance)
    if request.method == "POST":
        form = EnterpriseForm(request.POST)
        form.is_valid()
        derived = derive_division(form.raw("credit_code"))
        confirmed = (
            bool(derived and derived.label) and request.POST.get("confirm_division") == derived.division_code
        )
        if request.POST.get("action") != "lookup":
            data = form.service_data(
                derived_division_code=derived.division_code if derived and derived.label else None
            )
            try:
                saved = services.save_enterprise(by=actor(request), data=data)
            except ContestError as exc:
                form.apply_errors(exc, aliases={"division_confirmed": "confirm_division"})
            else:
                messages.success(request, _("企业信息已保存：%(name)s。") % {"name": saved.name})
                if not Entry.objects.filter(owner=request.user).exists():
                    return redirect("registration:entry_new")
                return redirect("registration:entry_list")
    else:
        initial = {}
        if instance is not None:
            initial = {
                f: getattr(instance, f)
                for f in (
                    "name",
                    "credit_code",
                    "registered_capital",
                    "employees",
                    "revenue_last_year",
                    "is_listed",
                    "industry",
                    "sme_status",
                    "contact_name",
                )
            }
            initial["founded_on"] = instance.founded_on.isoformat()
            initial["contact_phone"] = instance.contact_phone.removeprefix("+86")
        form = EnterpriseForm(initial=initial)
        derived = derive_division(instance.credit_code) if instance else None
        confirmed = bool(instance and instance.division_confirmed)
    context = {
        "form": form,
        "instance": instance,
        "derived": derived,
        "confirmed": confirmed,
        "section": "entries",
    }
    return render(request, "registration/entrant_enterprise_form.html", context)


@login_required
@require_safe
def division_lookup(request: HttpRequest) -> JsonResponse:
    """GET /me/division?code=… → the registering division of a credit code, for the enterprise form."""
    derived = derive_division(request.GET.get("code", ""))
    if derived is None:
        return JsonResponse({"ok": False, "error": _("请填写统一社会信用代码。")}, status=400)
    if derived.error:
        return JsonResponse({"ok": False, "error": derived.error}, status=400)
    return JsonResponse({"ok": True, "division_code": derived.division_code, "label": derived.label})


@login_required
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest) -> HttpResponse:
    mine = _profile(request.user)
    if mine.kind == "enterprise":
        messages.error(
            request, _("此账号已登记为企业。一个账号只能登记一家企业或一个创客团队；创客团队请另外注册账号。")
        )
        return redirect("registration:enterprise")
    instance = mine.team
    if _wants_overseas(request, instance):
        return _overseas_team(request, instance)
    provinces = list(catalog_selectors.provinces())
    cities = list(Division.objects.filter(parent__isnull=False).select_related("parent").order_by("code"))
    if request.method == "POST":
        form = TeamForm(request.POST, provinces=provinces, cities=cities)
        form.is_valid()
        rows = member_rows(request.POST)
        place_error = form.division_code()[1]
        members = [{key: row[key] for key in ("name", "role", "phone", "affiliation")} for row in rows]
        try:
            services.save_team(by=actor(request), data=form.service_data(), members=members)
        except FieldErrors as exc:
            rest = apply_member_errors(rows, exc)
            if "division" in rest:
                message = rest.pop("division")
                form.add_error("city" if place_error else "province", place_error or message)
            if rest:
                form.apply_errors(FieldErrors(rest))
        except ContestError as exc:
            form.apply_errors(exc)
        else:
            messages.success(request, _("团队信息已保存。"))
            if not Entry.objects.filter(owner=request.user).exists():
                return redirect("registration:entry_new")
            return redirect("registration:entry_list")
    else:
        initial = {}
        existing = []
        if instance is not None:
            initial = {f: getattr(instance, f) for f in ("name", "leader_name", "declares_not_enterprise")}
            initial["leader_phone"] = instance.leader_phone.removeprefix("+86")
            if instance.division is not None:
                initial["province"] = instance.division.province.code
                initial["city"] = instance.division.code if instance.division.parent_id else ""
            existing = [
                {**m, "phone": (m["phone"] or "").removeprefix("+86")}
                for m in instance.members.values("name", "role", "phone", "affiliation")
            ]
        form = TeamForm(initial=initial, provinces=provinces, cities=cities)
        rows = member_rows(None, existing=existing)
    member_errors = [e for row in rows for e in row["errors"].values()]
    context = {
        "form": form,
        "rows": rows,
        "member_errors": member_errors,
        "instance": instance,
        "section": "entries",
    }
    return render(request, "registration/entrant_team_form.html", context)


# -- overseas profiles (?overseas=1 on the same pages) ------------------------------------------


def _wants_overseas(request: HttpRequest, instance) -> bool:
    """The overseas form: asked for (?overseas=1, or the posted form's marker), or the saved profile
    is overseas (?overseas=0 shows the mainland form again, e.g. to correct a wrong choice)."""
    asked = request.GET.get("overseas") or request.POST.get("overseas")
    if asked in ("0", "1"):
        return asked == "1"
    if instance is None:
        return False
    return instance.is_overseas


def _overseas_enterprise(request: HttpRequest, instance: Enterprise | None) -> HttpResponse:
    if request.method == "POST":
        form = OverseasEnterpriseForm(request.POST)
        form.is_valid()
        try:
            saved = services.save_enterprise(by=actor(request), data=form.service_data())
        except ContestError as exc:
            form.apply_errors(exc)
        else:
            messages.success(request, _("企业信息已保存：%(name)s。") % {"name": saved.name})
            if not Entry.objects.filter(owner=request.user).exists():
                return redirect("registration:entry_new")
            return redirect("registration:entry_list")
    else:
        initial = {}
        if instance is not None and instance.is_overseas:
            initial = {
                f: getattr(instance, f)
                for f in ("country", "name", "name_translated", "registration_number", "address", "employees",
                          "is_listed", "industry", "contact_name", "contact_phone")
            }  # fmt: skip
            initial["founded_on"] = instance.founded_on.isoformat()
            initial["revenue_last_year"] = instance.revenue_last_year or ""
        form = OverseasEnterpriseForm(initial=initial)
    context = {"form": form, "instance": instance, "section": "entries"}
    return render(request, "registration/entrant_overseas_enterprise_form.html", context)


def _overseas_team(request: HttpRequest, instance: MakerTeam | None) -> HttpResponse:
    if request.method == "POST":
        form = OverseasTeamForm(request.POST)
        form.is_valid()
        rows = member_rows(request.POST, keys=OVERSEAS_MEMBER_KEYS)
        members = [{key: row[key] for key in OVERSEAS_MEMBER_KEYS} for row in rows]
        try:
            services.save_team(by=actor(request), data=form.service_data(), members=members)
        except FieldErrors as exc:
            rest = apply_member_errors(rows, exc)
            if rest:
                form.apply_errors(FieldErrors(rest))
        except ContestError as exc:
            form.apply_errors(exc)
        else:
            messages.success(request, _("团队信息已保存。"))
            if not Entry.objects.filter(owner=request.user).exists():
                return redirect("registration:entry_new")
            return redirect("registration:entry_list")
    else:
        initial, existing = {}, []
        if instance is not None and instance.is_overseas:
            initial = {
                f: getattr(instance, f)
                for f in ("name", "country", "leader_name", "leader_phone", "declares_not_enterprise")
            }
            existing = list(instance.members.values(*OVERSEAS_MEMBER_KEYS))
        form = OverseasTeamForm(initial=initial)
        rows = member_rows(None, existing=existing, keys=OVERSEAS_MEMBER_KEYS)
    context = {
        "form": form,
        "rows": rows,
        "member_errors": [e for row in rows for e in row["errors"].values()],
        "instance": instance,
        "section": "entries",
    }
    return render(request, "registration/entrant_overseas_team_form.html", context)


# -- entries -------------------------------------------------------------------------------------


@login_required
@require_safe
def entry_list(request: HttpRequest) -> HttpResponse:
    mine = _profile(request.user)
    edition = catalog_selectors.current_edition()
    entries = list(_my_entries(request.user))
    now = timezone.now()
    rows = [
        {
            "entry": entry,
            "status": STATUS_LABELS.get(entry.status, entry.get_status_display()),
            "deadline": deadline_for(
                getattr(entry.event, "registration_window", None), now, zone=entrant_time_zone(entry=entry)
            ),
            "receipt": entry.receipts[0] if entry.receipts else None,
            "editable": request.user.has_perm("registration.change_entry", entry),
        }
        for entry in entries
    ]
    active = next(
        (e for e in entries if edition is not None and e.edition_id == edition.pk and e.status in ACTIVE),
        None,
    )
    context = {
        "rows": rows,
        "profile": mine,
        "edition": edition,
        "active": active,
        "section": "entries",
    }
    return render(request, "registration/entrant_entry_list.html", context)


def _event_label(event: Event, *, suggested: bool = False) -> str:
    window = getattr(event, "registration_window", None)
    notes = []
    if suggested:
        notes.append(_("按登记地建议"))
    if event.registration_mode == RegistrationMode.EXTERNAL:
        notes.append(_("在外部网站报名"))
    elif window is None:
        notes.append(_("尚未公布报名时间"))
    elif not window.is_open(timezone.now()):
        notes.append(_("不在报名时间内"))
    else:
        notes.append(_("报名截止 %(date)s") % {"date": window.closes_on.isoformat()})
    name = f"{event.theme}｜{event.name}" if event.theme else event.name
    return f"{name}（{'；'.join(notes)}）"


@login_required
@require_http_methods(["GET", "POST"])
def entry_new(request: HttpRequest) -> HttpResponse:
    mine = _profile(request.user)
    if mine.kind is None:
        messages.info(request, _("请先填写企业或创客团队信息，再新建报名。"))
        return redirect("registration:profile")
    edition: Edition | None = catalog_selectors.current_edition()
    if edition is None:
        raise Http404("no edition")
    active = (
        Entry.objects.filter(owner=request.user, edition=edition, status__in=ACTIVE)
        .select_related("event")
        .first()
    )
    if active is not None:
        messages.info(
            request,
            _("本届每个企业（团队）只能报名一个项目，您已在“%(event)s”报名“%(title)s”。")
            % {"event": active.event.name, "title": active.title},
        )
        return redirect("registration:entry_edit", pk=active.pk)
    group_code = GROUP_FOR_PROFILE[mine.kind]
    group = EditionGroup.objects.filter(edition=edition, code=group_code).first()
    if mine.overseas:
        return _overseas_entry_new(request, mine, edition, group, group_code)
    offered = selectors.events_open_to_entrant(edition, mine.division)
    suggested, thematic = offered.regional, offered.thematic
    suggested_external = suggested is not None and suggested.registration_mode == RegistrationMode.EXTERNAL
    choices: list = [("", _("请选择赛事"))]
    if suggested is not None and not suggested_external:
        choices.append(
            (_("区域赛（按登记地/所在地）"), [(str(suggested.pk), _event_label(suggested, suggested=True))])
        )
    choices.append((_("专题赛（按行业，面向全国）"), [(str(e.pk), _event_label(e)) for e in thematic]))
    allowed = {str(e.pk): e for e in thematic}
    if suggested is not None and not suggested_external:
        allowed[str(suggested.pk)] = suggested
    initial = {"event": str(suggested.pk) if suggested is not None and not suggested_external else ""}
    if request.GET.get("event") in allowed:  # 立即报名 on an event's page names the event
        initial["event"] = request.GET["event"]
    form = NewEntryForm(request.POST or None, initial=initial, event_choices=choices)
    if request.method == "POST":
        form.is_valid()
        event = allowed.get(form.raw("event"))
        if event is None:
            form.add_error("event", _("请选择要参加的赛事。"))
        else:
            try:
                entry = services.create_entry(
                    by=actor(request), event=event, group_code=group_code, data={"title": form.raw("title")}
                )
            except ContestError as exc:
                form.apply_errors(exc)
            else:
                messages.success(request, _("草稿已创建。请继续填写项目内容，截止前提交。"))
                return redirect("registration:entry_edit", pk=entry.pk)
    context = {
        "form": form,
        "profile": mine,
        "edition": edition,
        "group": group,
        "suggested": suggested,
        "suggested_external": suggested_external,
        "suggested_links": catalog_selectors.registration_links(suggested) if suggested_external else [],
        "suggested_deadline": deadline_for(getattr(suggested, "registration_window", None))
        if suggested
        else None,
        "overseas_event": _overseas_events(edition).first(),
        "overseas_note": _(OVERSEAS_EVENT_ONLY),
        "section": "entries",
    }
    return render(request, "registration/entrant_entry_new.html", context)


def _overseas_events(edition: Edition):
    return (
        Event.objects.filter(edition=edition, tier=Tier.OVERSEAS_FINAL)
        .exclude(registration_mode=RegistrationMode.EXTERNAL)
        .select_related("registration_window")
        .order_by("seq", "pk")
    )


def _overseas_entry_new(
    request: HttpRequest, mine: Profile, edition: Edition, group, group_code: str
) -> HttpResponse:
    """An overseas entrant enters the overseas event only, at one of its stations."""
    events = list(_overseas_events(edition))
    zones = list(
        EventZone.objects.filter(event__in=events).select_related("event").order_by("event", "order", "code")
    )
    zone_name = "name_en" if (request.LANGUAGE_CODE or "").startswith("en") else "name"
    zone_choices = [(z.code, f"{getattr(z, zone_name) or z.name}（{z.time_zone}）") for z in zones]
    allowed = {str(e.pk): e for e in events}
    choices: list = [("", _("请选择赛事")), *((str(e.pk), _event_label(e)) for e in events)]
    initial = {"event": str(events[0].pk) if len(events) == 1 else ""}
    form = NewEntryForm(
        request.POST or None, initial=initial, event_choices=choices, zone_choices=zone_choices
    )
    if request.method == "POST":
        form.is_valid()
        event = allowed.get(form.raw("event"))
        if event is None:
            form.add_error("event", _("请选择要参加的赛事。"))
        else:
            try:
                entry = services.create_entry(
                    by=actor(request), event=event, group_code=group_code, data={"title": form.raw("title")},
                    zone=form.raw("zone"),
                )  # fmt: skip
            except ContestError as exc:
                form.apply_errors(exc)
            else:
                messages.success(request, _("草稿已创建。请继续填写项目内容，截止前提交。"))
                return redirect("registration:entry_edit", pk=entry.pk)
    zone = entrant_time_zone(user=request.user)
    context = {
        "form": form,
        "profile": mine,
        "edition": edition,
        "group": group,
        "events": events,
        "deadlines": [(e, deadline_for(getattr(e, "registration_window", None), zone=zone)) for e in events],
        "section": "entries",
    }
    return render(request, "registration/entrant_overseas_entry_new.html", context)


def _entry_context(request: HttpRequest, entry: Entry, **extra) -> dict:
    images = list(entry.images.all())
    return {
        "entry": entry,
        "status_label": STATUS_LABELS.get(entry.status, entry.get_status_display()),
        "status_hint": STATUS_HINTS.get(entry.status, ""),
        "deadline": deadline_for(
            getattr(entry.event, "registration_window", None), zone=entrant_time_zone(entry=entry)
        ),
        "plan_size": _size_label(entry.business_plan_size),
        "images": images,
        "receipts": list(entry.submissions.order_by("-submitted_at")),
        "can_withdraw": request.user.has_perm("registration.withdraw_entry", entry),
        "editable": request.user.has_perm("registration.change_entry", entry),
        "section": "entries",
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _my_entry_or_404(request.user, pk)
    if not request.user.has_perm("registration.change_entry", entry):
        if request.method == "POST":
            messages.error(
                request,
                _("此报名当前状态为“%(status)s”，不能修改。") % {"status": STATUS_LABELS[entry.status]},
            )
            return redirect("registration:entry_edit", pk=entry.pk)
        return render(request, "registration/entrant_entry_detail.html", _entry_context(request, entry))
    years = _entry_years(entry)
    if request.method != "POST":
        form = EntryForm(initial=entry_initial(entry, years), years=years, ip_rows=ip_rows_for(entry))
        return render(
            request, "registration/entrant_entry_form.html", _entry_context(request, entry, form=form)
        )

    form = EntryForm(request.POST.copy(), request.FILES, years=years)
    form.is_valid()
    entry, outcome = _save_entry(request, entry, form)
    if not form.has_errors and request.POST.get("action") == "submit":
        try:
            submission = services.submit_entry(by=actor(request), entry=entry)
        except ContestError as exc:
            form.apply_errors(exc)
            outcome["submit_failed"] = True
        else:
            messages.success(request, _("报名已提交。请保存或打印本回执。"))
            return redirect("registration:receipt", pk=entry.pk, submission_pk=submission.pk)
    if not form.has_errors:
        saved_at = timezone.localtime().strftime("%H:%M:%S")
        messages.success(request, _("草稿已保存（%(time)s）。") % {"time": saved_at})
        return redirect("registration:entry_edit", pk=entry.pk)
    entry.refresh_from_db()
    return render(
        request, "registration/entrant_entry_form.html", _entry_context(request, entry, form=form, **outcome)
    )


def _save_entry(request: HttpRequest, entry: Entry, form: EntryForm) -> tuple[Entry, dict]:
    """Text first, then the files, so a bad upload never costs the typed text (and vice versa).

    Returns the entry as stored and what happened, for the page to explain.
    """
    outcome = {"text_saved": False, "files_saved": False, "conflict": False}
    version = form.expected_version()
    try:
        entry = services.update_entry(
            by=actor(request), entry=entry, data=form.service_data(), expected_version=version
        )
    except FieldErrors as exc:
        form.apply_errors(exc)
    except ContestError as exc:
        form.apply_errors(exc)
        stored = Entry.objects.filter(pk=entry.pk).values_list("version", flat=True).first()
        if isinstance(exc, Conflict) and stored is not None and stored != version:
            # Another tab saved first. Keep what was typed here; saving again overwrites deliberately.
            outcome["conflict"] = True
            form.data["version"] = str(stored)
        return entry, outcome
    else:
        outcome["text_saved"] = True
        version = entry.version
    try:
        plan = form.business_plan_upload()
        images = form.image_uploads()
        if plan is not None or images:
            entry = services.update_entry(
                by=actor(request),
                entry=entry,
                data={},
                business_plan=plan,
                images=images,
                expected_version=version,
            )
            version = entry.version
            outcome["files_saved"] = True
            if plan is not None:
                _warn_identity_in_plan(request, entry, plan[1])
    except ContestError as exc:
        form.apply_errors(exc)
        outcome["file_failed"] = True
    form.data["version"] = str(version)
    return entry, outcome


def _warn_identity_in_plan(request: HttpRequest, entry: Entry, data: bytes) -> None:
    """A warning, not a refusal: the plan was saved, but its own text names the entrant — given
    only where the plan will be read in a blind review (``selectors.review_is_blind``)."""
    if not selectors.review_is_blind(entry.event):
        return
    found = services.plan_identity_hits(entry=entry, data=data)
    if found:
        messages.warning(
            request,
            _(
                "商业计划书已保存，但其中出现了可识别您身份的信息：%(found)s。本赛事的网络评审为匿名评审，"
                "评委会看到 PDF 原文；建议删去这些信息后重新上传。"
            )
            % {"found": "、".join(found[:6])},
        )


@login_required
@require_http_methods(["GET", "POST"])
def entry_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _my_entry_or_404(request.user, pk)
    if not request.user.has_perm("registration.withdraw_entry", entry):
        messages.error(
            request, _("此报名当前状态为“%(status)s”，不能撤回。") % {"status": STATUS_LABELS[entry.status]}
        )
        return redirect("registration:entry_edit", pk=entry.pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_entry(by=actor(request), entry=entry, reason=form.cleaned_data["reason"])
        except ContestError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("报名“%(title)s”已撤回。") % {"title": entry.title})
        return redirect("registration:entry_list")
    context = {"entry": entry, "form": form, "section": "entries"}
    return render(request, "registration/entrant_entry_withdraw.html", context)


@login_required
@require_safe
def receipt(request: HttpRequest, pk: int, submission_pk: int) -> HttpResponse:
    submission = (
        Submission.objects.filter(pk=submission_pk, entry_id=pk, entry__owner=request.user)
        .select_related("entry__event", "entry__group", "entry__enterprise", "entry__team")
        .first()
    )
    if submission is None:
        raise Http404("no such receipt of yours")
    files = [
        {**f, "role_label": _("商业计划书") if f.get("role") == "business_plan" else _("项目图片")}
        for f in submission.manifest.get("files", [])
    ]
    context = {
        "submission": submission,
        "entry": submission.entry,
        "files": files,
        "submitted_at": local(submission.submitted_at),
        "section": "entries",
    }
    return render(request, "registration/receipt.html", context)


# -- files: permission-checked, never from a public media URL -------------------------------------


def _viewable_entry_or_404(request: HttpRequest, pk: int) -> Entry:
    entry = Entry.objects.filter(pk=pk).select_related("event", "edition").first()
    if entry is None or not request.user.has_perm("registration.view_entry", entry):
        raise Http404("no such entry")
    return entry


IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp"}


@login_required
@require_safe
def entry_business_plan(request: HttpRequest, pk: int) -> FileResponse:
    """The business plan, inline, to the owner, the event's organizers and the secretariat (404 otherwise)."""
    entry = _viewable_entry_or_404(request, pk)
    if not entry.business_plan:
        raise Http404("no business plan uploaded")
    return upload_response(
        entry.business_plan, content_type="application/pdf", filename=entry.business_plan_name
    )


@login_required
@require_safe
def entry_image(request: HttpRequest, pk: int, image_pk: int) -> FileResponse:
    entry = _viewable_entry_or_404(request, pk)
    image = EntryImage.objects.filter(pk=image_pk, entry=entry).first()
    if image is None:
        raise Http404("no such image")
    content_type = IMAGE_TYPES.get(image.extension, "application/octet-stream")
    return upload_response(image.file, content_type=content_type, filename=image.name)


@login_required
@require_POST
def entry_image_remove(request: HttpRequest, pk: int, image_pk: int) -> HttpResponse:
    entry = _my_entry_or_404(request.user, pk)
    image = EntryImage.objects.filter(pk=image_pk, entry=entry).first()
    if image is None:
        raise Http404("no such image")
    try:
        services.remove_image(by=actor(request), image=image)
    except ContestError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("图片“%(name)s”已删除。") % {"name": image.name})
    return redirect(reverse("registration:entry_edit", args=[entry.pk]) + "#images")
