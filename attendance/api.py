"""REST API of the attendance app (mounted under /api/attendance/): the same rules and
permissions as the pages — one's own punches, the results one may see, corrections to ask and decide."""

import datetime as dt
from collections.abc import Callable
from typing import Any, Protocol

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from attendance import selectors
from attendance.filters import DailyResultFilter, PunchCorrectionFilter, PunchFilter
from attendance.models import DailyResult, Punch, PunchCorrection, PunchKind, RecomputeJob
from attendance.network import client_ip
from attendance.services import (
    punch_correction_approve,
    punch_correction_reject,
    punch_correction_request,
    punch_record,
)
from staff.models import StaffMember
from staff.permissions import can_manage_staff
from staff.selectors import NO_STAFF_MESSAGE, staff_for_request, staff_required_for


class HasStaffRecord(BasePermission):
    message = NO_STAFF_MESSAGE

    def has_permission(self, request, view) -> bool:
        return staff_for_request(request) is not None


PERMISSIONS = [IsAuthenticated, HasStaffRecord]


class _StaffScopedMixin:
    """get_queryset() = selector(the caller's staff record); an empty queryset while the schema is generated."""

    model: type[Model]
    selector: Callable[[StaffMember], QuerySet[Any]]  # a staticmethod of each view

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return self.model.objects.none()
        return type(self).selector(staff_required_for(self.request))


class StaffRefSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.name", default="", read_only=True)

    class Meta:
        model = StaffMember
        fields = ["id", "employee_no", "name", "unit", "category"]


# --- Punches -------------------------------------------------------------------------------


class PunchOutputSerializer(serializers.Serializer):
    # Declared, not a ModelSerializer: the morning rush answers hundreds of punches a second, and a
    # ModelSerializer works its fields out from the model on every answer.
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=PunchKind.choices, label=Punch._meta.get_field("kind").verbose_name)
    work_date = serializers.DateField(
        label=Punch._meta.get_field("work_date").verbose_name, help_text=Punch._meta.get_field("work_date").help_text
    )
    at = serializers.DateTimeField(label=Punch._meta.get_field("at").verbose_name)
    is_correction = serializers.BooleanField(required=False, label=Punch._meta.get_field("is_correction").verbose_name)
    source_ip = serializers.IPAddressField(
        required=False, allow_null=True, label=Punch._meta.get_field("source_ip").verbose_name
    )


class PunchInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PunchKind.choices)


class PunchListCreateApi(_StaffScopedMixin, generics.ListAPIView):
    """GET: my punches (newest first). POST: clock in or out now, at the server's time."""

    permission_classes = PERMISSIONS
    serializer_class = PunchOutputSerializer
    filterset_class = PunchFilter
    model = Punch
    selector = staticmethod(selectors.punches_of)

    @extend_schema(
        request=PunchInputSerializer,
        responses={
            201: OpenApiResponse(PunchOutputSerializer, description="A new punch."),
            200: OpenApiResponse(
                PunchOutputSerializer,
                description="A repeat: the first 上班 of the day is kept; a 下班 moves to the latest time.",
            ),
        },
    )
    def post(self, request):
        data = PunchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = punch_record(
            staff=staff_required_for(request),
            kind=data.validated_data["kind"],
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return Response(
            PunchOutputSerializer(outcome.punch).data,
            status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK,
        )


# --- Daily results -------------------------------------------------------------------------


class DailyResultSerializer(serializers.ModelSerializer):
    staff = StaffRefSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    leave_label = serializers.CharField(source="leave_label_display", read_only=True)

    class Meta:
        model = DailyResult
        fields = [
            "id", "staff", "date", "status", "status_display", "late_minutes", "early_minutes", "leave_minutes",
            "first_in", "last_out", "in_corrected", "out_corrected", "required_start", "required_end",
            "day_reason", "day_label", "leave_label",
        ]  # fmt: skip


class DailyResultListApi(_StaffScopedMixin, generics.ListAPIView):
    """Daily results of the people the caller may see: themselves, their units, or their school."""

    permission_classes = PERMISSIONS
    serializer_class = DailyResultSerializer
    filterset_class = DailyResultFilter
    model = DailyResult
    selector = staticmethod(selectors.results_visible)


# --- Corrections (補登) ---------------------------------------------------------------------


class CorrectionOutputSerializer(serializers.ModelSerializer):
    staff = StaffRefSerializer(read_only=True)
    decided_by = serializers.CharField(source="decided_by.name", default=None, read_only=True, allow_null=True)

    class Meta:
        model = PunchCorrection
        fields = [
            "id", "staff", "date", "kind", "time", "reason", "status", "requested_at",
            "decided_by", "decided_at", "decision_note",
        ]  # fmt: skip


class CorrectionInputSerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=PunchKind.choices)
    time = serializers.TimeField()
    reason = serializers.CharField(max_length=300)


class DecisionInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CorrectionListCreateApi(_StaffScopedMixin, generics.ListAPIView):
    """GET: corrections the caller may see (their own, their units', their school's). POST: ask for one."""

    permission_classes = PERMISSIONS
    serializer_class = CorrectionOutputSerializer
    filterset_class = PunchCorrectionFilter
    model = PunchCorrection
    selector = staticmethod(selectors.corrections_visible)

    @extend_schema(request=CorrectionInputSerializer, responses={201: CorrectionOutputSerializer})
    def post(self, request):
        data = CorrectionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        correction = punch_correction_request(staff=staff_required_for(request), **data.validated_data)
        return Response(CorrectionOutputSerializer(correction).data, status=status.HTTP_201_CREATED)


class _Decision(Protocol):
    """punch_correction_approve or punch_correction_reject."""

    def __call__(
        self, *, correction_id: int, approver: StaffMember, note: str = ..., now: dt.datetime | None = ...
    ) -> PunchCorrection: ...


class _CorrectionDecisionApi(_StaffScopedMixin, generics.GenericAPIView):
    permission_classes = PERMISSIONS
    serializer_class = CorrectionOutputSerializer
    model = PunchCorrection
    selector = staticmethod(selectors.corrections_visible)
    service: _Decision  # a staticmethod of each view

    @extend_schema(request=DecisionInputSerializer, responses={200: CorrectionOutputSerializer})
    def post(self, request, pk: int):
        me = staff_required_for(request)
        correction = get_object_or_404(self.get_queryset(), pk=pk)  # someone else's unit: 404
        if not can_manage_staff(me, correction.staff):
            raise PermissionDenied(_("不能審核自己的補登"))
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        correction = type(self).service(correction_id=correction.pk, approver=me, note=data.validated_data["note"])
        return Response(CorrectionOutputSerializer(correction).data)


class CorrectionApproveApi(_CorrectionDecisionApi):
    """Approve a 補登 (the person's unit head, personnel or the principal)."""

    service = staticmethod(punch_correction_approve)


class CorrectionRejectApi(_CorrectionDecisionApi):
    """Reject a 補登, with an optional note for the person."""

    service = staticmethod(punch_correction_reject)


# --- Recompute jobs ------------------------------------------------------------------------


class RecomputeJobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    finished = serializers.SerializerMethodField()

    class Meta:
        model = RecomputeJob
        fields = [
            "id", "reason", "start", "end", "schools_total", "schools_done", "batches_total", "batches_done",
            "percent", "finished", "created_at", "finished_at",
        ]  # fmt: skip

    def get_finished(self, job: RecomputeJob) -> bool:
        return job.finished_at is not None


class RecomputeJobListApi(_StaffScopedMixin, generics.ListAPIView):
    """The progress of recomputes one may follow (newest first): poll it until ``finished``."""

    permission_classes = PERMISSIONS
    serializer_class = RecomputeJobSerializer
    model = RecomputeJob
    selector = staticmethod(selectors.recompute_jobs_visible)
