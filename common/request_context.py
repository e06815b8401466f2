"""What the current request is, for the audit trail and the logs: request id, client address, user, school.

``RequestContextMiddleware`` (first in MIDDLEWARE) sets it for the length of a request; outside one
(Celery tasks, management commands) everything reads as unknown. ``audit.services.audit_log`` stores the
address and request id with each entry; ``RequestContextFilter`` puts them in every log line, so an
operator can follow one request from nginx's access log (same X-Request-ID) through the app's lines.
"""

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse

from common.client import client_ip

_current: contextvars.ContextVar["RequestContext | None"] = contextvars.ContextVar("campus_request", default=None)
# A request id from the proxy is kept when it is a plain token (nginx's $request_id is 32 hex digits).
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
request_logger = logging.getLogger("campus.request")


@dataclass
class RequestContext:
    request: HttpRequest
    request_id: str
    client_ip: str | None

    @property
    def username(self) -> str | None:
        user = _evaluated_user(self.request)
        return user.get_username() if user is not None and user.is_authenticated else None

    @property
    def school_id(self) -> int | None:
        """The signed-in person's school when already known for this request (no query from a log line)."""
        user = _evaluated_user(self.request)
        if user is None or not user.is_authenticated:
            return None
        # The account's reverse one-to-one to its staff record, read from the account's own class so that
        # common imports no app (.importlinter).
        descriptor = getattr(type(user), "staff", None)
        related = getattr(descriptor, "related", None)
        if related is None or not related.is_cached(user):
            return None
        staff = related.get_cached_value(user)
        return staff.school_id if staff is not None else None


def _evaluated_user(request: HttpRequest) -> Any:
    """request.user if it has been loaded already: reading the lazy object would query from a log call."""
    user = request.__dict__.get("user")
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    from django.utils.functional import empty

    return None if wrapped is empty else wrapped


def current() -> RequestContext | None:
    return _current.get()


class RequestContextMiddleware:
    """Give each request an id (the proxy's X-Request-ID or a new one), resolve its client address once,
    answer with X-Request-ID, and log one line per request with user and school (the school when the
    view read the person's record, as every page does; no query of its own)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]  # read by views and logs
        context = RequestContext(request=request, request_id=request_id, client_ip=client_ip(request))
        token = _current.set(context)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            request_logger.info(
                "%s %s %s %dms",
                request.method,
                request.path,
                response.status_code,
                (time.monotonic() - started) * 1000,
            )
            response["X-Request-ID"] = request_id
            return response
        finally:
            _current.reset(token)


class RequestContextFilter(logging.Filter):
    """Adds request_id, client_ip, user and school to every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current()
        record.request_id = context.request_id if context else "-"
        record.client_ip = (context.client_ip or "-") if context else "-"
        username = context.username if context else None
        school_id = context.school_id if context else None
        record.user = username or "-"
        record.school = school_id if school_id is not None else "-"
        return True
