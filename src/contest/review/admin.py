"""Django admin for review: read-only, for the secretariat to look things up.

Every review write goes through the audited services (the organizer console at /console/review/,
the judge workspace, the API); nothing is added, changed or deleted here. Round-scoped rows are
filtered through the organizer tenancy selector, so an edition's secretariat sees its own
edition's rounds only.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy

from contest.accounts.rules import secretariat_edition_ids
from contest.review.models import (
    AdvancementDecision,
    Assignment,
    AssignmentRun,
    Conflict,
    Expert,
    Quota,
    RankingSnapshot,
    ReviewRound,
    RoundEntry,
    RoundJudge,
    ScoreSheet,
)
from contest.review.organizer_selectors import rounds_for_user


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by the secretariat; every field read-only; no add, change or delete."""

    #: the path from this model to its ReviewRound ("" for the round itself; None: not round-scoped)
    round_path: str | None = None

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return bool(secretariat_edition_ids(request.user)) and super().has_view_permission(request, obj)

    def has_module_permission(self, request) -> bool:
        return bool(secretariat_edition_ids(request.user)) and super().has_module_permission(request)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.round_path is None:
            return queryset
        key = f"{self.round_path}__in" if self.round_path else "pk__in"
        return queryset.filter(**{key: rounds_for_user(request.user).values("pk")})


@admin.register(Expert)
class ExpertAdmin(ReadOnlyAdmin):
    list_display = ("name", "organization_name", "title", "kind", "phone", "email", "user", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "organization_name", "phone", "email")
    list_select_related = ("user",)


@admin.register(Conflict)
class ConflictAdmin(ReadOnlyAdmin):
    list_display = ("expert", "entry", "kind", "source", "reason", "created_by", "created_at")
    list_filter = ("kind", "source")
    search_fields = ("expert__name", "entry__title", "entry__number", "reason")
    list_select_related = ("expert", "entry", "created_by")

    def get_queryset(self, request):
        editions = secretariat_edition_ids(request.user)
        queryset = super().get_queryset(request)
        return queryset if None in editions else queryset.filter(entry__edition_id__in=sorted(editions))


@admin.register(ReviewRound)
class ReviewRoundAdmin(ReadOnlyAdmin):
    round_path = ""
    list_display = ("name", "event", "edition", "stage", "status", "judges_per_entry", "blind", "created_at")
    list_filter = ("edition", "stage", "status", "blind")
    search_fields = ("name", "event__name")
    list_select_related = ("event", "edition")


@admin.register(RoundEntry)
class RoundEntryAdmin(ReadOnlyAdmin):
    round_path = "round"
    list_display = ("code", "round", "entry", "carried_score", "source_round", "added_at")
    search_fields = ("code", "entry__title", "entry__number")
    list_select_related = ("round__event", "entry")


@admin.register(RoundJudge)
class RoundJudgeAdmin(ReadOnlyAdmin):
    round_path = "round"
    list_display = ("round", "expert", "max_load", "available")
    list_filter = ("available",)
    search_fields = ("expert__name",)
    list_select_related = ("round__event", "expert")


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    round_path = "round"
    list_display = ("round", "round_entry", "expert", "source", "match_score", "created_at")
    list_filter = ("source",)
    search_fields = ("round_entry__code", "expert__name")
    list_select_related = ("round__event", "round_entry", "expert")


@admin.register(ScoreSheet)
class ScoreSheetAdmin(ReadOnlyAdmin):
    round_path = "assignment__round"
    list_display = ("assignment_label", "status", "total", "submitted_at", "version", "updated_at")
    list_filter = ("status",)
    list_select_related = ("assignment__round_entry", "assignment__expert")

    # Sorting by the assignment itself would follow Assignment → round → … orderings into a loop
    # (Django refuses with "Infinite loop caused by ordering"): sort by its id.
    @admin.display(description=gettext_lazy("分配"), ordering="assignment_id")
    def assignment_label(self, sheet: ScoreSheet) -> str:
        return str(sheet.assignment)


@admin.register(AssignmentRun)
class AssignmentRunAdmin(ReadOnlyAdmin):
    round_path = "round"
    list_display = ("round", "status", "progress", "message", "requested_by", "created_at", "finished_at")
    list_filter = ("status",)
    list_select_related = ("round__event", "requested_by")


@admin.register(Quota)
class QuotaAdmin(ReadOnlyAdmin):
    round_path = "round"
    list_display = ("round", "group_code", "kind", "count", "percent", "floor", "cap", "total", "taken")
    list_select_related = ("round__event",)


@admin.register(RankingSnapshot)
class RankingSnapshotAdmin(ReadOnlyAdmin):
    round_path = "round"
    list_display = ("round", "group_code", "industry", "sha256", "created_by", "created_at", "published_at")
    list_select_related = ("round__event", "created_by")


@admin.register(AdvancementDecision)
class AdvancementDecisionAdmin(ReadOnlyAdmin):
    round_path = "round"
    list_display = ("round", "round_entry", "decision", "rank", "score", "staged_by", "published_at")
    list_filter = ("decision",)
    list_select_related = ("round__event", "round_entry", "staged_by")
