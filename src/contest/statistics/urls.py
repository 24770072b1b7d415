"""The statistics dashboard under /console/stats/. Every route answers 404 outside the user's
scope (tests/statistics/test_views.py walks them all)."""

from django.urls import path

from contest.statistics import views

app_name = "statistics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<slug:slug>/", views.chart, name="chart"),
]
