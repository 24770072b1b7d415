"""Entrant pages: profile, entries, receipts (mounted at /me/)."""

from django.urls import path

from contest.registration.views import entrant, personal_data

app_name = "registration"
urlpatterns = [
    path("", entrant.home, name="home"),
    path("profile/", entrant.profile, name="profile"),
    path("privacy/", personal_data.privacy_page, name="privacy"),
    path("privacy/my-data.json", personal_data.privacy_download, name="privacy_download"),
    path("profile/enterprise/", entrant.enterprise, name="enterprise"),
    path("profile/team/", entrant.team, name="team"),
    path("division", entrant.division_lookup, name="division_lookup"),
    path("entries/", entrant.entry_list, name="entry_list"),
    path("entries/new/", entrant.entry_new, name="entry_new"),
    path("entries/<int:pk>/", entrant.entry_edit, name="entry_edit"),
    path("entries/<int:pk>/withdraw/", entrant.entry_withdraw, name="entry_withdraw"),
    path("entries/<int:pk>/receipts/<int:submission_pk>/", entrant.receipt, name="receipt"),
    path("entries/<int:pk>/plan.pdf", entrant.entry_business_plan, name="entry_business_plan"),
    path("entries/<int:pk>/images/<int:image_pk>/", entrant.entry_image, name="entry_image"),
    path(
        "entries/<int:pk>/images/<int:image_pk>/remove/",
        entrant.entry_image_remove,
        name="entry_image_remove",
    ),
]
