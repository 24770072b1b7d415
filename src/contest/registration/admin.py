"""Django admin for registration: read-mostly.

Entries, receipts, history and duplicate flags are read-only here (they change through the
lifecycle services only) and are filtered through the tenancy selector. Eligibility rules and
registration windows are edited by the secretariat; their saves go through the audited services
(``save_eligibility_rule``, ``delete_eligibility_rule``, ``set_registration_window``).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from contest.accounts.rules import secretariat_edition_ids
from contest.catalog.admin import form_changes
from contest.core.errors import FieldErrors
from contest.core.forms import HardenedForm
from contest.registration import selectors, services
from contest.registration.models import (
    DuplicateFlag,
    EligibilityRule,
    Enterprise,
    Entry,
    EntryTransition,
    MakerTeam,
    RegistrationWindow,
    Submission,
    TeamMember,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by the secretariat; nothing is added, changed or deleted here."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return bool(secretariat_edition_ids(request.user)) and super().has_view_permission(request, obj)


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    fields = ("order", "name", "role", "phone", "affiliation")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Enterprise)
class EnterpriseAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "country",
        "credit_code",
        "registration_number",
        "division",
        "founded_on",
        "employees",
        "revenue_last_year",
        "is_listed",
    )
    list_filter = ("country", "is_listed", "industry", "sme_status")
    search_fields = ("name", "name_translated", "credit_code", "registration_number", "contact_name")
    list_select_related = ("division",)


@admin.register(MakerTeam)
class MakerTeamAdmin(ReadOnlyAdmin):
    list_display = ("name", "leader_name", "division", "declares_not_enterprise")
    search_fields = ("name", "leader_name")
    list_select_related = ("division",)
    inlines = [TeamMemberInline]


class TransitionInline(admin.TabularInline):
    model = EntryTransition
    extra = 0
    fields = ("at", "from_status", "to_status", "actor", "is_override", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "event", "group", "status", "source", "submitted_at")
    list_filter = ("status", "source", "group__code", "edition")
    search_fields = ("title", "number", "credit_code", "enterprise__name", "team__name")
    list_select_related = ("event", "group")
    # Uploaded files are never linked by their storage path (not public); the plan is opened through
    # the console's permission-checked download instead.
    exclude = ("summary_simhash", "business_plan")
    readonly_fields = ("business_plan_link",)
    inlines = [TransitionInline]

    def get_queryset(self, request):
        return selectors.entries_for_user(request.user).select_related("event", "group")

    @admin.display(description=_("商业计划书"))
    def business_plan_link(self, entry: Entry) -> str:
        if not entry.business_plan:
            return "—"
        url = reverse("console:entry_plan", args=[entry.pk])
        return format_html('<a href="{}">{}</a>', url, entry.business_plan_name or _("下载"))


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ("number", "entry", "submitted_at", "sha256")
    search_fields = ("number", "sha256", "entry__title")
    list_select_related = ("entry",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(entry__in=selectors.entries_for_user(request.user))


@admin.register(DuplicateFlag)
class DuplicateFlagAdmin(ReadOnlyAdmin):
    list_display = ("entry", "other", "field", "score", "created_at")
    list_filter = ("field",)
    list_select_related = ("entry", "other")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(entry__in=selectors.entries_for_user(request.user))


class EligibilityRuleForm(HardenedForm, forms.ModelForm):
    class Meta:
        model = EligibilityRule
        fields = ("edition", "group_code", "kind", "value", "message", "is_active")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["value"] = services.clean_eligibility_rule(
                edition_id=data["edition"].pk, group_code=data["group_code"], kind=data["kind"],
                value=data.get("value", ""),
            )  # fmt: skip
        except FieldErrors as exc:
            raise ValidationError(exc.fields) from exc
        return data


@admin.register(EligibilityRule)
class EligibilityRuleAdmin(admin.ModelAdmin):
    form = EligibilityRuleForm
    list_display = ("edition", "group_code", "kind", "value", "is_active")
    list_filter = ("edition", "group_code", "kind", "is_active")

    def save_model(self, request, obj, form, change):
        services.save_eligibility_rule(
            by=request.user, rule=obj, changed=form_changes(form) if change else {}
        )

    def delete_model(self, request, obj):
        services.delete_eligibility_rule(by=request.user, rule=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.delete_eligibility_rule(by=request.user, rule=obj)


class RegistrationWindowForm(HardenedForm, forms.ModelForm):
    class Meta:
        model = RegistrationWindow
        fields = ("event", "opens_at", "closes_on")

    def clean(self):
        data = super().clean()
        opens_at, closes_on = data.get("opens_at"), data.get("closes_on")
        if opens_at and closes_on and timezone.localtime(opens_at).date() > closes_on:
            raise ValidationError({"closes_on": "报名截止日不能早于开始日期。"})
        return data


@admin.register(RegistrationWindow)
class RegistrationWindowAdmin(admin.ModelAdmin):
    form = RegistrationWindowForm
    list_display = ("event", "opens_at", "closes_on")
    list_select_related = ("event",)
    search_fields = ("event__name",)
    autocomplete_fields = ["event"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(event__in=selectors.events_for_user(request.user))

    def save_model(self, request, obj, form, change):
        window = services.set_registration_window(
            by=request.user, event=obj.event, opens_at=obj.opens_at, closes_on=obj.closes_on
        )
        obj.pk = window.pk

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # closing registration is a new window, recorded; not a deletion
