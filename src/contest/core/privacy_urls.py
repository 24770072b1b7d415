"""The privacy notice, mounted at /privacy/."""

from django.urls import path

from contest.core import privacy_views

app_name = "privacy"
urlpatterns = [
    path("", privacy_views.notice, name="notice"),
    path("accept/", privacy_views.accept, name="accept"),
]
