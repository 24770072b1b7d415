"""The organizer's finals console (/console/finals/). Every route answers 404 outside the user's
scope (tests/finals/test_console_views.py walks them all from the resolver)."""

from django.urls import path

from contest.finals.views import console as v

app_name = "finals_console"
urlpatterns = [
    path("", v.session_list, name="session_list"),
    path("sessions/new", v.session_create, name="session_create"),
    path("sessions/<int:session_id>/", v.session_detail, name="session_detail"),
    path("sessions/<int:session_id>/edit", v.session_edit, name="session_edit"),
    path("sessions/<int:session_id>/status", v.session_status, name="session_status"),
    path("sessions/<int:session_id>/slots", v.session_slots, name="session_slots"),
    path("sessions/<int:session_id>/judges", v.session_judges, name="session_judges"),
    path("sessions/<int:session_id>/draw", v.session_draw, name="session_draw"),
    path("sessions/<int:session_id>/report.pdf", v.session_report, name="session_report"),
]
