"""Forms of the leave pages: they turn what people type into the arguments of a service, nothing more."""

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import form_field
from common.i18n import local_label
from leave.models import ApprovalStep, GrantKind, LeaveRequest, LeaveType, OvertimeRequest
from leave.selectors import KnownDuty, SchoolRules, recent_deputy_ids, span_from_parts
from staff.models import StaffCategory, StaffMember
from staff.selectors import deputy_candidates

DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        # Type and size are checked by the service (leave_request_submit), for the API too.
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def deputy_choices(staff: StaffMember, *, exclude_categories=()):
    """Colleagues of the school, the person's own unit first (where a deputy is usually found)."""
    return deputy_candidates(staff=staff, exclude_categories=exclude_categories)


def deputy_label(person: StaffMember) -> str:
    if person.unit is None:
        return person.name
    return str(_("%(name)s（%(unit)s）") % {"name": person.name, "unit": person.unit.name})


def grouped_deputy_choices(people, recent_ids: list[int]) -> list:
    """The picker's optgroups: the last deputies on top, then one group per unit in the candidates' order.

    A recent deputy is listed once, on top (a select with the same person twice reads as two people).
    """
    people = list(people)
    by_id = {p.pk: p for p in people}
    recent = [by_id[pk] for pk in recent_ids if pk in by_id]
    on_top = {p.pk for p in recent}
    groups: list = []
    if recent:
        groups.append((_("最近的代理人"), [(p.pk, deputy_label(p)) for p in recent]))
    unit_id: object = object()
    for person in people:
        if person.pk in on_top:
            continue
        if person.unit_id != unit_id:
            unit_id = person.unit_id
            groups.append((person.unit.name if person.unit_id else _("未分處室"), []))
        groups[-1][1].append((person.pk, deputy_label(person)))
    return groups


class DeputyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StaffMember) -> str:
        return deputy_label(obj)


class SpanFormMixin:
    """Date inputs plus optional times, combined into aware datetimes by span_from_parts."""

    cleaned_data: dict[str, Any]  # the form's (the mixin comes before forms.Form)

    def clean_span(self, staff: StaffMember) -> None:
        data = self.cleaned_data
        # The duty days read to complete the span (when a time is left blank), handed to the service.
        self.known_duty: KnownDuty = {}
        if not data.get("start_date") or not data.get("end_date"):
            return
        data["start"], data["end"] = span_from_parts(
            staff=staff, start_date=data["start_date"], end_date=data["end_date"],
            start_time=data.get("start_time"), end_time=data.get("end_time"), duty_out=self.known_duty,
        )


# Where each refusal of leave_request_problems / leave_request_submit is shown on the form (others: above it).
PROBLEM_FIELDS = {
    "unknown_type": "leave_type",
    "category_not_allowed": "leave_type",
    "end_before_start": "end_date",
    "span_too_long": "end_date",
    "no_working_time": "start_date",
    "closed_period": "start_date",
    "overlap": "start_date",
    "monthly_cap": "start_date",
    "event_required": "event_key",
    "single_block": "event_key",
    "outside_event_window": "event_date",
    "proof_required": "attachments",
    "bad_attachment": "attachments",
    "class_arrangement_required": "class_arrangement",
    "deputy_required": "deputy",
    "deputy_self": "deputy",
    "deputy_other_school": "deputy",
    "deputy_inactive": "deputy",
    "deputy_on_leave": "deputy",
}


class OfferedTypeField(forms.ModelChoiceField):
    """One of the leave types the form offers, found among them (the school's cached rules: no query)."""

    offered: dict[str, LeaveType]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        found = getattr(self, "offered", {}).get(str(value))
        if found is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                        params={"value": value})
        return found


