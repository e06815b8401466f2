import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import defaults, i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

log = logging.getLogger(__name__)


@login_required
def home(request):
    return render(request, "home.html", {"today": timezone.localdate()})


@never_cache
@require_GET
@transaction.non_atomic_requests  # ATOMIC_REQUESTS would open a transaction (and fail) before we can answer
def healthz(request) -> HttpResponse:
    """200 when the database answers, 503 when it does not (for the load balancer)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        log.error("health check: database unreachable: %s", exc)
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_POST
def set_language(request) -> HttpResponse:
    """Switch the interface language. A signed-in person's choice is kept on their account, so
    their notices and emails are written in it too, and it follows them to a new device."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if user.is_authenticated and language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return response


# Django's error handlers: JSON under /api/ (config.api.api_error_response), the usual pages elsewhere.
def bad_request(request, exception=None):
    from config.api import api_error_response, is_api_request

    if is_api_request(request):
        return api_error_response(400, exception)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    from config.api import api_error_response, is_api_request

    if is_api_request(request):
        return api_error_response(403, exception)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    from config.api import api_error_response, is_api_request

    if is_api_request(request):
        return api_error_response(404, exception)
    return defaults.page_not_found(request, exception)


def server_error(request):
    from config.api import api_error_response, is_api_request

    if is_api_request(request):
        return api_error_response(500)
    return defaults.server_error(request)
