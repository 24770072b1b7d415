from django.urls import path

from contest.publicity.views import public

app_name = "publicity"
urlpatterns = [
    path("", public.notice_index, name="index"),
    path("<int:notice_id>/", public.notice_detail, name="detail"),
    path("<int:notice_id>/objection/", public.objection_create, name="objection_create"),
    path("objections/receipt/", public.objection_receipt, name="objection_receipt"),
    path("objections/status/", public.objection_status, name="objection_status"),
]
