"""REST endpoints of the attendance app, mounted under /api/."""

urlpatterns: list = []
