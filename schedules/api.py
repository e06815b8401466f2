"""REST API of the calendar: a person's duty days, a school's calendar, typhoon days.

Same rules as the pages: everyone reads their own days and their school's calendar; a unit head,
the personnel office, the principal and system admins read the days of the people they may see
(staff.permissions.can_see_staff); a system admin or superuser may read another school's calendar.
"""

import datetime as dt

import django_filters
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from schedules.calendar import Reason, calendar_days, duty_days
from schedules.models import TyphoonDay
from schedules.permissions import can_declare_typhoon
from schedules.selectors import people_reached, typhoon_day_list
from schedules.services import (
    ScheduleError,
    typhoon_day_declare,
    typhoon_day_preview,
    typhoon_day_withdraw,
)
from staff.models import District, Role, School
from staff.permissions import visible_staff
from staff.selectors import districts as all_districts
from staff.selectors import person_named, school_by_code, staff_for_request, staff_required_for
from staff.selectors import schools as all_schools

MAX_RANGE_DAYS = 366


class RangeInputSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="YYYY-MM-DD")
    end = serializers.DateField(help_text="YYYY-MM-DD")

    def validate(self, attrs):
        if attrs["end"] < attrs["start"]:
            raise ScheduleError(_("結束日不可早於開始日"), code="invalid_range")
        if (attrs["end"] - attrs["start"]).days >= MAX_RANGE_DAYS:
            raise ScheduleError(_("一次最多查詢 366 天"), code="range_too_long")
        return attrs


class BreakSerializer(serializers.Serializer):
    start = serializers.TimeField()
    end = serializers.TimeField()


class DutyDayOutputSerializer(serializers.Serializer):
    date = serializers.DateField(source="day")
    has_duty = serializers.BooleanField()
    reason = serializers.ChoiceField(choices=Reason.ALL)
    label = serializers.CharField()  # type: ignore[assignment]  # the answer's key; DRF moves declared fields off the class
    start = serializers.TimeField(allow_null=True, help_text="required arrival")
    end = serializers.TimeField(allow_null=True)
    scheduled_start = serializers.TimeField(allow_null=True)
    arrival_note = serializers.CharField()
    grace_minutes = serializers.IntegerField()
    breaks = serializers.SerializerMethodField()
    working_hours = serializers.FloatField()
    school_day = serializers.BooleanField()
    schedule_name = serializers.CharField()

    @extend_schema_field(BreakSerializer(many=True))
    def get_breaks(self, obj) -> list[dict]:
        if not obj.has_duty:
            return []
        return list(BreakSerializer([{"start": s, "end": e} for s, e in obj.breaks], many=True).data)


class CalendarDayOutputSerializer(serializers.Serializer):
    date = serializers.DateField(source="day")
    working = serializers.BooleanField(help_text="a working day for staff who work in vacation (行政教師、職員)")
    teachers_working = serializers.BooleanField(help_text="a working day for teachers (not vacation, or a return day)")
    reason = serializers.ChoiceField(choices=Reason.ALL)
    label = serializers.CharField()  # type: ignore[assignment]  # the answer's key; DRF moves declared fields off the class
    school_day = serializers.BooleanField(help_text="classes are held")
    vacation = serializers.CharField()
    entry_kind = serializers.CharField(help_text="the school's own entry that day, if any")


class MyCalendarApi(APIView):
    """A person's duty days: the signed-in person's, or (``staff``) someone they may see."""

    @extend_schema(
        parameters=[
            RangeInputSerializer,
            OpenApiParameter("staff", str, description="whose duty days: a name (or part of it), an employee "
                             "number, an account or the id; default: the signed-in person"),
        ],
        responses=DutyDayOutputSerializer(many=True),
    )
    def get(self, request):
        me = staff_required_for(request)
        params = RangeInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        subject = me
        if request.query_params.get("staff"):
            found = person_named(request.query_params["staff"][:100], among=visible_staff(me))  # 400 if several
            if found is None:
                raise NotFound
            subject = found
        days = duty_days([subject], params.validated_data["start"], params.validated_data["end"])
        return Response(DutyDayOutputSerializer(days.values(), many=True).data)


class SchoolCalendarApi(APIView):
    """A school's calendar: the signed-in person's school (a system admin may name another)."""

    @extend_schema(
        parameters=[RangeInputSerializer, OpenApiParameter("school", str, description="school code (system admins)")],
        responses=CalendarDayOutputSerializer(many=True),
    )
    def get(self, request):
        params = RangeInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        school = _school_for(request)
        days = calendar_days(school, params.validated_data["start"], params.validated_data["end"])
        return Response(CalendarDayOutputSerializer(days, many=True).data)


def _school_for(request) -> School:
    code = request.query_params.get("school")
    staff = staff_for_request(request)
    if code and (request.user.is_superuser or (staff is not None and staff.has_role(Role.SYSTEM_ADMIN))):
        school = school_by_code(code)
        if school is None:
            raise Http404
        return school
    if code and (staff is None or staff.school.code != code):
        raise NotFound
    return staff_required_for(request).school


