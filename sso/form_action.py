"""The portal's origins in the page's Content-Security-Policy, read when the page is answered.

Sign-in and sign-out are forms whose answer redirects to the city portal, so ``form-action`` must name
the portal. Settings name it (config/settings.py); reading them per response keeps the header right
when the portal's address is configured at run time (the tests' stand-in portal on a free port).
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def portal_origins() -> list[str]:
    origins = set()
    for url in (settings.OIDC_OP_AUTHORIZATION_ENDPOINT, settings.OIDC_OP_LOGOUT_ENDPOINT):
        parts = urlsplit(url or "")
        if parts.scheme in {"http", "https"} and parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


class PortalFormActionMiddleware:
    """Adds the portal's current origins to ``form-action`` (django-csp's per-response update)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        origins = portal_origins()
        if origins:
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), *origins]
            response._csp_update = update  # type: ignore[attr-defined]  # django-csp reads it
        return response
