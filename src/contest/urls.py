from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from contest.api.urls import api

admin.site.site_header = "“创客中国”大赛平台 · 秘书处管理"
admin.site.site_title = "创客中国大赛平台"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("contest.accounts.urls")),
    path("me/", include("contest.registration.urls")),
    path("console/review/", include("contest.review.organizer_urls")),
    path("console/finals/", include("contest.finals.console_urls")),
    path("console/awards/", include("contest.awards.console_urls")),
    path("console/notices/", include("contest.publicity.console_urls")),
    path("console/stats/", include("contest.statistics.urls")),
    path("console/", include("contest.registration.console_urls")),
    path("judge/", include("contest.review.judge_urls")),
    path("live/", include("contest.finals.urls")),
    path("notices/", include("contest.publicity.urls")),
    path("certificates/", include("contest.awards.urls")),
    path("", include("contest.catalog.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
