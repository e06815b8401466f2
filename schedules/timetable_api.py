"""REST API of timetables: read a semester's timetable (whole, per teacher, per class), and push a new one
from a timetabling system with the page import's rules and all-or-nothing report.

Same rules as the pages (schedules/timetable_views.py): anyone of the school reads; only academic affairs
(教學組) import; other schools see nothing. A semester is named by id or as 「114-1」 (school year-term).
"""

import csv
import io
import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from common.inputs import MAX_ID
from schedules.models import Semester, TimetableEntry
from schedules.timetables_selectors import semester_current, timetable_entries
from schedules.timetables_services import TimetableError, timetable_import
from staff.models import Role
from staff.selectors import staff_for_request

SEMESTER_CODE = re.compile(r"^(\d{2,3})-([12])$")
MAX_ROWS = 10_000  # a large school's week is about 3,000 teacher-periods


class HasStaff(BasePermission):
    message = _("此帳號沒有教職員資料")

    def has_permission(self, request, view) -> bool:
        return staff_for_request(request) is not None


class IsAcademicAffairs(BasePermission):
    message = _("只有教學組可以匯入課表")

    def has_permission(self, request, view) -> bool:
        me = staff_for_request(request)
        return me is not None and me.has_role(Role.ACADEMIC_AFFAIRS)


def _semester(request, value: str | int | None, *, required: bool) -> Semester | None:
    """The caller's school's semester named by id or 「114-1」; the current one when none is named."""
    me = staff_for_request(request)
    if me is None:  # the permissions let only staff through
        raise ValidationError({"semester": [_("找不到此學期")]}, code="unknown_semester")
    school_id = me.school_id
    text = str(value).strip() if value is not None else ""
    if not text:
        if required:
            raise ValidationError({"semester": [_("請指定學期（如 114-1）")]}, code="required")
        return semester_current(school=me.school)
    match = SEMESTER_CODE.match(text)
    semesters = Semester.objects.filter(school_id=school_id)
    if match:
        semester = semesters.filter(school_year=int(match[1]), term=int(match[2])).first()
    elif text.isascii() and text.isdigit() and int(text) <= MAX_ID:
        semester = semesters.filter(pk=int(text)).first()
    else:
        semester = None
    if semester is None:
        raise ValidationError({"semester": [_("找不到此學期")]}, code="unknown_semester")
    return semester


class TeacherSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    employee_no = serializers.CharField()


class TimetableEntrySerializer(serializers.ModelSerializer):
    teacher = TeacherSerializer()
    division = serializers.CharField(source="period.division")
    period = serializers.IntegerField(source="period.number")
    period_kind = serializers.CharField(source="period.kind")
    starts = serializers.TimeField(source="period.start")
    ends = serializers.TimeField(source="period.end")

    class Meta:
        model = TimetableEntry
        fields = ["id", "semester", "teacher", "weekday", "division", "period", "period_kind", "starts", "ends",
                  "class_name", "subject", "room"]


class TimetableQuery(serializers.Serializer):
    semester = serializers.CharField(required=False, max_length=20, help_text="id or 114-1; default: the current")
    teacher = serializers.CharField(required=False, allow_blank=True, max_length=100)
    class_name = serializers.CharField(required=False, max_length=30)


@extend_schema(parameters=[
    OpenApiParameter("semester", str, description="id or school year-term (114-1); default: the current semester"),
    OpenApiParameter("teacher", str, description="a teacher's timetable: a name (or part of it), an employee number, "
                     "an account or the id"),
    OpenApiParameter("class_name", str, description="one class's timetable"),
])
class TimetableList(generics.ListAPIView):
    """A semester's timetable rows of the caller's school, by weekday and time: whole, one teacher's or
    one class's."""

    serializer_class = TimetableEntrySerializer
    permission_classes = [IsAuthenticated, HasStaff]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return TimetableEntry.objects.none()
        query = TimetableQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        semester = _semester(self.request, data.get("semester"), required=False)
        if semester is None:
            return TimetableEntry.objects.none()
        class_name = data.get("class_name", "").strip().replace("\x00", "")
        return timetable_entries(semester=semester, teacher=data.get("teacher", ""), class_name=class_name)


