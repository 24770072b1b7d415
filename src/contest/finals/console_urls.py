from django.urls import path  # noqa: F401

app_name = "finals_console"
urlpatterns: list = []
