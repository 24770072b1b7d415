from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from contest.api.urls import api

admin.site.site_header = _("“创客中国”大赛平台 · 秘书处管理")
admin.site.site_title = _("创客中国大赛平台")
admin.site.index_title = _("数据管理")

urlpatterns = [
    # Browsers ask for /favicon.ico on pages that name no icon (downloads, the API docs).
    path("favicon.ico", lambda request: HttpResponsePermanentRedirect(static_url("img/favicon.svg"))),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("contest.accounts.urls")),
    path("privacy/", include("contest.core.privacy_urls")),
    path("me/", include("contest.registration.urls")),
    path("console/review/", include("contest.review.organizer_urls")),
    path("console/finals/", include("contest.finals.console_urls")),
    path("console/awards/", include("contest.awards.console_urls")),
    path("console/notices/", include("contest.publicity.console_urls")),
    path("console/packages/", include("contest.packages.urls")),
    path("console/portal/", include("contest.portal.urls")),
    path("console/stats/", include("contest.statistics.urls")),
    path("console/privacy/", include("contest.registration.privacy_console_urls")),
    path("console/", include("contest.registration.console_urls")),
    path("judge/", include("contest.review.judge_urls")),
    path("experts/", include("contest.review.expert_urls")),
    path("live/", include("contest.finals.urls")),
    path("notices/", include("contest.publicity.urls")),
    path("certificates/", include("contest.awards.urls")),
    path("", include("contest.catalog.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
