"""REST API of the coverage module: needs, candidates, assignments, the pay report.

Same rules as the pages: academic affairs of the school arrange; academic affairs, personnel
and the principal read the pay report. Domain errors come back as 400 {detail, code}.
"""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from common.inputs import BadInput, parse_month
from staff.selectors import staff_for_request, staff_required_for
from substitutes.filters import CoverageAssignmentFilter, CoverageNeedFilter
from substitutes.models import CoverageAssignment, CoverageNeed
from substitutes.proposal import MAX_PROPOSAL_NEEDS, coverage_proposal
from substitutes.selectors import (
    can_arrange,
    can_see_pay,
    coverage_assignment_list,
    coverage_candidates,
    coverage_need_list,
    offers_enabled,
    pay_report,
    pending_offers,
)
from substitutes.services import (
    MAX_NEEDS_AT_ONCE,
    ProposalCell,
    coverage_assign,
    coverage_assign_many,
    coverage_offers_answer,
    coverage_policy_set,
    coverage_proposal_confirm,
    coverage_unassign,
)
from substitutes.states import ASSIGNMENT, NEED


class IsAcademicAffairs(BasePermission):
    message = gettext_lazy("只有教學組可以使用")

    def has_permission(self, request, view) -> bool:
        return can_arrange(staff_for_request(request))


class HasStaff(BasePermission):
    message = "此帳號沒有教職員資料"

    def has_permission(self, request, view) -> bool:
        return staff_for_request(request) is not None


class CanSeePay(BasePermission):
    message = gettext_lazy("只有教學組、人事室與校長可以查看代課鐘點費")

    def has_permission(self, request, view) -> bool:
        return can_see_pay(staff_for_request(request))


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AssignmentSerializer(serializers.ModelSerializer):
    substitute = PersonSerializer()
    actions = serializers.SerializerMethodField(
        help_text="what the status table allows now: accept, decline (the substitute), cancel (academic affairs)"
    )

    class Meta:
        model = CoverageAssignment
        fields = [
            "id", "need", "kind", "status", "substitute", "date", "period_number", "division", "starts_at", "ends_at",
            "paid_by", "swap_date", "swap_period_number", "swap_class_name", "swap_subject", "note", "created_at",
            "cancelled_at", "cancel_reason", "answered_at", "decline_reason", "actions",
        ]

    def get_actions(self, assignment) -> list[str]:
        return ASSIGNMENT.actions(assignment.status)


class NeedSerializer(serializers.ModelSerializer):
    teacher = PersonSerializer()
    leave_type = serializers.CharField(source="absence.leave_type_display")
    leave_request_id = serializers.IntegerField(source="absence.leave_request_id", allow_null=True)
    leave_status = serializers.CharField(source="absence.status")
    paid_by = serializers.CharField(source="absence.paid_by")
    assignment = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(
        help_text="what the status table allows now: assign, offer, accept, decline, unassign, cancel"
    )

    class Meta:
        model = CoverageNeed
        fields = [
            "id", "date", "division", "period_number", "period_label", "starts_at", "ends_at", "class_name",
            "subject", "room", "status", "teacher", "leave_type", "leave_request_id", "leave_status", "paid_by",
            "assignment", "declined_at", "actions",
        ]

    def get_actions(self, need) -> list[str]:
        return NEED.actions(need.status)

    @extend_schema_field(AssignmentSerializer(allow_null=True))
    def get_assignment(self, need):
        active = need.active_assignments  # prefetched by the selector
        return AssignmentSerializer(active[0]).data if active else None


class NeedList(generics.ListAPIView):
    """Coverage needs of the caller's school, each with its active assignment."""

    serializer_class = NeedSerializer
    permission_classes = [IsAuthenticated, IsAcademicAffairs]
    filterset_class = CoverageNeedFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return CoverageNeed.objects.none()
        return coverage_need_list(school=staff_for_request(self.request).school)


def _need_for(request, pk: int) -> CoverageNeed:
    school_id = staff_required_for(request).school_id
    need = CoverageNeed.objects.select_related("school").filter(pk=pk, school_id=school_id).first()
    if need is None:
        raise Http404
    return need


