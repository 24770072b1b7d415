"""The chair's and the judges' stage pages (mounted under /live/ by finals.urls, whose app_name
is ``finals``: the names are ``finals:judge_home``, ``finals:judge`` and ``finals:chair``)."""

from django.urls import path

from contest.finals.views import stage

urlpatterns = [
    path("judge/", stage.judge_home, name="judge_home"),
    path("sessions/<int:session_id>/judge/", stage.judge, name="judge"),
    path("sessions/<int:session_id>/chair/", stage.chair, name="chair"),
]