class LeaveRequestForm(SpanFormMixin, forms.Form):
    leave_type = OfferedTypeField(LeaveType.objects.none(), label=_("假別"), empty_label=_("請選擇假別"))
    start_date = forms.DateField(label=_("開始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label=_("開始時間"), required=False, widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("空白表示從上班時間起"),
    )
    end_date = forms.DateField(label=_("結束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end_time = forms.TimeField(
        label=_("結束時間"), required=False, widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("空白表示到下班時間"),
    )
    event_key = forms.ChoiceField(label=_("事由類別"), required=False)
    event_date = forms.DateField(
        label=_("事實發生日"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("喪亡日、結婚登記日、分娩日或預產期"),
    )
    reason = forms.CharField(label=_("事由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500)
    deputy = DeputyChoiceField(StaffMember.objects.none(), label=_("職務代理人"), empty_label=_("請選擇職務代理人"))
    class_arrangement = forms.CharField(
        label=_("課務處理"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=1000,
        help_text=_("哪些課、如何處理（調課、代課、自行補課）；沒有課請填「無課務」"),
    )
    attachments = MultipleFileField(label=_("證明文件"), required=False)

    def __init__(self, *args, staff: StaffMember, rules: SchoolRules, on: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = staff
        pairs = rules.types_for(staff.category, on)
        type_field = form_field(self, "leave_type", OfferedTypeField)
        type_field.queryset = LeaveType.objects.filter(pk__in=[t.pk for t, _r in pairs])
        type_field.offered = {str(t.pk): t for t, _r in pairs}
        type_field.choices = [("", _("請選擇假別"))] + [(t.pk, t.display_name) for t, _r in pairs]
        options = []
        for leave_type, rule in pairs:
            if rule.event_options:
                options.append((leave_type.display_name, [(o["key"], local_label(o)) for o in rule.event_options]))
        form_field(self, "event_key", forms.ChoiceField).choices = [("", "—"), *options]
        # 代課教師 are paid by the period and not on the leave system: nobody's deputy.
        candidates = deputy_choices(staff, exclude_categories=[StaffCategory.HOURLY_SUBSTITUTE])
        deputy = form_field(self, "deputy", DeputyChoiceField)
        deputy.queryset = candidates
        if not self.is_bound:  # the page shows the groups; a POST only looks its choice up in the queryset
            groups = grouped_deputy_choices(candidates, recent_deputy_ids(staff))
            deputy.choices = [("", _("請選擇職務代理人")), *groups]
        if not staff.is_teacher:
            del self.fields["class_arrangement"]
        else:  # a teacher always says what happens to their classes (「無課務」 when none)
            arrangement = self.fields["class_arrangement"]
            arrangement.required = True
            arrangement.error_messages["required"] = _("請填寫課務處理方式（沒有課請填「無課務」）")
        self.rules_by_type = {t.pk: r for t, r in pairs}

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", _("結束日期不可早於開始日期"))
        self.clean_span(self.staff)
        return data

    def problem_inputs(self) -> dict:
        """What ``leave_request_problems`` can check of this form: the parts that read well, None for the rest."""
        data = self.cleaned_data
        return {
            "leave_type": data.get("leave_type"),
            "start": data.get("start"),
            "end": data.get("end"),
            "deputy": data.get("deputy"),
            "event_key": data.get("event_key") or "",
            "event_date": data.get("event_date"),
            # the form's own required check already speaks for a teacher's empty 課務 field
            "class_arrangement": None,
            # the duty days read so far, shared with the submission (the calendar is read once)
            "known_duty": getattr(self, "known_duty", {}),
        }

    def add_problems(self, problems) -> None:
        """Each service refusal next to the field it is about (the rest above the form), once each."""
        for problem in problems:
            field = PROBLEM_FIELDS.get(problem.code)
            if field not in self.fields:
                field = None
            if field is not None and field in self.errors:
                if problem.message in self.errors[field]:
                    continue
            elif field is None and problem.message in self.non_field_errors():
                continue
            self.add_error(field, problem.message)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "leave_type": data["leave_type"],
            "start": data["start"],
            "end": data["end"],
            "deputy": data["deputy"],
            "reason": data["reason"],
            "event_key": data.get("event_key") or "",
            "event_date": data.get("event_date"),
            "class_arrangement": data.get("class_arrangement", ""),
            "attachments": data.get("attachments") or [],
            "known_duty": self.known_duty,
        }

    def event_type_ids(self) -> list[int]:
        """Types whose form shows the event fields (per-event quotas, and 公假's grounds)."""
        return [pk for pk, rule in self.rules_by_type.items()
                if rule.grant_kind == GrantKind.PER_EVENT or rule.event_options]


class PreviewForm(SpanFormMixin, forms.Form):
    """The fields the preview needs (GET)."""

    leave_type = forms.ModelChoiceField(LeaveType.objects.none())
    start_date = forms.DateField()
    start_time = forms.TimeField(required=False)
    end_date = forms.DateField()
    end_time = forms.TimeField(required=False)
    event_key = forms.CharField(required=False)
    event_date = forms.DateField(required=False)

    def __init__(self, *args, staff: StaffMember, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = staff
        form_field(self, "leave_type", forms.ModelChoiceField).queryset = LeaveType.objects.filter(
            school_id=staff.school_id, is_active=True
        )

    def clean(self):
        data = super().clean()
        self.clean_span(self.staff)
        return data


class DecisionForm(forms.Form):
    comment = forms.CharField(label=_("意見"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              max_length=500)


class CancelForm(SpanFormMixin, forms.Form):
    """銷假: all of it, or keep a shorter span."""

    whole = forms.BooleanField(label=_("全部銷假"), required=False)
    start_date = forms.DateField(label=_("保留開始日期"), required=False, widget=DATE)
    start_time = forms.TimeField(label=_("保留開始時間"), required=False, widget=TIME)
    end_date = forms.DateField(label=_("保留結束日期"), required=False, widget=DATE)
    end_time = forms.TimeField(label=_("保留結束時間"), required=False, widget=TIME)
    reason = forms.CharField(label=_("銷假事由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500)

    def __init__(self, *args, request: LeaveRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.leave = request

    def clean(self):
        data = super().clean()
        if not data.get("whole"):
            if not data.get("start_date") or not data.get("end_date"):
                raise forms.ValidationError(_("請勾選全部銷假，或填寫要保留的起訖日期"))
            self.clean_span(self.leave.applicant)
        return data


class ReassignForm(forms.Form):
    step = forms.ModelChoiceField(ApprovalStep.objects.none(), widget=forms.HiddenInput)
    to = DeputyChoiceField(StaffMember.objects.none(), label=_("改派給"))
    comment = forms.CharField(label=_("說明"), required=False, max_length=200)

    def __init__(self, *args, request: LeaveRequest, **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "step", forms.ModelChoiceField).queryset = request.steps.filter(
            status=ApprovalStep.Status.CURRENT
        )
        form_field(self, "to", DeputyChoiceField).queryset = deputy_choices(request.applicant)


class OvertimeForm(forms.Form):
    work_date = forms.DateField(label=_("加班日期"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=_("開始時間"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("結束時間"), widget=forms.TimeInput(attrs={"type": "time"}))
    reason = forms.CharField(label=_("加班事由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500)
    compensation = forms.ChoiceField(label=_("補償方式"), choices=OvertimeRequest.Compensation.choices)


class SettleForm(forms.Form):
    worked_start = forms.TimeField(label=_("上班刷卡（實際開始）"), widget=forms.TimeInput(attrs={"type": "time"}))
    worked_end = forms.TimeField(label=_("下班刷卡（實際結束）"), widget=forms.TimeInput(attrs={"type": "time"}))
