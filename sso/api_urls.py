"""REST endpoints of the sso app, mounted under /api/."""

urlpatterns: list = []
