"""The filters of the school view and the daily-results API (django-filter)."""

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from attendance.models import DailyResult, DailyStatus, Punch, PunchCorrection, PunchKind
from attendance.selectors import OFF_DAY_STATUSES
from staff.filters import PersonFilter
from staff.models import StaffCategory, Unit
from staff.selectors import school_units, staff_for_request


def _school_units(request) -> QuerySet[Unit]:
    staff = staff_for_request(request)
    return school_units(school_id=staff.school_id if staff is not None else None)



class LabelledDateRangeWidget(django_filters.widgets.DateRangeWidget):
    """The two date inputs of a range, each with its own accessible name (the range has one <label> only)."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for subwidget, label in zip(context["widget"]["subwidgets"], (_("起日"), _("迄日")), strict=False):
            subwidget["attrs"] = {**subwidget["attrs"], "aria-label": str(label)}
        return context

class DailyResultFilter(django_filters.FilterSet):
    unit = django_filters.ModelChoiceFilter(
        label=_("處室"), field_name="staff__unit", queryset=_school_units, empty_label=_("全部處室")
    )
    category = django_filters.ChoiceFilter(
        label=_("人員類別"), field_name="staff__category", choices=StaffCategory.choices, empty_label=_("全部類別")
    )
    result = django_filters.ChoiceFilter(
        label=_("結果"), choices=DailyStatus.choices, method="filter_result", empty_label=_("全部結果")
    )
    # Query parameters date_after and date_before (ISO dates).
    date = django_filters.DateFromToRangeFilter(
        label=_("日期區間"), widget=LabelledDateRangeWidget(attrs={"type": "date"})
    )
    staff = PersonFilter(person_path="staff")
    # What personnel staff type: the employee number on their roster, not the database id.
    employee_no = django_filters.CharFilter(label=_("員工編號"), field_name="staff__employee_no", lookup_expr="iexact")

    class Meta:
        model = DailyResult
        fields = ["unit", "category", "result", "date", "staff", "employee_no"]

    def filter_result(self, queryset, name, value):
        # Late and early leaving are counted wherever they happen, also on a day that is
        # primarily "missing a punch" — so these two filter on the minutes, not the status.
        if value == DailyStatus.LATE:
            return queryset.filter(late_minutes__gt=0)
        if value == DailyStatus.LEFT_EARLY:
            return queryset.filter(early_minutes__gt=0)
        return queryset.filter(status=value)


class SchoolResultFilter(DailyResultFilter):
    """The school view's filter: the API's, plus the box that brings back 放假 and 免打卡 rows."""

    off_days = django_filters.BooleanFilter(
        label=_("顯示放假與免打卡"), method="keep_all", widget=forms.CheckboxInput
    )

    class Meta(DailyResultFilter.Meta):
        fields = [*DailyResultFilter.Meta.fields, "off_days"]

    def keep_all(self, queryset, name, value):
        # The view reads the box (selectors.results_newest_first); filtering here would be too early.
        return queryset

    @property
    def include_off_days(self) -> bool:
        data = self.form.cleaned_data
        return bool(data.get("off_days")) or data.get("result") in OFF_DAY_STATUSES


class PunchFilter(django_filters.FilterSet):
    date = django_filters.DateFromToRangeFilter(field_name="work_date", label=_("日期區間"))
    kind = django_filters.ChoiceFilter(choices=PunchKind.choices, label=_("卡別"))

    class Meta:
        model = Punch
        fields = ["date", "kind"]


class PunchCorrectionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PunchCorrection.Status.choices, label=_("狀態"))
    date = django_filters.DateFromToRangeFilter(label=_("日期區間"))

    class Meta:
        model = PunchCorrection
        fields = ["status", "date"]
