from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from mozilla_django_oidc.views import OIDCLogoutView

from config import feeds, pwa, views

admin.site.site_header = _("校園差勤 系統管理")
admin.site.site_title = _("校園差勤")
admin.site.index_title = _("系統管理")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The installable web app (docs/pwa.md): at the root, where browsers and phones look for them.
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("favicon.ico", pwa.favicon, name="favicon"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("offline/", pwa.offline, name="offline"),
    # My calendar as an iCal feed: a secret, revocable address (config/feeds.py, docs/pwa.md).
    path("calendar/<str:token>.ics", feeds.feed, name="calendar_feed"),
    path("calendar-feed/", feeds.manage, name="calendar_feed_manage"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    # POST only; ends the local session, then the portal's (id_token_hint) via OIDC_OP_LOGOUT_URL_METHOD.
    path("accounts/logout/", OIDCLogoutView.as_view(), name="logout"),
    # Portal sign-in: mozilla-django-oidc's URLs and names, with the sso app's views plugged in.
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("sso.urls")),
    path("schedules/", include("schedules.urls")),
    path("attendance/", include("attendance.urls")),
    path("leave/", include("leave.urls")),
    path("substitutes/", include("substitutes.urls")),
    path("offices/", include("offices.urls")),
    # REST API: each app mounts its endpoints under /api/ from its api_urls.py.
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("notifications.api_urls")),
    path("api/", include("sso.api_urls")),
    path("api/", include("schedules.api_urls")),
    path("api/", include("attendance.api_urls")),
    path("api/", include("leave.api_urls")),
    path("api/", include("substitutes.api_urls")),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
