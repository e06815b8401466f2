from django.contrib.auth import views as auth_views
from django.urls import include, path
from oauth2_provider import urls as dot_urls

from sso.standin import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # django-oauth-toolkit: authorize, token, discovery, JWKS, userinfo, RP-initiated logout.
    path("o/", include((dot_urls.base_urlpatterns + dot_urls.oidc_urlpatterns, "oauth2_provider"))),
]
