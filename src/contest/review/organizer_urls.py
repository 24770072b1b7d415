"""Organizer and secretariat review pages under /console/review/. Every route answers 404 outside
the user's scope (tests/review/test_review_tenancy.py walks them all from the resolver)."""

from django.urls import path

from contest.review.views import organizer as v
from contest.review.views.organizer import recommendations as rec

app_name = "review"
urlpatterns = [
    path("", v.round_list, name="round_list"),
    path("rounds/new", v.round_create, name="round_create"),
    path("rounds/<int:round_id>/", v.round_detail, name="round_detail"),
    path("rounds/<int:round_id>/edit", v.round_edit, name="round_edit"),
    path("rounds/<int:round_id>/status", v.round_status, name="round_status"),
    path("rounds/<int:round_id>/entries", v.round_entries, name="round_entries"),
    path("rounds/<int:round_id>/judges", v.round_judges, name="round_judges"),
    path("rounds/<int:round_id>/conflicts", v.conflicts, name="conflicts"),
    path("rounds/<int:round_id>/assignment", v.assignment, name="assignment"),
    path("rounds/<int:round_id>/assignment/run.json", v.assignment_status, name="assignment_status"),
    path(
        "rounds/<int:round_id>/assignment/<int:round_entry_id>", v.assignment_entry, name="assignment_entry"
    ),
    path("rounds/<int:round_id>/progress", v.progress, name="progress"),
    path("rounds/<int:round_id>/ranking", v.ranking, name="ranking"),
    path("rounds/<int:round_id>/snapshots/<int:snapshot_id>", v.snapshot_detail, name="snapshot_detail"),
    path("rounds/<int:round_id>/advancement", v.advancement, name="advancement"),
    path("rounds/<int:round_id>/export/<slug:kind>.xlsx", v.export, name="export"),
    path("experts/", v.expert_list, name="expert_list"),
    path("experts/new", v.expert_create, name="expert_create"),
    path("experts/import", v.expert_import, name="expert_import"),
    path("experts/import/template.xlsx", v.expert_import_template, name="expert_import_template"),
    path("experts/<int:expert_id>/edit", v.expert_edit, name="expert_edit"),
    path("experts/<int:expert_id>/invite", v.expert_invite, name="expert_invite"),
    path("experts/<int:expert_id>/verify", v.expert_send_verification, name="expert_send_verification"),
    # recommendations into the national review: the event is named by ?event=<id> (404 outside the scope)
    path("recommendations/", rec.recommendation_checklist, name="recommendation_checklist"),
    path("recommendations/export", rec.recommendation_export, name="recommendation_export"),
    path("recommendations/remind", rec.recommendation_remind, name="recommendation_remind"),
    path("recommendations/event", rec.recommendation_event, name="recommendation_event"),
    path("recommendations/quotas", rec.recommendation_quotas, name="recommendation_quotas"),
]