# The columns the import recognises, by the JSON row's keys (schedules.timetables_services.HEADER_ALIASES).
ROW_COLUMNS = {
    "employee_no": "教師編號", "teacher_name": "教師姓名", "weekday": "星期", "period": "節次",
    "class_name": "班級", "subject": "科目", "room": "教室", "division": "部別",
}


class TimetableRowSerializer(serializers.Serializer):
    employee_no = serializers.CharField(required=False, allow_blank=True, max_length=30)
    teacher_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    weekday = serializers.CharField(required=False, allow_blank=True, max_length=10, help_text="1–6, 一–六 or Mon")
    period = serializers.CharField(required=False, allow_blank=True, max_length=10, help_text="1, 第三節, 早自習…")
    class_name = serializers.CharField(required=False, allow_blank=True, max_length=30)
    subject = serializers.CharField(required=False, allow_blank=True, max_length=30)
    room = serializers.CharField(required=False, allow_blank=True, max_length=30)
    division = serializers.CharField(required=False, allow_blank=True, max_length=10)


class TimetableImportInput(serializers.Serializer):
    semester = serializers.CharField(max_length=20, help_text="id or school year-term (114-1)")
    rows = serializers.ListField(
        child=TimetableRowSerializer(), required=False, max_length=MAX_ROWS,
        help_text="one per teacher-period; or send a CSV file as `file` (multipart)",
    )
    file = serializers.FileField(required=False, help_text="the timetabling system's CSV export, as on the page")

    def validate(self, attrs):
        if ("rows" in attrs) == ("file" in attrs):
            raise ValidationError({"rows": [_("請送出 rows（JSON）或 file（CSV 檔）其中之一")]}, code="required")
        return attrs


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="a file's line, the header being 1; JSON: rows[0] is row 2, as in a file")
    message = serializers.CharField()


class TimetableImportErrorSerializer(serializers.Serializer):
    """A refused import: the rows' errors (``invalid_rows``), or a field's message keyed by the field as
    every API input error is (``{"rows": [...]}``)."""

    detail = serializers.CharField(required=False)
    code = serializers.CharField(required=False)
    errors = RowErrorSerializer(many=True, required=False)  # type: ignore[assignment]  # the answer's key; DRF moves declared fields off the class


class TimetableImportResultSerializer(serializers.Serializer):
    semester = serializers.IntegerField()
    created = serializers.IntegerField()
    teachers = serializers.IntegerField()
    replaced = serializers.IntegerField()
    classes = serializers.ListField(child=serializers.CharField())


def _rows_as_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ROW_COLUMNS.values())
    for row in rows:
        writer.writerow([row.get(key, "") for key in ROW_COLUMNS])
    return out.getvalue().encode()


class TimetableImport(APIView):
    """Replace a semester's whole timetable (academic affairs), all or nothing, as the page import does."""

    permission_classes = [IsAuthenticated, IsAcademicAffairs]
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        request=TimetableImportInput,
        responses={200: TimetableImportResultSerializer, 400: TimetableImportErrorSerializer},
    )
    def post(self, request):
        """Every row is checked; any error → 400 {detail, code: "invalid_rows", errors: [{row, message}]}
        and nothing changes. A clean timetable replaces the semester's whole timetable."""
        data = TimetableImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        semester = _semester(request, data.validated_data["semester"], required=True)
        rows = data.validated_data.get("rows")
        content = _rows_as_csv(rows) if rows is not None else data.validated_data["file"].read()
        try:
            result = timetable_import(semester=semester, data=content, actor=request.user)
        except TimetableError as exc:
            # Numbered as the page numbers a file's lines, the header being row 1: JSON rows[0] is row 2. The
            # messages name other rows the same way (「與第 2 列重複」).
            errors = [{"row": e.row, "message": e.message} for e in exc.errors]
            return Response({"detail": str(exc.message), "code": exc.code, "errors": errors}, status=400)
        return Response(TimetableImportResultSerializer({
            "semester": semester.pk, "created": result.created, "teachers": result.teachers,
            "replaced": result.replaced, "classes": result.classes,
        }).data)
