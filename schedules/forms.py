from typing import cast

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from schedules.models import SchoolDay, Semester
from staff.models import District, School
from staff.selectors import districts as all_districts

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
    """A disaster stop as the announcement says it: where, which (work, classes), the whole day or part."""

    ALL = "all"
    DISTRICTS = "districts"
    WHOLE_DAY, FROM, UNTIL = "whole", "from", "until"
    BOTH, WORK, CLASSES = "both", "work", "classes"

    date = forms.DateField(label=_("日期"), widget=DateInput())
    scope = forms.ChoiceField(label=_("範圍"))
    districts = forms.ModelMultipleChoiceField(
        label=_("行政區"), queryset=District.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("範圍選「部分行政區」時勾選"),
    )
    stops = forms.ChoiceField(
        label=_("停止"), initial=BOTH, widget=forms.RadioSelect, required=False,
        choices=[(BOTH, _("停止上班及上課")), (WORK, _("只停止上班")), (CLASSES, _("只停止上課"))],
    )
    part = forms.ChoiceField(
        label=_("時段"), initial=WHOLE_DAY, widget=forms.RadioSelect, required=False,
        choices=[(WHOLE_DAY, _("全天")), (FROM, _("從下列時間起（如下午停班停課）")),
                 (UNTIL, _("到下列時間為止（如上午停班停課）"))],
    )
    time = forms.TimeField(
        label=_("時間"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("選「從…起」或「到…為止」時填寫，例如 12:00"),
    )
    label = forms.CharField(label=_("名稱"), max_length=50, required=False, initial=_("颱風停班停課"))

    def __init__(self, *args, schools: list[School], allow_all: bool, **kwargs):
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str | Promise]] = (
            [(self.ALL, _("全市所有學校")), (self.DISTRICTS, _("部分行政區"))] if allow_all else []
        )
        choices += [(s.code, s.name) for s in schools]
        cast(forms.ChoiceField, self.fields["scope"]).choices = choices  # the fields declared above
        self._schools = {s.code: s for s in schools}
        if allow_all:
            cast(forms.ModelMultipleChoiceField, self.fields["districts"]).queryset = all_districts()
        else:
            del self.fields["districts"]

    def clean(self):
        data = super().clean()
        # Left out (an older form, the API's defaults): the whole day, work and classes.
        data["stops"] = data.get("stops") or self.BOTH
        data["part"] = data.get("part") or self.WHOLE_DAY
        part, time = data["part"], data.get("time")
        if part in (self.FROM, self.UNTIL) and time is None:
            self.add_error("time", _("請填寫停班停課的時間"))
        if data.get("scope") == self.DISTRICTS and not data.get("districts"):
            self.add_error("districts", _("請選擇至少一個行政區"))
        return data

    def declaration(self) -> dict:
        """The keyword arguments of schedules.services.typhoon_day_declare (and _preview)."""
        data = self.cleaned_data
        scope_value = data["scope"]
        school = self._schools.get(scope_value)
        scope = "school" if school else ("districts" if scope_value == self.DISTRICTS else "city")
        return {
            "day": data["date"], "scope": scope, "school": school,
            "districts": tuple(data.get("districts") or ()) if scope == "districts" else (),
            "stops_work": data["stops"] in (self.BOTH, self.WORK),
            "stops_classes": data["stops"] in (self.BOTH, self.CLASSES),
            "start_time": data["time"] if data["part"] == self.FROM else None,
            "end_time": data["time"] if data["part"] == self.UNTIL else None,
            "label": data["label"],
        }


class SemesterForm(forms.ModelForm):
    class Meta:
        model = Semester
        fields = ["school_year", "term", "start_date", "end_date"]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}


class DisasterStopClaimForm(forms.Form):
    """停班停課登記: the day one could not reach work, the part of it, and why."""

    WHOLE_DAY, FROM, UNTIL = TyphoonDayForm.WHOLE_DAY, TyphoonDayForm.FROM, TyphoonDayForm.UNTIL

    date = forms.DateField(label=_("日期"), widget=DateInput())
    part = forms.ChoiceField(
        label=_("時段"), initial=WHOLE_DAY, widget=forms.RadioSelect, required=False,
        choices=[(WHOLE_DAY, _("全天")), (FROM, _("從下列時間起")), (UNTIL, _("到下列時間為止"))],
    )
    time = forms.TimeField(
        label=_("時間"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    reason = forms.CharField(label=_("無法到班的原因"), max_length=200, help_text=_("如「住家道路淹水無法通行」"))

    def clean(self):
        data = super().clean()
        data["part"] = data.get("part") or self.WHOLE_DAY
        if data["part"] != self.WHOLE_DAY and data.get("time") is None:
            self.add_error("time", _("請填寫時間"))
        return data

    def claim(self) -> dict:
        data = self.cleaned_data
        return {
            "day": data["date"], "reason": data["reason"],
            "start_time": data["time"] if data["part"] == self.FROM else None,
            "end_time": data["time"] if data["part"] == self.UNTIL else None,
        }


class DisasterStopDecisionForm(forms.Form):
    grant = forms.TypedChoiceField(choices=[("1", _("核准")), ("0", _("不核准"))], coerce=lambda v: v == "1")
    comment = forms.CharField(label=_("意見"), max_length=200, required=False)
