import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.inputs import BadInput, parse_month
from staff.models import StaffCategory, StaffMember
from staff.selectors import school_people
from substitutes.models import CoverageAssignment, Payer


class AssignForm(forms.Form):
    substitute = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("方式"), choices=CoverageAssignment.Kind.choices, initial=CoverageAssignment.Kind.SUBSTITUTE
    )
    swap_date = forms.DateField(label=_("還課日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    swap_period_number = forms.IntegerField(label=_("還課節次"), required=False, min_value=0, max_value=20)
    note = forms.CharField(label=_("備註"), required=False, max_length=200)


class AbsenceForm(forms.Form):
    """An hourly 代課教師's absence, recorded by academic affairs."""

    teacher = forms.ModelChoiceField(label=_("代課教師"), queryset=StaffMember.objects.none())
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        label=_("結束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("同一天可留空"),
    )
    start_time = forms.TimeField(
        label=_("開始時間"), initial=dt.time(7, 30), widget=forms.TimeInput(attrs={"type": "time"})
    )
    end_time = forms.TimeField(
        label=_("結束時間"), initial=dt.time(17, 0), widget=forms.TimeInput(attrs={"type": "time"})
    )
    paid_by = forms.ChoiceField(
        label=_("代課鐘點費負擔"), choices=[(Payer.SCHOOL, Payer.SCHOOL.label), (Payer.TEACHER, Payer.TEACHER.label)]
    )
    reason = forms.CharField(label=_("事由"), required=False, max_length=200)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = (
            school_people(school_id=school.pk).filter(category=StaffCategory.HOURLY_SUBSTITUTE).order_by("name")
        )

    def span(self) -> tuple[dt.datetime, dt.datetime]:
        data = self.cleaned_data
        end_date = data.get("end_date") or data["date"]
        return (
            timezone.make_aware(dt.datetime.combine(data["date"], data["start_time"])),
            timezone.make_aware(dt.datetime.combine(end_date, data["end_time"])),
        )


class MonthForm(forms.Form):
    month = forms.CharField(label=_("月份"), required=False, widget=forms.TextInput(attrs={"type": "month"}))

    def year_month(self, today: dt.date) -> tuple[int, int]:
        value = (self.data.get("month") or "").strip() if self.is_bound else ""
        try:
            return parse_month(value)
        except BadInput:
            return today.year, today.month
