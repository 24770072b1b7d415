"""Organizer console: entries of the events the user organizes (owned by the console work)."""

from django.urls import path  # noqa: F401

app_name = "console"
urlpatterns: list = []
