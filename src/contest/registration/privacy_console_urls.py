"""Erasure requests waiting for confirmation (mounted at /console/privacy/)."""

from django.urls import path

from contest.registration.views import personal_data

app_name = "privacy_console"
urlpatterns = [
    path("", personal_data.console_requests, name="requests"),
    path("<int:pk>/decide", personal_data.console_decide, name="decide"),
]
