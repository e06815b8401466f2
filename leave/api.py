"""REST API of the leave app: the same selectors, services and per-object rules as the pages.

One view per workflow action, each with its input and output serializers; LeaveError becomes a 400
with ``detail`` and ``code`` (config/api.py).
"""

import copy
import datetime as dt
from typing import Protocol

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from common.inputs import BadInput, parse_date
from leave.display import remaining_text, span_text
from leave.filters import LeaveRequestFilter
from leave.models import ApprovalStep, LeaveRequest, LeaveRule, LeaveType, OvertimeRequest
from leave.selectors import (
    SchoolRules,
    approval_inbox,
    can_view_overtime,
    can_view_request,
    covered_by,
    leave_balances,
    leave_filing_unavailable,
    overtime_inbox,
    request_actions,
    school_rules,
    visible_leave_requests,
)
from leave.services import (
    approval_step_reassign,
    leave_request_cancel,
    leave_request_preview,
    leave_request_submit,
    leave_request_withdraw,
    leave_step_approve,
    leave_step_reject,
    overtime_decide,
    overtime_settle,
    overtime_submit,
)
from staff.models import Role, StaffMember
from staff.permissions import visible_staff
from staff.selectors import person_in_school, person_named, staff_required_for
from staff.twdate import format_days_hours


class StaffBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    unit = serializers.CharField(source="unit.name", default="", allow_null=True)


# --- Types and balances ----------------------------------------------------------------------------


class RuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeaveRule
        fields = [
            "id", "audience", "categories", "effective_from", "effective_to", "grant_kind", "quota_days",
            "seniority_steps", "event_options", "period", "monthly_cap_days", "unit", "counts_non_working_days",
            "proof_required", "proof_from_days", "may_refuse", "over_quota", "overflow_to", "draws_from",
            "draws_from_free_days", "substitute_payer",
        ]


class TypeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="leave_type.pk")
    code = serializers.CharField(source="leave_type.code")
    name = serializers.CharField(source="leave_type.display_name")
    rule = RuleSerializer()


NoLeaveFilingOutput = inline_serializer("NoLeaveFiling", {
    "detail": serializers.CharField(),
    "code": serializers.CharField(),
    "handled_by": serializers.CharField(),
    "contacts": serializers.ListField(child=serializers.DictField()),
})


class LeaveTypeListView(APIView):
    @extend_schema(
        summary="假別：我目前可請的假別與適用規則",
        description="沒有可請假別的人員（代課教師）得到 403，說明原因與負責登錄缺課的單位及聯絡人。",
        parameters=[OpenApiParameter("on", dt.date, description="基準日（預設今天）")],
        responses={200: TypeSerializer(many=True), 403: NoLeaveFilingOutput},
    )
    def get(self, request):
        me = staff_required_for(request)
        on = _date_param(request, "on") or timezone.localdate()
        rules = school_rules(me.school_id)
        unavailable = leave_filing_unavailable(staff=me, on=on, rules=rules)
        if unavailable is not None:
            # Not an empty list: why the person files no leave, and who handles their absence.
            return Response({
                "detail": unavailable.message, "code": unavailable.code, "handled_by": unavailable.handled_by,
                "contacts": [{"id": p.pk, "name": p.name, "title": p.title} for p in unavailable.contacts],
            }, status=403)
        pairs = rules.types_for(me.category, on)
        return Response(TypeSerializer([{"leave_type": t, "rule": r} for t, r in pairs], many=True).data)


class BalanceSerializer(serializers.Serializer):
    code = serializers.CharField(source="leave_type.code")
    name = serializers.CharField(source="leave_type.display_name")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    granted = serializers.IntegerField(allow_null=True, help_text="核給時數；null 表示依事由或依核定")
    used = serializers.IntegerField()
    pending = serializers.IntegerField()
    unpaid = serializers.IntegerField()
    remaining = serializers.IntegerField(
        allow_null=True, help_text="可用時數；併入他假別者取本假別與該假別剩餘之較小者")
    own_remaining = serializers.IntegerField(allow_null=True, help_text="本假別額度剩餘時數（不計所併入之假別）")
    remaining_text = serializers.SerializerMethodField()

    def get_remaining_text(self, row) -> str:
        return "" if row.remaining is None else remaining_text(row.remaining)


