"""Pages for experts of the pool who may have no account yet (mounted at /experts/)."""

from django.urls import path

from contest.review.views import expert_email

app_name = "experts"
urlpatterns = [
    path("email/<str:token>/", expert_email.verify_expert_email, name="verify_email"),
]
