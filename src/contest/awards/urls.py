from django.urls import path

from contest.awards.views import public

app_name = "awards"
urlpatterns = [
    path("verify/", public.verify_form, name="verify_form"),
    path("verify/<str:code>/", public.verify, name="verify"),
    path("mine/", public.my_certificates, name="mine"),
    path("mine/<int:certificate_id>/download/", public.my_certificate_download, name="mine_download"),
]
