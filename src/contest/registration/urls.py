"""Entrant pages: profile, entries, receipts (owned by the entrant-UI work)."""

from django.urls import path  # noqa: F401

app_name = "registration"
urlpatterns: list = []
