"""API plumbing shared by every app: one exception handler for domain errors, and JSON for every
error under /api/ (also those raised before or outside a view: ``api_error_response``)."""

from contextlib import contextmanager

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.errors import DomainError

API_PREFIX = "/api/"


def too_big_body() -> tuple[dict, int]:
    return {"detail": _("送出的資料過大。"), "code": "request_too_large"}, 413


def is_api_request(request) -> bool:
    return request is not None and request.path.startswith(API_PREFIX) and not request.path.startswith(
        ("/api/docs/",)
    )


def api_error_response(status: int, exception=None) -> JsonResponse:
    """The JSON answer for an error under /api/ that no API view handled (Django's handlers)."""
    if isinstance(exception, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
        body, status = too_big_body()
        return JsonResponse(body, status=status)
    messages = {
        400: (_("請求格式不正確。"), "bad_request"),
        403: (_("您沒有權限執行此操作。"), "permission_denied"),
        404: (_("找不到。"), "not_found"),
        500: (_("伺服器發生錯誤，請稍後再試。"), "server_error"),
    }
    detail, code = messages.get(status, messages[400])
    return JsonResponse({"detail": detail, "code": code}, status=status)


def exception_handler(exc, context):
    """Domain errors become 400s carrying their message and code; Django's ValidationError too."""
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc.message), "code": exc.code}, status=400)
    if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
        body, status = too_big_body()  # the body was over DATA_UPLOAD_MAX_MEMORY_SIZE (or its counts)
        return Response(body, status=status)
    if isinstance(exc, SuspiciousOperation):
        return Response({"detail": _("請求格式不正確。"), "code": "bad_request"}, status=400)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    if not _in_request_transaction(context.get("request")):
        # DRF marks the request's transaction (ATOMIC_REQUESTS) for rollback. A view outside it (the punch)
        # has none: the atomic block open around it, if any, is its caller's, and not the view's to doom.
        with _rollback_flags_kept():
            return drf_exception_handler(exc, context)
    return drf_exception_handler(exc, context)


def _in_request_transaction(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is None or DEFAULT_DB_ALIAS not in getattr(match.func, "_non_atomic_requests", ())


@contextmanager
def _rollback_flags_kept():
    kept = {c.alias: c.get_rollback() for c in connections.all(initialized_only=True) if c.in_atomic_block}
    try:
        yield
    finally:
        for alias, flag in kept.items():
            connections[alias].set_rollback(flag)


LOCAL_TIME_PATTERN = r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$"


def local_times_hook(result, generator, request, public):
    """Times of day in this API are wall-clock times at the school (Asia/Taipei) and carry no offset
    (``08:00:00``); OpenAPI's ``format: time`` is RFC 3339's full-time, which requires one. Publish them
    as what they are: a string of that shape. Datetimes keep ``format: date-time`` and always carry
    their offset (``2025-10-09T08:00:00+08:00``)."""

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "string" and node.get("format") == "time":
                del node["format"]
                node["pattern"] = LOCAL_TIME_PATTERN
                node.setdefault("description", "HH:MM[:SS], Asia/Taipei")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result
