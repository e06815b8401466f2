"""REST endpoints of the leave app, mounted under /api/."""

urlpatterns: list = []
