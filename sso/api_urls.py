"""REST endpoints of the sso app, mounted under /api/."""

from django.urls import path

from sso import api

urlpatterns = [
    path("me/", api.me, name="api-me"),
]