def _date_param(request, name: str) -> dt.date | None:
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        return parse_date(value)
    except BadInput as exc:
        raise serializers.ValidationError({name: exc.message}, code=exc.code) from exc


def _person_param(request, me: StaffMember, name: str) -> StaffMember:
    """The one person a query parameter names among those ``me`` may see (staff.selectors.person_named):
    404 for nobody (as for someone not visible), 400 ``ambiguous`` when the text names several."""
    found = person_named(request.query_params[name][:100], among=visible_staff(me))
    if found is None:
        raise Http404
    return found


class BalanceListView(APIView):
    @extend_schema(
        summary="假別餘額（預設本人；主管與人事室可查所轄人員）",
        parameters=[
            OpenApiParameter("staff", str, description="whose balances: a name (or part of it), an employee number, "
                             "an account or the id; default: the signed-in person"),
            OpenApiParameter("on", dt.date),
        ],
        responses=BalanceSerializer(many=True),
    )
    def get(self, request):
        me = staff_required_for(request)
        subject = me
        if request.query_params.get("staff"):
            subject = _person_param(request, me, "staff")
        on = _date_param(request, "on") or timezone.localdate()
        rows = leave_balances(staff_members=[subject], on=on)[subject.pk]
        return Response(BalanceSerializer(rows, many=True).data)


# --- Requests --------------------------------------------------------------------------------------


class FieldsOnceModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer that works its fields out from the model once per class, not for every answer: DRF
    builds them anew for each instance (about 1 ms for a request with its steps); each instance gets copies,
    since fields are bound to their serializer. Its fields depend on the class alone (Meta and the declared
    fields), never on the instance or the context."""

    def get_fields(self):
        built = type(self).__dict__.get("_fields_built")
        if built is None:
            built = super().get_fields()
            type(self)._fields_built = built
        return copy.deepcopy(built)


class StepSerializer(FieldsOnceModelSerializer):
    assignee = StaffBriefSerializer(allow_null=True)
    acted_by = StaffBriefSerializer(allow_null=True)
    on_behalf_of = StaffBriefSerializer(allow_null=True)

    class Meta:
        model = ApprovalStep
        fields = ["id", "order", "role", "status", "assignee", "acted_by", "on_behalf_of", "comment",
                  "activated_at", "acted_at"]


class RequestSerializer(FieldsOnceModelSerializer):
    applicant = StaffBriefSerializer()
    deputy = StaffBriefSerializer()
    leave_type = serializers.CharField(source="leave_type.code")
    leave_type_name = serializers.CharField(source="leave_type.display_name")
    chain_name = serializers.CharField(source="chain_display", read_only=True)
    length = serializers.SerializerMethodField()
    span = serializers.SerializerMethodField()

    class Meta:
        model = LeaveRequest
        fields = [
            "id", "kind", "amends", "cancels_all", "applicant", "leave_type", "leave_type_name", "start", "end",
            "span", "hours", "length", "unpaid_hours", "reason", "event_key", "event_date", "deputy",
            "class_arrangement", "status", "chain_name", "substitute_paid_by", "submitted_at", "decided_at",
        ]

    def get_length(self, obj) -> str:
        return format_days_hours(obj.hours)

    def get_span(self, obj) -> str:
        return span_text(obj.start, obj.end)


class RequestDetailSerializer(RequestSerializer):
    steps = StepSerializer(many=True, source="step_list")
    attachments = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(
        help_text="呼叫者現在可做的動作（approve, reject, withdraw, cancel, reassign）：依狀態表與簽核權限"
    )

    class Meta(RequestSerializer.Meta):
        fields = [*RequestSerializer.Meta.fields, "steps", "attachments", "actions"]

    def get_actions(self, obj) -> list[str]:
        viewer = self.context.get("viewer")
        return request_actions(viewer, obj).names if viewer is not None else []

    def get_attachments(self, obj) -> list[dict]:
        from django.urls import reverse

        attachments = getattr(obj, "attachment_list", None)
        if attachments is None:
            attachments = obj.attachments.all()
        return [{"id": a.pk, "name": a.name, "url": reverse("leave:attachment", args=[a.pk])} for a in attachments]


class SubmitInput(serializers.Serializer):
    leave_type = serializers.IntegerField(help_text="假別 id（見 /api/leave/types/）")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    deputy = serializers.IntegerField(help_text="職務代理人（教職員 id）")
    reason = serializers.CharField(allow_blank=True, default="")
    event_key = serializers.CharField(allow_blank=True, default="", max_length=30)
    event_date = serializers.DateField(allow_null=True, default=None)
    class_arrangement = serializers.CharField(allow_blank=True, default="")
    attachments = serializers.ListField(child=serializers.FileField(), default=list)


class RequestListView(ListAPIView):
    """Requests the caller may see (own, their units', or the school's for personnel), newest first."""

    serializer_class = RequestSerializer
    filterset_class = LeaveRequestFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return LeaveRequest.objects.none()
        return visible_leave_requests(staff_required_for(self.request))

    @extend_schema(summary="假單列表", responses=RequestSerializer(many=True))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="送出假單", request=SubmitInput, responses={201: RequestDetailSerializer})
    def post(self, request):
        me = staff_required_for(request)
        data = SubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        rules = school_rules(me.school_id)  # read once: for the type here and for the service
        leave_type = _leave_type(me, values["leave_type"], rules)
        # The deputy by id alone: the service locks and reads both people in one statement, and refuses an
        # unknown id as it would a missing deputy.
        deputy = StaffMember(pk=values["deputy"])
        created = leave_request_submit(
            applicant=me, leave_type=leave_type, start=values["start"], end=values["end"], deputy=deputy,
            reason=values["reason"], event_key=values["event_key"], event_date=values["event_date"],
            class_arrangement=values["class_arrangement"], attachments=values["attachments"], rules=rules,
        )
        # The service hands the request back with its steps and attachments: shown without reading it again.
        created.step_list, created.attachment_list = created.held_steps, created.held_attachments
        return Response(_shown(me, created), status=status.HTTP_201_CREATED)


def _leave_type(me: StaffMember, pk: int, rules: SchoolRules | None = None) -> LeaveType:
    """The school's leave type; an unknown one is bad input (400), not a missing page."""
    # The school's types with rules come from the cache (leave.school_cache); one without rules is read.
    leave_type = (rules or school_rules(me.school_id)).types.get(pk)
    if leave_type is None:
        leave_type = LeaveType.objects.filter(pk=pk, school_id=me.school_id).first()
    if leave_type is None:
        raise serializers.ValidationError({"leave_type": [_("沒有這個假別")]})
    return leave_type


