"""API plumbing shared by every app: one exception handler for domain errors."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.errors import DomainError


def exception_handler(exc, context):
    """Domain errors become 400s carrying their message and code; Django's ValidationError too."""
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc.message), "code": exc.code}, status=400)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    return drf_exception_handler(exc, context)