class CandidateSerializer(serializers.Serializer):
    staff = PersonSerializer()
    same_subject = serializers.BooleanField()
    month_count = serializers.IntegerField(help_text="本月已代課節數")
    subjects = serializers.ListField(child=serializers.CharField())
    pool = serializers.BooleanField(help_text="代課人力庫（代課教師）")
    reason = serializers.CharField(allow_null=True, help_text="無法代課的原因：on_leave / teaching / covering")


class CandidatesSerializer(serializers.Serializer):
    internal = CandidateSerializer(many=True)
    pool = CandidateSerializer(many=True)
    unavailable = CandidateSerializer(many=True)


class NeedCandidates(APIView):
    permission_classes = [IsAuthenticated, IsAcademicAffairs]

    @extend_schema(responses=CandidatesSerializer)
    def get(self, request, pk: int):
        """Who could cover this need, best first (free, not on leave, same subject, fewest this month)."""
        return Response(CandidatesSerializer(coverage_candidates(need=_need_for(request, pk))).data)


class NeedAssign(APIView):
    permission_classes = [IsAuthenticated, IsAcademicAffairs]

    class AssignInputSerializer(serializers.Serializer):
        substitute_id = serializers.IntegerField()
        kind = serializers.ChoiceField(choices=CoverageAssignment.Kind.choices, default="substitute")
        swap_date = serializers.DateField(required=False, allow_null=True)
        swap_period_number = serializers.IntegerField(required=False, allow_null=True, min_value=0)
        note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")

    @extend_schema(request=AssignInputSerializer, responses={201: AssignmentSerializer})
    def post(self, request, pk: int):
        """Assign a substitute (代課) or record a swap (調課); refused with 400 {detail, code} on a clash."""
        need = _need_for(request, pk)
        data = self.AssignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = coverage_assign(actor=staff_required_for(request), need_id=need.pk, **data.validated_data)
        return Response(AssignmentSerializer(assignment).data, status=201)


class RefusalSerializer(serializers.Serializer):
    need = serializers.IntegerField(source="need.pk")
    date = serializers.DateField(source="need.date")
    period_label = serializers.CharField(source="need.period_label")
    class_name = serializers.CharField(source="need.class_name")
    code = serializers.CharField(
        help_text="need_cancelled / already_covered / same_teacher / on_leave / teaching / covering"
    )
    detail = serializers.CharField(source="message")


class AssignManyResultSerializer(serializers.Serializer):
    substitute = PersonSerializer()
    assigned = AssignmentSerializer(many=True)
    refused = RefusalSerializer(many=True)
    offered = serializers.BooleanField(help_text="true: the assignments are offers waiting for the answer (提供)")


class AssignMany(APIView):
    permission_classes = [IsAuthenticated, IsAcademicAffairs]

    class AssignManyInputSerializer(serializers.Serializer):
        need_ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=MAX_NEEDS_AT_ONCE
        )
        substitute_id = serializers.IntegerField()
        note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")

    @extend_schema(request=AssignManyInputSerializer, responses={200: AssignManyResultSerializer})
    def post(self, request):
        """Give several needs to one substitute (代課) at once: the free periods are assigned, the
        clashing ones listed in ``refused`` with their code. A need of another school, or a substitute
        who cannot cover at all, refuses the whole request (400 {detail, code}) and changes nothing."""
        data = self.AssignManyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = coverage_assign_many(actor=staff_for_request(request), **data.validated_data)
        return Response(AssignManyResultSerializer(result).data)


class AssignmentList(generics.ListAPIView):
    """Assignments of the caller's school."""

    serializer_class = AssignmentSerializer
    permission_classes = [IsAuthenticated, IsAcademicAffairs]
    filterset_class = CoverageAssignmentFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return CoverageAssignment.objects.none()
        return coverage_assignment_list(school=staff_for_request(self.request).school)


