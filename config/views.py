import logging

from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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