class TyphoonDayFilter(django_filters.FilterSet):
    start = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    end = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = TyphoonDay
        fields = ["start", "end"]


class TyphoonDayOutputSerializer(serializers.ModelSerializer):
    school: "serializers.SlugRelatedField[School]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="school code when the scope is one school"
    )
    districts: "serializers.SlugRelatedField[District]" = serializers.SlugRelatedField(
        slug_field="name", many=True, read_only=True, help_text="district names when the scope is districts"
    )

    class Meta:
        model = TyphoonDay
        fields = [
            "id", "date", "scope", "school", "districts", "stops_work", "stops_classes", "start_time", "end_time",
            "label", "source_ref", "declared_at",
        ]


class DeclarationInputSerializer(serializers.Serializer):
    """A disaster stop as announced. start_time: stopped from then on (下午停班停課); end_time: until then."""

    date = serializers.DateField()
    scope = serializers.ChoiceField(choices=TyphoonDay.Scope.choices)
    school = serializers.SlugRelatedField(
        slug_field="code", queryset=all_schools(), required=False, allow_null=True, default=None,
        help_text="school code (scope=school)",
    )
    districts = serializers.SlugRelatedField(
        slug_field="name", queryset=all_districts(), many=True, required=False,
        default=list,  # type: ignore[arg-type]  # many=True: the default is the list's, the stubs expect one District
        help_text="district names (scope=districts)",
    )
    stops_work = serializers.BooleanField(default=True)
    stops_classes = serializers.BooleanField(default=True)
    start_time = serializers.TimeField(required=False, allow_null=True, default=None)
    end_time = serializers.TimeField(required=False, allow_null=True, default=None)
    label = serializers.CharField(  # type: ignore[assignment]  # the answer's key; DRF moves declared fields off the class
        required=False, allow_blank=True, max_length=50, default=""
    )

    def declaration(self) -> dict:
        data = dict(self.validated_data)
        return {"day": data.pop("date"), **data, "districts": tuple(data["districts"])}


class ConsequencesSerializer(serializers.Serializer):
    people = serializers.IntegerField(help_text="active people the stop reaches")
    leave_recounted = serializers.ListField(child=serializers.DictField())
    period_dropped = serializers.ListField(child=serializers.DictField())
    period_restored = serializers.ListField(child=serializers.DictField())
    assignment_cancelled = serializers.ListField(child=serializers.DictField())


def _allowed_declaration(request) -> dict:
    """The posted declaration, valid and within the caller's power (declare and preview alike)."""
    staff_required_for(request)
    data = DeclarationInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    declaration = data.declaration()
    school = declaration["school"] if declaration["scope"] == TyphoonDay.Scope.SCHOOL else None
    if not can_declare_typhoon(request.user, school):
        raise PermissionDenied(_("您只能為自己的學校登錄停班停課；全市或行政區停班停課由系統管理者登錄"))
    return declaration


class TyphoonDayListApi(generics.ListCreateAPIView):
    """Disaster stops (停班停課) that reach the signed-in person's school (its own, its district's, the
    city's); POST declares one (the personnel office for its school; a system admin for any scope)."""

    serializer_class = TyphoonDayOutputSerializer
    filterset_class = TyphoonDayFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TyphoonDay.objects.none()
        me = staff_required_for(self.request)
        return typhoon_day_list(school=me.school, since=dt.date.min)

    @extend_schema(request=DeclarationInputSerializer, responses={201: TyphoonDayOutputSerializer})
    def post(self, request):
        declaration = _allowed_declaration(request)
        typhoon = typhoon_day_declare(actor=request.user, **declaration)
        return Response(TyphoonDayOutputSerializer(typhoon).data, status=201)


class TyphoonDayPreviewApi(APIView):
    """What a declaration would change (nothing is declared): people, leave, periods, substitutes."""

    @extend_schema(request=DeclarationInputSerializer, responses=ConsequencesSerializer)
    def post(self, request):
        declaration = _allowed_declaration(request)
        consequences = typhoon_day_preview(actor=request.user, **declaration)
        people = people_reached(scope=declaration["scope"], school=declaration["school"],
                                districts=declaration["districts"])
        kinds = ("leave_recounted", "period_dropped", "period_restored", "assignment_cancelled")
        body = {"people": people, **{k: consequences.get(k, []) for k in kinds}}
        return Response(ConsequencesSerializer(body).data)


class TyphoonDayWithdrawApi(APIView):
    """Withdraw a declaration: everything it changed is counted again."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request, pk: int):
        me = staff_required_for(request)
        typhoon = get_object_or_404(typhoon_day_list(school=me.school, since=dt.date.min), pk=pk)
        if not can_declare_typhoon(request.user, typhoon.school if typhoon.scope == TyphoonDay.Scope.SCHOOL else None):
            raise PermissionDenied(_("您不能撤銷這筆停班停課"))
        typhoon_day_withdraw(actor=request.user, typhoon=typhoon)
        return Response(status=204)
