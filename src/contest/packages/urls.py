from django.urls import path

from contest.packages import views as v

app_name = "packages"
E = "<int:event_id>/"
J = E + "imports/<int:import_id>/"
urlpatterns = [
    path(E, v.index, name="index"),
    path(E + "template.xlsx", v.template, name="template"),
    path(J, v.detail, name="detail"),
    path(J + "status.json", v.status, name="status"),
    path(J + "confirm/", v.confirm, name="confirm"),
    path(J + "cancel/", v.cancel, name="cancel"),
    path(J + "report/", v.report, name="report"),
]
