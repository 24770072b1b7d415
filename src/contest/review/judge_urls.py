"""The judge's workspace (mounted at /judge/)."""

from django.urls import path

from contest.review.views import judge

app_name = "judge"
urlpatterns = [
    path("", judge.home, name="home"),
    path("rounds/<int:round_pk>/", judge.round_detail, name="round"),
    path("rounds/<int:round_pk>/entries/<str:code>/", judge.entry, name="entry"),
    path("rounds/<int:round_pk>/entries/<str:code>/recuse/", judge.recuse, name="recuse"),
    path("rounds/<int:round_pk>/entries/<str:code>/plan.pdf", judge.plan, name="plan"),
]
