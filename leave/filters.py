"""The one filter for lists of requests: the personnel view and the API both use it."""

import datetime as dt

import django_filters as df
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leave.models import LeaveRequest, LeaveStatus, LeaveType
from staff.filters import PersonFilter
from staff.selectors import person_search_q, school_units, staff_for_request


def _school_id(request) -> int | None:
    staff = staff_for_request(request)
    return staff.school_id if staff else None


def _types(request):
    return LeaveType.objects.filter(school_id=_school_id(request))


def _units(request):
    return school_units(school_id=_school_id(request))


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class LeaveRequestFilter(df.FilterSet):
    status = df.ChoiceFilter(label=_("狀態"), choices=LeaveStatus.choices, empty_label=_("全部狀態"))
    kind = df.ChoiceFilter(label=_("種類"), choices=LeaveRequest.Kind.choices, empty_label=_("請假與銷假"))
    leave_type = df.ModelChoiceFilter(label=_("假別"), queryset=_types, empty_label=_("全部假別"))
    unit = df.ModelChoiceFilter(label=_("處室"), field_name="applicant__unit", queryset=_units,
                                empty_label=_("全部處室"))
    applicant = PersonFilter(person_path="applicant", label=_("申請人（姓名、員工編號或帳號）"))
    q = df.CharFilter(label=_("姓名或員工編號"), method="search")
    start = df.DateFilter(label=_("自"), method="ends_after")
    end = df.DateFilter(label=_("至"), method="starts_before")

    class Meta:
        model = LeaveRequest
        fields = ["status", "kind", "leave_type", "unit", "applicant", "q", "start", "end"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(person_search_q(value, "applicant__"))

    def ends_after(self, queryset, name, value):
        return queryset.filter(end__gt=_midnight(value))

    def starts_before(self, queryset, name, value):
        return queryset.filter(start__lt=_midnight(value + dt.timedelta(days=1)))
