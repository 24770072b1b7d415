"""Sign-up, sign-in, e-mail verification, password reset, invitations."""

from django.urls import path  # noqa: F401

app_name = "accounts"
urlpatterns: list = []