def _detail(me: StaffMember, pk: int) -> dict:
    return _shown(me, _visible(me, pk))


def _shown(me: StaffMember, leave: LeaveRequest) -> dict:
    """The detail of a request ``me`` may see, as read by ``_visible`` or handed back by a service, with its
    ``step_list`` (and its ``attachment_list``, else they are read)."""
    return RequestDetailSerializer(leave, context={"viewer": me}).data


def _visible(me: StaffMember, pk: int) -> LeaveRequest:
    leave = get_object_or_404(
        LeaveRequest.objects.select_related("applicant__unit", "leave_type", "deputy__unit", "rule"),
        pk=pk, school_id=me.school_id,
    )
    leave.step_list = list(leave.steps.select_related("assignee__unit", "acted_by__unit", "on_behalf_of__unit"))
    for step in leave.step_list:
        step.request = leave
    if not can_view_request(me, leave):
        raise Http404
    leave.attachment_list = list(leave.attachments.all())
    return leave


class RequestDetailView(APIView):
    @extend_schema(summary="假單明細與簽核進度", responses=RequestDetailSerializer)
    def get(self, request, pk: int):
        return Response(_detail(staff_required_for(request), pk))


class PreviewInput(serializers.Serializer):
    leave_type = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    event_key = serializers.CharField(allow_blank=True, default="", max_length=30)
    event_date = serializers.DateField(allow_null=True, default=None)


PreviewOutput = inline_serializer("LeavePreview", {
    "hours": serializers.IntegerField(),
    "length": serializers.CharField(),
    "unpaid_hours": serializers.IntegerField(),
    "days": serializers.ListField(child=serializers.DictField()),
    "balances": serializers.ListField(child=serializers.DictField()),
    "chain": serializers.CharField(),
})