class AssignmentCancel(APIView):
    permission_classes = [IsAuthenticated, IsAcademicAffairs]

    class AssignmentCancelInput(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")

    @extend_schema(request=AssignmentCancelInput, responses=AssignmentSerializer)
    def post(self, request, pk: int):
        """Take an assignment back: the need is open again."""
        data = self.AssignmentCancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        me = staff_required_for(request)
        if not CoverageAssignment.objects.filter(pk=pk, school_id=me.school_id).exists():
            raise Http404
        assignment = coverage_unassign(actor=me, assignment_id=pk, **data.validated_data)
        return Response(AssignmentSerializer(assignment).data)


class PayRowSerializer(serializers.Serializer):
    substitute_id = serializers.IntegerField()
    employee_no = serializers.CharField()
    name = serializers.CharField()
    paid_by = serializers.CharField(help_text="school 公費 / teacher 自理")
    periods = serializers.IntegerField()
    amount = serializers.IntegerField(help_text="新臺幣元")


class PayReportSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    month = serializers.IntegerField()
    rows = PayRowSerializer(many=True)
    school_total = serializers.IntegerField()
    teacher_total = serializers.IntegerField()
    total_periods = serializers.IntegerField()
    total_amount = serializers.IntegerField()


class PayReport(APIView):
    permission_classes = [IsAuthenticated, CanSeePay]

    class QuerySerializer(serializers.Serializer):
        month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", required=False, help_text="YYYY-MM，預設本月")

    @extend_schema(
        parameters=[OpenApiParameter("month", str, description="YYYY-MM (default: this month)")],
        responses=PayReportSerializer,
    )
    def get(self, request):
        """Each substitute's covered periods in a month, by payer, at the rate in force each day."""
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = timezone.localdate()
        try:
            year, month = parse_month(query.validated_data.get("month", f"{today:%Y-%m}"))
        except BadInput as exc:
            raise serializers.ValidationError({"month": [exc.message]}, code=exc.code) from exc
        report = pay_report(school=staff_for_request(request).school, year=year, month=month, with_lines=False)
        return Response(PayReportSerializer(report).data)


class ProposalChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="person.staff.pk")
    name = serializers.CharField(source="person.staff.name")
    rank = serializers.IntegerField(help_text="0 同科 … 8 校長 (docs/substitutes.md); lower is better")
    tier = serializers.CharField(source="label")
    month_count = serializers.IntegerField(help_text="cover periods this month before this proposal")


class ProposalCellSerializer(serializers.Serializer):
    need_id = serializers.IntegerField(source="need.pk")
    fingerprint = serializers.CharField(help_text="send it back unchanged when confirming")
    date = serializers.DateField(source="need.date")
    period_number = serializers.IntegerField(source="need.period_number")
    period_label = serializers.CharField(source="need.period_label")
    class_name = serializers.CharField(source="need.class_name")
    subject = serializers.CharField(source="need.subject")
    teacher = serializers.CharField(source="need.teacher.name")
    substitute = ProposalChoiceSerializer(source="chosen", allow_null=True, help_text="null: left open")
    candidates = ProposalChoiceSerializer(source="choices", many=True)


class ProposalSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    optimal = serializers.BooleanField(help_text="false: the solver's time limit came first (best found)")
    covered = serializers.IntegerField()
    cells = ProposalCellSerializer(many=True)


