"""REST endpoints of the schedules app, mounted under /api/."""

urlpatterns: list = []
