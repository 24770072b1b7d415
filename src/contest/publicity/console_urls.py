from django.urls import path

from contest.publicity.views import console

app_name = "publicity_console"
urlpatterns = [
    path("", console.notice_list, name="list"),
    path("new/", console.notice_create, name="create"),
    path("<int:notice_id>/", console.notice_detail, name="detail"),
    path("<int:notice_id>/publish/", console.notice_publish, name="publish"),
    path("<int:notice_id>/revise/", console.notice_revise, name="revise"),
    path("<int:notice_id>/finalize/", console.notice_finalize, name="finalize"),
    path("<int:notice_id>/objections/", console.objection_list, name="objections"),
    path("<int:notice_id>/objections/<int:objection_id>/", console.objection_answer, name="answer"),
    path(
        "<int:notice_id>/objections/<int:objection_id>/evidence/", console.objection_evidence, name="evidence"
    ),
    path("<int:notice_id>/export/items.xlsx", console.export_items, name="export_items"),
    path("<int:notice_id>/export/objections.xlsx", console.export_objections, name="export_objections"),
]
