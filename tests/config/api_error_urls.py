"""A test-only URLconf: tiny API views that raise the errors the exception handler must translate."""

from django.core.exceptions import ValidationError
from django.urls import path
from django.utils.translation import gettext_lazy as _
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import DomainError


class SampleError(DomainError):
    """Stands for an app's error type (LeaveError, PunchError ...)."""


class DomainErrorView(APIView):
    def post(self, request):
        raise SampleError(_("餘額不足"), code="insufficient_balance")


class ModelValidationView(APIView):
    def post(self, request):
        raise ValidationError({"end": ["結束時間須晚於開始時間"]})


class OkView(APIView):
    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("api/domain-error/", DomainErrorView.as_view()),
    path("api/validation-error/", ModelValidationView.as_view()),
    path("api/ok/", OkView.as_view()),
]
