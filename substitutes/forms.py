import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.inputs import MAX_ID, BadInput, parse_id, parse_month
from staff.models import StaffCategory, StaffMember
from staff.selectors import school_people
from substitutes.models import CoverageAssignment, Payer
from substitutes.selectors import NeedSelection
from substitutes.services import ProposalCell


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


class IdListField(forms.Field):
    """Several ids ticked in a list (checkboxes of one name)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("請重新勾選節次")}

    def to_python(self, value) -> list[int]:
        if value in self.empty_values:
            return []
        values = [value] if isinstance(value, str) else list(value)
        try:
            return sorted({parse_id(v) for v in values})
        except BadInput:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class AssignManyForm(forms.Form):
    need = IdListField(label=_("節次"), error_messages={"required": _("請至少勾選一節")})
    substitute = forms.IntegerField(
        label=_("代課教師"), min_value=1, max_value=MAX_ID, error_messages={"required": _("請選擇代課教師")}
    )
    note = forms.CharField(label=_("備註"), required=False, max_length=200)


class NeedSelectionForm(forms.Form):
    """The dashboard's narrowing: one absence, one class, one day, a range of days, the absent teacher as typed.
    A bad value is ignored (and said next to its field); the others still narrow."""

    teacher = forms.CharField(
        label=_("原任課教師"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("姓名、員工編號或帳號"), "data-testid": "filter-teacher"}),
    )
    class_name = forms.CharField(label=_("班級"), required=False, max_length=30)
    date_from = forms.DateField(label=_("日期從"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("日期到"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    absence = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    date = forms.DateField(required=False, widget=forms.HiddenInput)
    open = forms.CharField(required=False, max_length=1, widget=forms.HiddenInput)

    def _clean(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def selection(self) -> NeedSelection:
        data = self._clean()
        return NeedSelection(
            absence_id=data.get("absence"), class_name=(data.get("class_name") or "").strip(), day=data.get("date"),
            teacher=(data.get("teacher") or "").strip(), date_from=data.get("date_from"), date_to=data.get("date_to"),
        )

    def pairs(self) -> list[tuple[str, str]]:
        """The narrowing again, as (name, value) pairs: the query string, the hidden fields of a form."""
        data = self._clean()
        values = {
            "absence": data.get("absence") or "", "class_name": (data.get("class_name") or "").strip(),
            "teacher": (data.get("teacher") or "").strip(),
            "date": data["date"].isoformat() if data.get("date") else "",
            "date_from": data["date_from"].isoformat() if data.get("date_from") else "",
            "date_to": data["date_to"].isoformat() if data.get("date_to") else "",
            "open": "1" if data.get("open") == "1" else "",
        }
        return [(k, str(v)) for k, v in values.items() if v]

    def query(self) -> str:
        """The narrowing again, as a query string (empty when none)."""
        from urllib.parse import urlencode

        return urlencode(self.pairs())


class ProposeForm(forms.Form):
    """The range of a proposal (自動排代), read from the query string; optionally one absence only."""

    start = forms.DateField(label=_("開始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("結束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    absence = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise ValidationError(_("結束日期不能早於開始日期"), code="invalid_range")
        return data


FINGERPRINT = re.compile(r"[0-9a-f]{1,64}")


class ProposalConfirmForm(forms.Form):
    """The grid as shown: for each need (``need``), what the proposal saw of it (``fp_<id>``) and who
    covers it (``sub_<id>``, empty: left open)."""

    need = IdListField(label=_("節次"), error_messages={"required": _("提案沒有任何一節")})

    def cells(self) -> list[ProposalCell]:
        """The cells, or a ValidationError naming the first bad one (call after is_valid())."""
        out = []
        for need_id in self.cleaned_data["need"]:
            fingerprint = str(self.data.get(f"fp_{need_id}", "")).strip()
            if not FINGERPRINT.fullmatch(fingerprint):
                raise ValidationError(_("提案資料不完整，請重新產生提案"), code="invalid")
            raw = str(self.data.get(f"sub_{need_id}", "")).strip()
            try:
                substitute_id = parse_id(raw) if raw else None
            except BadInput:
                raise ValidationError(_("提案資料不完整，請重新產生提案"), code="invalid") from None
            out.append(ProposalCell(need_id=need_id, fingerprint=fingerprint, substitute_id=substitute_id))
        return out
class OfferAnswerForm(forms.Form):
    """The substitute's answer to one or several offers (提供): accept, or decline with a reason."""

    assignment = IdListField(label=_("節次"), error_messages={"required": _("請至少選擇一節")})
    answer = forms.ChoiceField(
        label=_("回覆"), choices=[("accept", _("接受")), ("decline", _("婉拒"))],
        error_messages={"required": _("請選擇接受或婉拒")},
    )
    reason = forms.CharField(label=_("婉拒原因"), required=False, max_length=200)
    # Where the answer came from, to go back there (only these two).
    back = forms.ChoiceField(choices=[("mine", "mine"), ("home", "home")], required=False)


class PolicyForm(forms.Form):
    offers_enabled = forms.BooleanField(label=_("代課先徵詢本人（提供）"), required=False)
