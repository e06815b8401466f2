"""REST endpoints of the substitutes app, mounted under /api/."""

urlpatterns: list = []