class PreviewView(APIView):
    @extend_schema(summary="試算：請假時數與送出後餘額（不寫入）", request=PreviewInput, responses=PreviewOutput)
    def post(self, request):
        me = staff_required_for(request)
        data = PreviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        leave_type = _leave_type(me, values["leave_type"])
        preview = leave_request_preview(applicant=me, leave_type=leave_type, start=values["start"], end=values["end"],
                                        event_key=values["event_key"], event_date=values["event_date"])
        return Response({
            "hours": preview.hours,
            "length": format_days_hours(preview.hours),
            "unpaid_hours": preview.unpaid_hours,
            "days": [{"day": d.day, "hours": d.hours} for d in preview.plan.days],
            "balances": [
                {"code": b.leave_type.code, "name": b.leave_type.display_name, "remaining_before": b.remaining_before,
                 "remaining_after": b.remaining_after, "hours": b.hours, "unpaid": b.unpaid,
                 "period_start": b.period_start, "period_end": b.period_end, "period": b.period_text}
                for b in preview.balances
            ],
            "chain": preview.plan.chain.name,
        })


class CommentInput(serializers.Serializer):
    comment = serializers.CharField(allow_blank=True, default="")


class _Decision(Protocol):
    """A decision on the current step: leave_step_approve or leave_step_reject (always given a comment)."""

    def __call__(self, *, request: LeaveRequest, actor: StaffMember, comment: str) -> LeaveRequest: ...


class _StepDecisionView(APIView):
    decide: _Decision = staticmethod(leave_step_approve)

    def post(self, request, pk: int):
        me = staff_required_for(request)
        data = CommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        leave = _visible(me, pk)
        decided = self.decide(request=leave, actor=me, comment=data.validated_data["comment"])
        held = getattr(decided, "held_steps", None)
        if held is None:  # a rejection: read again
            return Response(_detail(me, pk))
        # An approval hands the request back with its steps as they are now: shown without reading it again
        # (its attachments, which a decision does not change, as read before it).
        decided.step_list, decided.attachment_list = held, leave.attachment_list
        return Response(_shown(me, decided))


@extend_schema(summary="同意目前關卡（職務代理人確認或主管核章）", request=CommentInput,
               responses=RequestDetailSerializer)
class ApproveView(_StepDecisionView):
    decide = staticmethod(leave_step_approve)


@extend_schema(summary="駁回（須附意見）", request=CommentInput, responses=RequestDetailSerializer)
class RejectView(_StepDecisionView):
    decide = staticmethod(leave_step_reject)


class WithdrawView(APIView):
    @extend_schema(summary="撤回簽核中的假單", request=None, responses=RequestDetailSerializer)
    def post(self, request, pk: int):
        me = staff_required_for(request)
        leave_request_withdraw(request=_visible(me, pk), actor=me)
        return Response(_detail(me, pk))


class CancelInput(serializers.Serializer):
    start = serializers.DateTimeField(allow_null=True, default=None, help_text="保留期間開始；兩者皆空表示全部銷假")
    end = serializers.DateTimeField(allow_null=True, default=None)
    reason = serializers.CharField(allow_blank=True, default="")


class CancelView(APIView):
    @extend_schema(summary="銷假：全部取消或縮短已核准的假", request=CancelInput,
                   responses={201: RequestDetailSerializer})
    def post(self, request, pk: int):
        me = staff_required_for(request)
        data = CancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        cancellation = leave_request_cancel(request=_visible(me, pk), actor=me, new_start=values["start"],
                                            new_end=values["end"], reason=values["reason"])
        return Response(_detail(me, cancellation.pk), status=status.HTTP_201_CREATED)


class ReassignInput(serializers.Serializer):
    to = serializers.IntegerField(help_text="改派對象（教職員 id）")
    comment = serializers.CharField(allow_blank=True, default="")


class ReassignView(APIView):
    @extend_schema(summary="人事室改派目前關卡的簽核人", request=ReassignInput, responses=StepSerializer)
    def post(self, request, pk: int):
        me = staff_required_for(request)
        step = get_object_or_404(ApprovalStep.objects.select_related("request"), pk=pk,
                                 request__school_id=me.school_id)
        if not (me.has_role(Role.PERSONNEL) or me.has_role(Role.SYSTEM_ADMIN)):
            # Refused before the input is read (403, with the service's code), as the page does.
            refusal = {"detail": _("只有人事室可以改派簽核人"), "code": "forbidden"}
            return Response(refusal, status=status.HTTP_403_FORBIDDEN)
        data = ReassignInput(data=request.data)
        data.is_valid(raise_exception=True)
        to = person_in_school(staff_id=data.validated_data["to"], school_id=me.school_id)
        if to is None:
            raise serializers.ValidationError({"to": [_("只能改派給本校在職人員")]})
        step = approval_step_reassign(step=step, to=to, actor=me, comment=data.validated_data["comment"])
        return Response(StepSerializer(step).data)


