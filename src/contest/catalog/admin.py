"""Django admin for the secretariat. Every save and delete goes through the catalog's
audited services (services.save_catalog_object / delete_catalog_object)."""

from django.contrib import admin
from django.db import models

from contest.catalog import services
from contest.catalog.models import (
    Division,
    Edition,
    EditionGroup,
    Event,
    EventOrganization,
    EventZone,
    Organization,
)
from contest.core.errors import FieldErrors
from contest.core.forms import HardenedModelForm


def _plain(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple):
        return [_plain(v) for v in value]
    return value


def form_changes(form) -> dict:
    changes = {}
    for name in form.changed_data:
        before, after = _plain(form.initial.get(name)), _plain(form.cleaned_data.get(name))
        if (
            isinstance(before, str)
            and not isinstance(after, str)
            and form.fields[name].__class__.__name__ == "JSONField"
        ):
            before = form.fields[name].to_python(before)
        if before != after:
            changes[name] = {"before": before, "after": after}
    return changes


class AuditedAdmin(admin.ModelAdmin):
    form = HardenedModelForm

    def save_model(self, request, obj, form, change):
        services.save_catalog_object(obj=obj, by=request.user, changed=form_changes(form), created=not change)

    def delete_model(self, request, obj):
        services.delete_catalog_object(obj=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.delete_catalog_object(obj=obj, by=request.user)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.delete_catalog_object(obj=obj, by=request.user)
        changed = {id(f.instance): f for f in formset.forms if f.has_changed()}
        for obj in instances:
            inline_form = changed.get(id(obj))
            services.save_catalog_object(
                obj=obj, by=request.user, changed=form_changes(inline_form) if inline_form else {},
                created=obj.pk is None,
            )  # fmt: skip
        formset.save_m2m()


class EditionGroupInline(admin.TabularInline):
    form = HardenedModelForm
    model = EditionGroup
    extra = 0


@admin.register(Edition)
class EditionAdmin(AuditedAdmin):
    list_display = ("number", "year", "title", "is_current", "official_site")
    inlines = [EditionGroupInline]


class EventOrganizationInline(admin.TabularInline):
    form = HardenedModelForm
    model = EventOrganization
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(Event)
class EventAdmin(AuditedAdmin):
    list_display = ("name", "tier", "seq", "location", "province", "registration_mode", "edition")
    list_filter = ("edition", "tier", "registration_mode", "province")
    search_fields = ("name", "location", "theme")
    ordering = ("edition", "tier", "seq")
    list_select_related = ("province", "edition")
    autocomplete_fields = ["province", "city"]
    filter_horizontal = ["served_divisions"]
    inlines = [EventOrganizationInline]

    def save_related(self, request, form, formsets, change):
        before = set(form.instance.served_divisions.values_list("code", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(form.instance.served_divisions.values_list("code", flat=True))
        if before != after:
            services.save_catalog_object(
                obj=form.instance, by=request.user, created=False,
                changed={"served_divisions": {"before": sorted(before), "after": sorted(after)}},
            )  # fmt: skip


class EventZoneForm(HardenedModelForm):
    """The same checks as the organizer's console (services.clean_zone): IANA zone, ISO country."""

    def clean(self):
        cleaned = super().clean()
        try:
            services.clean_zone({key: cleaned.get(key) for key in services.ZONE_FIELDS})
        except FieldErrors as exc:
            for key, message in exc.fields.items():
                if key in self.fields and key not in self.errors:
                    self.add_error(key, message)
        return cleaned


@admin.register(EventZone)
class EventZoneAdmin(AuditedAdmin):
    """Stations of an event (the overseas final's 香港, 新加坡 …); a station with entries is
    protected from deletion by the database (PROTECT), which the admin reports."""

    form = EventZoneForm
    list_display = ("name", "code", "name_en", "country", "time_zone", "order", "event")
    list_filter = ("event__edition", "event__tier")
    search_fields = ("name", "name_en", "code")
    list_select_related = ("event",)
    autocomplete_fields = ["event"]


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    """Divisions are data (data/divisions.csv, loaded by a migration): read-only here."""

    list_display = ("code", "name", "short_name", "level", "parent", "is_standard")
    list_filter = ("level", "is_standard")
    search_fields = ("code", "name", "short_name", "aliases")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
