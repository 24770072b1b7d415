from django.urls import path

from contest.awards.views import console as v

app_name = "awards_console"
P = "<int:event_id>/<slug:group_code>/"
urlpatterns = [
    path("", v.index, name="index"),
    path(P, v.table, name="table"),
    path(P + "add/", v.add_award, name="add"),
    path(P + "levels/", v.add_level, name="add_level"),
    path(P + "plan/", v.plan, name="plan"),
    path(P + "confirm/", v.confirm, name="confirm"),
    path(P + "awards/<int:award_id>/edit/", v.edit_award, name="edit"),
    path(P + "awards/<int:award_id>/remove/", v.remove_award, name="remove"),
    path(P + "awards/<int:award_id>/revoke/", v.revoke, name="revoke"),
    path(P + "certificates/generate/", v.generate, name="generate"),
    path(P + "certificates/batches/<int:batch_id>/", v.batch_page, name="batch"),
    path(P + "certificates/batches/<int:batch_id>/status.json", v.batch_status, name="batch_status"),
    path(P + "certificates/<int:certificate_id>/download/", v.download, name="download"),
    path(P + "certificates/<int:certificate_id>/void/", v.void_certificate, name="void"),
    path(P + "certificates.zip", v.download_zip, name="zip"),
    path(P + "export.xlsx", v.export, name="export"),
]
