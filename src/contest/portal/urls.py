"""/console/portal/: an event's credentials for its own registration site (the portal API)."""

from django.urls import path

from contest.portal import views

app_name = "portal"
urlpatterns = [
    path("events/<int:event_id>/", views.clients, name="clients"),
    path("clients/<int:client_pk>/revoke", views.revoke, name="revoke"),
]
