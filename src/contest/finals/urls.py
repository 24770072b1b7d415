"""Everything under /live/: the public screens, the stage timer, the notary's view and the
event stream they share (``finals.views.screens``), and the chair's and judges' stage pages
(``finals.stage_urls``)."""

from django.urls import include, path

from contest.finals.views import screens

app_name = "finals"
urlpatterns = [
    path("", include("contest.finals.stage_urls")),
    path("sessions/<int:session_id>/screen/", screens.screen, name="screen"),
    path("sessions/<int:session_id>/timer/", screens.timer, name="timer"),
    path("sessions/<int:session_id>/notary/", screens.notary, name="notary"),
    path("sessions/<int:session_id>/notary/link", screens.notary_link, name="notary_link"),
    path("sessions/<int:session_id>/events", screens.events, name="events"),
    path("sessions/<int:session_id>/state.json", screens.state, name="state"),
]