class Propose(APIView):
    permission_classes = [IsAuthenticated, IsAcademicAffairs]

    class ProposeInput(serializers.Serializer):
        start = serializers.DateField()
        end = serializers.DateField()
        absence_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, default=None)

    @extend_schema(request=ProposeInput, responses={200: ProposalSerializer})
    def post(self, request):
        """Propose a substitute for every open need of the caller's school in [start, end] (of one absence
        with ``absence_id``): the optimum of the objective in docs/substitutes.md. Nothing is assigned;
        confirm with /api/substitutes/proposals/confirm/."""
        data = self.ProposeInput(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = coverage_proposal(school=staff_for_request(request).school, **data.validated_data)
        return Response(ProposalSerializer(proposal).data)


class ProposalCellInput(serializers.Serializer):
    need_id = serializers.IntegerField(min_value=1)
    fingerprint = serializers.RegexField(r"^[0-9a-f]{1,64}$", help_text="as the proposal gave it")
    substitute_id = serializers.IntegerField(min_value=1, allow_null=True, help_text="null: leave the period open")


class ProposalConfirmInput(serializers.Serializer):
    # many=True hands allow_empty and max_length to the list serializer DRF builds (many_init); the stubs
    # type only the child's own arguments.
    cells = ProposalCellInput(many=True, allow_empty=False, max_length=MAX_PROPOSAL_NEEDS)  # type: ignore[call-arg]  # the list serializer's (many_init)


class ProposalConfirmResult(serializers.Serializer):
    assigned = AssignmentSerializer(many=True)
    left_open = serializers.IntegerField()


class ProposalConfirm(APIView):
    permission_classes = [IsAuthenticated, IsAcademicAffairs]

    @extend_schema(request=ProposalConfirmInput, responses={200: ProposalConfirmResult})
    def post(self, request):
        """Assign exactly the grid sent (each cell: need, its fingerprint from the proposal, substitute or
        null) in one transaction, or nothing: a need changed since the proposal (code ``changed``) or a
        grid breaking the school's rules (``rules``) is refused with a message naming the periods."""
        data = ProposalConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        cells = [ProposalCell(**c) for c in data.validated_data["cells"]]
        result = coverage_proposal_confirm(actor=staff_for_request(request), cells=cells)
        return Response(ProposalConfirmResult(result).data)
class OfferSerializer(AssignmentSerializer):
    """An offer (提供) to the caller, with the class period it is for."""

    class_name = serializers.CharField(source="need.class_name")
    subject = serializers.CharField(source="need.subject")
    room = serializers.CharField(source="need.room")
    period_label = serializers.CharField(source="need.period_label")
    teacher = PersonSerializer(source="need.teacher")

    class Meta(AssignmentSerializer.Meta):
        fields = [*AssignmentSerializer.Meta.fields, "class_name", "subject", "room", "period_label", "teacher"]


class MyOffers(generics.ListAPIView):
    """Offers made to the caller and not answered yet (anyone with a staff record; others get 403)."""

    serializer_class = OfferSerializer
    permission_classes = [IsAuthenticated, HasStaff]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return CoverageAssignment.objects.none()
        return pending_offers(staff=staff_for_request(self.request))


class OfferAnswerResultSerializer(serializers.Serializer):
    accepted = serializers.BooleanField()
    reason = serializers.CharField()
    assignments = AssignmentSerializer(many=True)


class OffersAnswer(APIView):
    permission_classes = [IsAuthenticated, HasStaff]

    class OffersAnswerInput(serializers.Serializer):
        assignment_ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=MAX_NEEDS_AT_ONCE
        )
        accept = serializers.BooleanField()
        reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="",
                                       help_text="required when declining")

    @extend_schema(request=OffersAnswerInput, responses={200: OfferAnswerResultSerializer})
    def post(self, request):
        """Accept or decline offers made to the caller, all or none: 400 {detail, code} when one is not
        theirs (forbidden), already answered or withdrawn (not_offered), or a decline has no reason
        (reason_required)."""
        data = self.OffersAnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        answer = coverage_offers_answer(actor=staff_for_request(request), **data.validated_data)
        return Response(OfferAnswerResultSerializer(
            {"accepted": answer.accepted, "reason": answer.reason, "assignments": answer.assignments}
        ).data)


class PolicySerializer(serializers.Serializer):
    offers_enabled = serializers.BooleanField(help_text="true: assignments are first offered (提供)")


class Policy(APIView):
    """The school's coverage settings (academic affairs)."""

    permission_classes = [IsAuthenticated, IsAcademicAffairs]

    @extend_schema(responses=PolicySerializer)
    def get(self, request):
        school_id = staff_for_request(request).school_id
        return Response(PolicySerializer({"offers_enabled": offers_enabled(school_id=school_id)}).data)

    @extend_schema(request=PolicySerializer, responses=PolicySerializer)
    def post(self, request):
        data = PolicySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = coverage_policy_set(actor=staff_for_request(request), **data.validated_data)
        return Response(PolicySerializer(policy).data)
