from django import forms
from django.utils.translation import gettext_lazy as _

from attendance.models import PunchKind


class CorrectionForm(forms.Form):
    """A forgotten punch (忘刷卡): which day, which card, at what time, and why."""

    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    kind = forms.ChoiceField(label=_("卡別"), choices=PunchKind.choices, widget=forms.RadioSelect)
    time = forms.TimeField(label=_("實際時間"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    reason = forms.CharField(label=_("事由"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("審核意見"), max_length=300, required=False)


class StartDateForm(forms.Form):
    """The school's 啟用日: the first day the system counts."""

    attendance_start = forms.DateField(
        label=_("啟用日"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("之前的日子不算出勤結果（月出勤總表顯示「未啟用」）、不寄缺卡提醒、不能補登。"),
    )
