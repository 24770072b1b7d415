"""The organizer's console for an event's stations (赛区站点): list, add, edit, delete.

Whoever may not manage the event's stations (``catalog.manage_event_zones``: its organizers and
the secretariat) gets a 404 for the event and every station of it.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contest.catalog import services
from contest.catalog.countries import country_choices, country_name
from contest.catalog.models import Event, EventZone
from contest.core.errors import ContestError, FieldErrors
from contest.core.forms import HardenedForm
from contest.core.views import READ_WRITE, WRITE, ConsoleView, Lookup, actor, show_refusal

MANAGE = "catalog.manage_event_zones"


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


EVENT = Lookup("event", lambda request, pk, found: Event.objects.filter(pk=pk).first(), perm=MANAGE)
ZONE = Lookup(
    "zone",
    lambda request, pk, found: EventZone.objects.filter(pk=pk, event=found.get("event")).first(),
)
zone_view = ConsoleView(gate=_signed_in, lookups=(EVENT, ZONE))


class ZoneForm(HardenedForm, forms.Form):
    code = forms.CharField(
        label=gettext_lazy("代码"),
        required=False,
        help_text=gettext_lazy("小写字母、数字或连字符，例如 sg。"),
    )
    name = forms.CharField(label=gettext_lazy("名称"), required=False)
    name_en = forms.CharField(label=gettext_lazy("英文名称"), required=False)
    country = forms.CharField(label=gettext_lazy("国家或地区"), required=False, widget=forms.Select())
    time_zone = forms.CharField(
        label=gettext_lazy("时区（IANA）"),
        required=False,
        help_text=gettext_lazy("例如 Europe/Berlin、Asia/Singapore、Asia/Hong_Kong。"),
    )
    order = forms.CharField(label=gettext_lazy("排序"), required=False, initial="0")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].widget.choices = [("", _("请选择")), *country_choices()]

    def data_for_service(self) -> dict[str, str]:
        return {name: str(self.data.get(name, "")) for name in services.ZONE_FIELDS}

    def show(self, exc: ContestError) -> None:
        fields = exc.fields if isinstance(exc, FieldErrors) else {None: exc.message}
        for key, message in fields.items():
            self.add_error(key if key in self.fields else None, message)


def _page(
    request: HttpRequest, event: Event, form: ZoneForm, editing: EventZone | None = None
) -> HttpResponse:
    zones = list(EventZone.objects.filter(event=event).order_by("order", "code"))
    rows = [{"zone": z, "country": country_name(z.country) if z.country else ""} for z in zones]
    context = {"event": event, "rows": rows, "form": form, "editing": editing}
    return render(request, "catalog/console_zones.html", context)


@zone_view(READ_WRITE)
def zone_list(request: HttpRequest, event: Event) -> HttpResponse:
    """GET: the stations and an empty form; POST: add a station."""
    if request.method != "POST":
        return _page(request, event, ZoneForm())
    form = ZoneForm(request.POST)
    form.is_valid()
    try:
        zone = services.create_zone(by=actor(request), event=event, data=form.data_for_service())
    except ContestError as exc:
        form.show(exc)
        return _page(request, event, form)
    messages.success(request, _("已添加站点“%(name)s”。") % {"name": zone.name})
    return redirect("catalog:zone_list", event_id=event.pk)


@zone_view(READ_WRITE)
def zone_edit(request: HttpRequest, event: Event, zone: EventZone) -> HttpResponse:
    if request.method != "POST":
        initial = {name: getattr(zone, name) for name in services.ZONE_FIELDS}
        return _page(request, event, ZoneForm(initial=initial), editing=zone)
    form = ZoneForm(request.POST)
    form.is_valid()
    try:
        services.update_zone(by=actor(request), zone=zone, data=form.data_for_service())
    except ContestError as exc:
        form.show(exc)
        return _page(request, event, form, editing=zone)
    messages.success(request, _("站点已保存。"))
    return redirect("catalog:zone_list", event_id=event.pk)


@zone_view(WRITE)
def zone_delete(request: HttpRequest, event: Event, zone: EventZone) -> HttpResponse:
    try:
        services.delete_zone(by=actor(request), zone=zone)
    except ContestError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("已删除站点“%(name)s”。") % {"name": zone.name})
    return redirect("catalog:zone_list", event_id=event.pk)