class InboxStepSerializer(StepSerializer):
    request = RequestSerializer()

    class Meta(StepSerializer.Meta):
        fields = [*StepSerializer.Meta.fields, "request"]


class InboxView(APIView):
    @extend_schema(summary="待我簽核（含代理休假中主管的關卡），最早送達者在前",
                   responses=InboxStepSerializer(many=True))
    def get(self, request):
        me = staff_required_for(request)
        return Response(InboxStepSerializer(approval_inbox(me), many=True).data)


# --- Overtime --------------------------------------------------------------------------------------


class OvertimeSerializer(serializers.ModelSerializer):
    staff = StaffBriefSerializer()
    approver = StaffBriefSerializer(allow_null=True)

    class Meta:
        model = OvertimeRequest
        fields = ["id", "staff", "work_date", "planned_start", "planned_end", "reason", "compensation", "status",
                  "approver", "decided_at", "comment", "worked_start", "worked_end", "credited_hours", "settlement",
                  "settled_at", "expires_on"]


class OvertimeInput(serializers.Serializer):
    planned_start = serializers.DateTimeField()
    planned_end = serializers.DateTimeField()
    reason = serializers.CharField()
    compensation = serializers.ChoiceField(choices=OvertimeRequest.Compensation.choices,
                                           default=OvertimeRequest.Compensation.COMP_TIME)


class OvertimeListView(APIView):
    @extend_schema(summary="我的加班，與待我核准的加班", responses=inline_serializer("OvertimeLists", {
        "mine": OvertimeSerializer(many=True), "to_approve": OvertimeSerializer(many=True)}))
    def get(self, request):
        me = staff_required_for(request)
        mine = OvertimeRequest.objects.filter(staff=me).select_related("staff__unit", "approver__unit")[:100]
        waiting = overtime_inbox(me, covering=covered_by(me))
        return Response({"mine": OvertimeSerializer(mine, many=True).data,
                         "to_approve": OvertimeSerializer(waiting, many=True).data})

    @extend_schema(summary="申請加班（須事先申請）", request=OvertimeInput, responses={201: OvertimeSerializer})
    def post(self, request):
        me = staff_required_for(request)
        data = OvertimeInput(data=request.data)
        data.is_valid(raise_exception=True)
        overtime = overtime_submit(staff=me, **data.validated_data)
        return Response(OvertimeSerializer(overtime).data, status=status.HTTP_201_CREATED)


class OvertimeDecisionInput(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(allow_blank=True, default="")


def _overtime(me: StaffMember, pk: int) -> OvertimeRequest:
    overtime = get_object_or_404(OvertimeRequest.objects.select_related("staff"), pk=pk, school_id=me.school_id)
    if not can_view_overtime(me, overtime):
        raise Http404
    return overtime


class OvertimeDecisionView(APIView):
    @extend_schema(summary="單位主管核准或駁回加班", request=OvertimeDecisionInput, responses=OvertimeSerializer)
    def post(self, request, pk: int):
        me = staff_required_for(request)
        overtime = _overtime(me, pk)  # a stranger is refused before their input is read
        data = OvertimeDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        overtime = overtime_decide(overtime=overtime, actor=me, **data.validated_data)
        return Response(OvertimeSerializer(overtime).data)


class SettleInput(serializers.Serializer):
    worked_start = serializers.DateTimeField()
    worked_end = serializers.DateTimeField()


class OvertimeSettleView(APIView):
    @extend_schema(summary="依刷卡核計加班時數（人事室，或出勤模組代為呼叫）", request=SettleInput,
                   responses=OvertimeSerializer)
    def post(self, request, pk: int):
        me = staff_required_for(request)
        overtime = _overtime(me, pk)  # a stranger is refused before their input is read
        data = SettleInput(data=request.data)
        data.is_valid(raise_exception=True)
        overtime = overtime_settle(overtime=overtime, actor=me, **data.validated_data)
        return Response(OvertimeSerializer(overtime).data)
