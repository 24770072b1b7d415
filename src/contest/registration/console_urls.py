"""Organizer console (资格审查): entries of the events the user organizes, or of the
secretariat's edition. Every route answers 404 outside the user's scope (tests walk them all)."""

from django.urls import path

from contest.registration.views import console

app_name = "console"
urlpatterns = [
    path("", console.home, name="home"),
    path("events/<int:event_id>/entries/", console.entry_list, name="entry_list"),
    path("events/<int:event_id>/entries.xlsx", console.entry_export, name="entry_export"),
    path("events/<int:event_id>/window", console.window, name="window"),
    path("events/<int:event_id>/import", console.entry_import, name="entry_import"),
    path("events/<int:event_id>/import/template.xlsx", console.import_template, name="import_template"),
    path("entries/<int:entry_id>/", console.entry_detail, name="entry_detail"),
    path("entries/<int:entry_id>/review", console.entry_review, name="entry_review"),
    path("entries/<int:entry_id>/plan.pdf", console.entry_plan, name="entry_plan"),
]
