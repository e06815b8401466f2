from django import forms
from django.utils.translation import gettext_lazy as _

from schedules.models import SchoolDay, Semester
from staff.models import School

MAX_UPLOAD_BYTES = 1024 * 1024  # a year's office calendar is about 6 kB


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class OfficeCalendarImportForm(forms.Form):
    file = forms.FileField(
        label=_("辦公日曆表 CSV 檔"),
        help_text=_("政府資料開放平臺「中華民國政府行政機關辦公日曆表」下載的 CSV（Big5 或 UTF-8 皆可）"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("檔案太大（上限 1 MB），請確認是辦公日曆表的 CSV 檔"))
        return upload


class SchoolDayForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=DateInput())
    kind = forms.ChoiceField(label=_("類別"), choices=SchoolDay.Kind.choices)
    label = forms.CharField(label=_("名稱"), max_length=50, help_text=_("如「校慶補假」「第一次期中考」「寒假返校日」"))


class TyphoonDayForm(forms.Form):
    ALL = "all"

    date = forms.DateField(label=_("日期"), widget=DateInput())
    scope = forms.ChoiceField(label=_("範圍"))
    label = forms.CharField(label=_("名稱"), max_length=50, required=False, initial=_("颱風停班停課"))

    def __init__(self, *args, schools: list[School], allow_all: bool, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(self.ALL, _("全市所有學校"))] if allow_all else []
        choices += [(s.code, s.name) for s in schools]
        self.fields["scope"].choices = choices
        self._schools = {s.code: s for s in schools}

    def clean_scope(self) -> School | None:
        value = self.cleaned_data["scope"]
        return None if value == self.ALL else self._schools[value]


class SemesterForm(forms.ModelForm):
    class Meta:
        model = Semester
        fields = ["school_year", "term", "start_date", "end_date"]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}
