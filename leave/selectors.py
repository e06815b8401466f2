"""Reads: the school's rules, balances, spans, inboxes and lists. Other apps may use leave_spans.

CONTRACT: ``leave_spans(staff_ids=..., start=..., end=..., statuses=...)`` returns the
leave time of those people overlapping [start, end] (dates, inclusive), in one query.
The attendance module uses it to mark days covered by leave.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypedDict

from django.conf import settings
from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    Exists,
    F,
    Field,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from common.i18n import enumerate_text
from common.prepared import PreparedInstances
from leave import rules as R
from leave import school_cache
from leave.models import (
    ACTIVE_STATUSES,
    ApprovalRole,
    ApprovalStep,
    BalanceAdjustment,
    GrantKind,
    LeaveAttachment,
    LeaveCharge,
    LeaveDay,
    LeaveRequest,
    LeaveRule,
    LeaveStatus,
    LeaveType,
    OvertimeRequest,
    PendingAttachment,
)
from leave.states import APPROVAL_STEP, LEAVE_REQUEST
from schedules.calendar import DutyDay
from staff import selectors as staff_selectors
from staff.models import Role, StaffCategory, StaffMember
from staff.permissions import can_see_staff, visible_staff_q
from staff.selectors import people_by_ids, roles_of, school_role_rows

# --- Spans (contract) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaveSpan:
    staff_id: int
    leave_request_id: int
    start: dt.datetime
    end: dt.datetime
    leave_type_code: str
    leave_type_name: str
    status: str  # "approved" or "pending"
    leave_type_name_en: str = ""  # the English name, "" when the school gave none


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def leave_spans(
    *, staff_ids: Iterable[int], start: dt.date, end: dt.date, statuses: Iterable[str] = ("approved",)
) -> list[LeaveSpan]:
    """Leave of those people overlapping the days ``start``..``end``. One query."""
    rows = (
        LeaveRequest.objects.filter(
            kind=LeaveRequest.Kind.LEAVE,
            applicant_id__in=list(staff_ids),
            status__in=list(statuses),
            start__lt=_day_start(end + dt.timedelta(days=1)),
            end__gt=_day_start(start),
        )
        .order_by("applicant_id", "start", "id")
        .values_list("id", "applicant_id", "start", "end", "status", "leave_type__code", "leave_type__name",
                     "leave_type__name_en")
    )
    return [
        LeaveSpan(staff_id=staff_id, leave_request_id=pk, start=s, end=e, leave_type_code=code,
                  leave_type_name=name, leave_type_name_en=name_en, status=status)
        for pk, staff_id, s, e, status, code, name, name_en in rows
    ]


@dataclass(frozen=True)
class LeaveHours:
    """CONTRACT: the hours an approved request counts on one day, as its balance was charged."""

    staff_id: int
    day: dt.date
    leave_type_code: str
    leave_type_name: str
    leave_type_order: int  # the school's order of its types (LeaveType.sort_order)
    hours: int


def leave_hours(*, staff_ids: Iterable[int], start: dt.date, end: dt.date) -> list[LeaveHours]:
    """CONTRACT: the approved leave of those people counted day by day (``LeaveDay``) on ``start``..``end``,
    in one query: what attendance's month sheet totals by type, in the hours balances are kept in.
    ``staff_ids`` may be a ``values_list("pk", flat=True)`` queryset (a subquery)."""
    ids = staff_ids if isinstance(staff_ids, QuerySet) else list(staff_ids)
    rows = (
        LeaveDay.objects.filter(
            request__kind=LeaveRequest.Kind.LEAVE,
            request__status=LeaveStatus.APPROVED,
            request__applicant_id__in=ids,
            day__range=(start, end),
        )
        .order_by("request__applicant_id", "day", "request__leave_type__sort_order", "request_id")
        .values_list("request__applicant_id", "day", "request__leave_type__code", "request__leave_type__name",
                     "request__leave_type__sort_order", "hours")
    )
    return [
        LeaveHours(staff_id=staff_id, day=day, leave_type_code=code, leave_type_name=name, leave_type_order=order,
                   hours=hours)
        for staff_id, day, code, name, order, hours in rows
    ]


def requests_missing_proof(*, school_id: int) -> QuerySet[LeaveRequest]:
    """Leave in approval or approved whose rule asks for proof at its length (``proof_required`` from
    ``proof_from_days``) and that has no attachment: what the personnel office's worklist (待處理) chases.
    One query; oldest first."""
    return (
        LeaveRequest.objects.filter(
            school_id=school_id,
            kind=LeaveRequest.Kind.LEAVE,
            status__in=ACTIVE_STATUSES,
            rule__proof_required=True,
            hours__gte=F("rule__proof_from_days") * R.HOURS_PER_DAY,
        )
        .exclude(Exists(LeaveAttachment.objects.filter(request=OuterRef("pk"))))
        .select_related("applicant", "applicant__unit", "leave_type")
        .order_by("start", "id")
    )


def overtime_to_settle(*, school_id: int, before: dt.date) -> QuerySet[OvertimeRequest]:
    """Approved overtime of days before ``before`` that no one has settled yet, or that the punches
    settled at 0 hours for want of a punch (the personnel office enters the hours by hand). One query."""
    return (
        OvertimeRequest.objects.filter(
            school_id=school_id, status=OvertimeRequest.Status.APPROVED, work_date__lt=before
        )
        .filter(Q(settled_at__isnull=True) | Q(settlement=OvertimeRequest.Settlement.MISSING_PUNCH))
        .select_related("staff", "staff__unit")
        .order_by("work_date", "id")
    )


# --- Rules ---------------------------------------------------------------------------------------


class SchoolRules:
    """A school's leave types and rule versions, loaded in one query and looked up in memory."""

    def __init__(self, rules: Iterable[LeaveRule]):
        self.types: dict[int, LeaveType] = {}
        self.rules: dict[int, list[LeaveRule]] = defaultdict(list)
        for rule in rules:
            self.types[rule.leave_type_id] = rule.leave_type
            self.rules[rule.leave_type_id].append(rule)

    def rule_for(self, type_id: int | None, category: str, day: dt.date) -> LeaveRule | None:
        if type_id is None:
            return None
        return next((r for r in self.rules.get(type_id, []) if r.applies_to(category, day)), None)

    def types_for(self, category: str, day: dt.date) -> list[tuple[LeaveType, LeaveRule]]:
        out = []
        for type_id, leave_type in self.types.items():
            if not leave_type.is_active:
                continue
            rule = self.rule_for(type_id, category, day)
            if rule is not None:
                out.append((leave_type, rule))
        out.sort(key=lambda pair: (pair[0].sort_order, pair[0].pk))
        return out

    @property
    def names(self) -> dict[int, str]:
        return {pk: t.display_name for pk, t in self.types.items()}


def school_rules(school_id: int) -> SchoolRules:
    """The school's types and rule versions: one query, or none while they are cached (leave.school_cache)."""
    return school_cache.cached("rules", school_id, lambda: SchoolRules(
        LeaveRule.objects.filter(leave_type__school_id=school_id)
        .select_related("leave_type", "draws_from", "overflow_to")
        .order_by("leave_type__sort_order", "effective_from", "id")
    ))


# --- Balances ------------------------------------------------------------------------------------


@dataclass
class BalanceRow:
    leave_type: LeaveType
    rule: LeaveRule
    period_start: dt.date
    period_end: dt.date
    granted: int | None  # hours; None: no quota (依核定) or per event (依事由)
    used: int = 0  # approved, within quota
    pending: int = 0  # reserved by requests in flight
    unpaid: int = 0  # approved or pending hours beyond the quota (事假 over 7 days)
    # For a type that also draws on another's quota (家庭照顧假 → 事假): what that parent leaves for it
    # (the parent's remaining plus this type's free hours still unused); None when it draws on nothing.
    parent_remaining: int | None = None

    @property
    def own_remaining(self) -> int | None:
        """This type's own quota less what it used, ignoring the parent (家庭照顧假's 7 days)."""
        if self.granted is None:
            return None
        return max(0, self.granted - self.used - self.pending)

    @property
    def remaining(self) -> int | None:
        """What can still be taken within quota: the smaller of its own and what the parent leaves."""
        own = self.own_remaining
        if own is None or self.parent_remaining is None:
            return own
        return min(own, self.parent_remaining)

    @property
    def limited_by_parent(self) -> bool:
        own, remaining = self.own_remaining, self.remaining
        return own is not None and remaining is not None and remaining < own

    @property
    def kind(self) -> str:
        return self.rule.grant_kind

    @property
    def draws_from_name(self) -> str:
        return self.rule.draws_from.display_name if self.rule.draws_from is not None else ""


class _ChargeTotal(TypedDict):
    """One group of a person's charges (leave_balances): the hours of one type, bucket, pay and status."""

    staff_id: int
    leave_type_id: int
    bucket: str
    unpaid: bool
    request__status: str
    total: int


def leave_balances(*, staff_members: Iterable[StaffMember], on: dt.date) -> dict[int, list[BalanceRow]]:
    """Balances of each person for the periods containing ``on``, by type.

    Four queries whatever the number of people: rules, charges (grouped), adjustments, credits.
    """
    members = list(staff_members)
    if not members:
        return {}
    by_school: dict[int, SchoolRules] = {}
    for school_id in {m.school_id for m in members}:
        by_school[school_id] = school_rules(school_id)
    ids = [m.pk for m in members]
    buckets = {
        R.period_bucket(kind, on) for kind in (R.Period.SCHOOL_YEAR, R.Period.CALENDAR_YEAR)
    }
    charges = (
        LeaveCharge.objects.filter(staff_id__in=ids, request__status__in=ACTIVE_STATUSES)
        .filter(Q(bucket__in=buckets) | Q(bucket__startswith="E:") | Q(bucket__startswith="OT:"))
        .values("staff_id", "leave_type_id", "bucket", "unpaid", "request__status")
        .annotate(total=Sum("hours"))
    )
    usage: dict[tuple[int, int], list[_ChargeTotal]] = defaultdict(list)
    for charge in charges:
        usage[(charge["staff_id"], charge["leave_type_id"])].append(charge)
    adjustments = _adjustments(ids)
    credits = _credits(ids, on=on)
    out: dict[int, list[BalanceRow]] = {}
    for member in members:
        rules = by_school[member.school_id]
        rows = []
        for leave_type, rule in rules.types_for(member.category, on):
            start, end = R.period_bounds(rule.period, on)
            row = BalanceRow(leave_type=leave_type, rule=rule, period_start=start, period_end=end, granted=None)
            member_credits = credits.get(member.pk, [])
            if rule.grant_kind == GrantKind.OVERTIME:
                row.granted = sum(c.hours for c in member_credits)
                valid = {R.overtime_bucket(c.overtime_id) for c in member_credits}
            elif rule.grant_kind in (GrantKind.FIXED, GrantKind.SENIORITY):
                row.granted = R.granted_hours(
                    rule, hire_date=member.hire_date, day=on, adjustments=adjustments.get(member.pk, {})
                )
            bucket = R.period_bucket(rule.period, on)
            for u in usage.get((member.pk, leave_type.pk), []):
                if rule.grant_kind == GrantKind.OVERTIME:
                    if u["bucket"] not in valid:
                        continue
                elif rule.grant_kind == GrantKind.PER_EVENT:
                    event_day = _event_day(u["bucket"])
                    if event_day is None or not start <= event_day <= end:
                        continue
                elif u["bucket"] != bucket:
                    continue
                if u["unpaid"]:
                    row.unpaid += u["total"]
                elif u["request__status"] == LeaveStatus.APPROVED:
                    row.used += u["total"]
                else:
                    row.pending += u["total"]
            rows.append(row)
        _limit_by_parents(rows)
        out[member.pk] = rows
    return out


def _limit_by_parents(rows: list[BalanceRow]) -> None:
    """Set ``parent_remaining`` on the rows whose type draws on another type's quota (in place).

    家庭照顧假 (7 days) draws on 事假 from the first hour: with 6 days of 事假 left it can take 6 days
    at most. After ``draws_from_free_days`` (生理假 → 病假 after 3 days) the parent is reached only
    once the free hours are used, so those still free are added.
    """
    by_type = {row.leave_type.pk: row for row in rows}
    for row in rows:
        parent = by_type.get(row.rule.draws_from_id) if row.rule.draws_from_id else None
        if parent is None or parent.own_remaining is None:
            continue
        free_left = max(0, R.days_to_hours(row.rule.draws_from_free_days) - row.used - row.pending - row.unpaid)
        row.parent_remaining = parent.own_remaining + free_left


def _event_day(bucket: str) -> dt.date | None:
    return dt.date.fromisoformat(bucket.rsplit(":", 1)[1]) if bucket.startswith("E:") else None


def _adjustments(staff_ids: list[int]) -> dict[int, dict[tuple[int, dt.date], int]]:
    out: dict[int, dict[tuple[int, dt.date], int]] = defaultdict(dict)
    rows = (
        BalanceAdjustment.objects.filter(staff_id__in=staff_ids)
        .values("staff_id", "leave_type_id", "period_start")
        .annotate(total=Sum("hours"))
    )
    for row in rows:
        out[row["staff_id"]][(row["leave_type_id"], row["period_start"])] = row["total"]
    return out


def _credits(staff_ids: list[int], *, on: dt.date | None = None) -> dict[int, list[R.Credit]]:
    """Settled 補休 credits per person (still valid on ``on`` when given), oldest first."""
    qs = _credits_qs(staff_ids)
    if on is not None:
        qs = qs.filter(work_date__lte=on, expires_on__gte=on)
    out: dict[int, list[R.Credit]] = defaultdict(list)
    for ot in qs.order_by("work_date", "id").values("id", "staff_id", "work_date", "expires_on", "credited_hours"):
        expires_on = ot["expires_on"]
        if expires_on is None:  # not written: settling an overtime as 補休 sets its expiry (services.overtime)
            continue
        out[ot["staff_id"]].append(R.Credit(ot["id"], ot["work_date"], expires_on, ot["credited_hours"]))
    return out


def _credits_qs(staff_ids: list[int]) -> QuerySet[OvertimeRequest]:
    """Overtime settled as 補休 with hours credited (valid or not: the caller asks for a day, or not)."""
    return OvertimeRequest.objects.filter(
        staff_id__in=staff_ids,
        status=OvertimeRequest.Status.APPROVED,
        compensation=OvertimeRequest.Compensation.COMP_TIME,
        settled_at__isnull=False,
        credited_hours__gt=0,
    )


# A stored charge as compared: (request id, day, type id, bucket, hours, unpaid, overtime id).
ChargeRow = tuple[int, dt.date, int, str, int, bool, int | None]


@dataclass
class ChargeHistory:
    """What recomputing a person's charges from a horizon on starts from (``charge_history``)."""

    # The charges before the horizon (kept as they are), summed: (type id, bucket, hours, unpaid).
    kept: list[tuple[int, str, int, bool]]
    # Unpaid hours each request has before the horizon.
    unpaid_before: dict[int, int]
    # The stored charges from the horizon on, as (charge id, row), by day.
    stored: list[tuple[int, ChargeRow]]
    # Settled 補休 credits, oldest first, and balance adjustments per (type id, period start).
    credits: list[R.Credit]
    adjustments: dict[tuple[int, dt.date], int]


def _typed_null(field: "Field[object, object]") -> Cast:
    # Typed, so that the UNION's columns agree whatever the branches' order (an untyped NULL is text).
    return Cast(Value(None), output_field=field)


# The parts of ``charge_history``'s UNION. Its columns: part, id, request, day, type, bucket, hours, unpaid,
# overtime, until; each part fills those of its kind, the rest are NULL.
_KEPT, _STORED, _CREDIT, _ADJUSTMENT = 1, 2, 3, 4


def _charge_history_queries(staff_id: int, horizon: dt.date) -> QuerySet[LeaveCharge, tuple[object, ...]]:
    """``charge_history``'s UNION ALL (compiled once: ``common.prepared.PreparedInstances``)."""
    null_id, null_day = _typed_null(BigIntegerField()), _typed_null(DateField())
    kept = (
        LeaveCharge.objects.filter(
            staff_id=staff_id, day__lt=horizon, request__status__in=ACTIVE_STATUSES,
            request__kind=LeaveRequest.Kind.LEAVE,
        )
        .values("request_id", "leave_type_id", "bucket", "unpaid")
        .annotate(part=Value(_KEPT), h_id=null_id, h_day=null_day, h_hours=Sum("hours"), h_overtime=null_id,
                  h_until=null_day)
        .values_list("part", "h_id", "request_id", "h_day", "leave_type_id", "bucket", "h_hours", "unpaid",
                     "h_overtime", "h_until")
        .order_by()
    )
    stored = (
        LeaveCharge.objects.filter(staff_id=staff_id, day__gte=horizon)
        .annotate(part=Value(_STORED), h_until=null_day)
        .values_list("part", "pk", "request_id", "day", "leave_type_id", "bucket", "hours", "unpaid", "overtime_id",
                     "h_until")
        .order_by()
    )
    credits = (
        _credits_qs([staff_id])
        .annotate(part=Value(_CREDIT), h_request=null_id, h_type=null_id, h_bucket=_typed_null(CharField()),
                  h_unpaid=_typed_null(BooleanField()), h_overtime=null_id)
        .values_list("part", "pk", "h_request", "work_date", "h_type", "h_bucket", "credited_hours", "h_unpaid",
                     "h_overtime", "expires_on")
        .order_by()
    )
    adjustments = (
        BalanceAdjustment.objects.filter(staff_id=staff_id)
        .values("leave_type_id", "period_start")
        .annotate(part=Value(_ADJUSTMENT), h_id=null_id, h_request=null_id, h_bucket=_typed_null(CharField()),
                  h_hours=Sum("hours"), h_unpaid=_typed_null(BooleanField()), h_overtime=null_id, h_until=null_day)
        .values_list("part", "h_id", "h_request", "period_start", "leave_type_id", "h_bucket", "h_hours",
                     "h_unpaid", "h_overtime", "h_until")
        .order_by()
    )
    return kept.union(stored, credits, adjustments, all=True)


# Compiling the UNION of four parts cost more CPU than running it (5–6 ms of a leave submission, its largest
# single cost): built once, the person and the horizon put in at each call.
_charge_history_read = PreparedInstances(_charge_history_queries)


def charge_history(staff: StaffMember, *, horizon: dt.date) -> ChargeHistory:
    """A person's charge history as a recomputation from ``horizon`` on needs it, in one statement whatever its
    length (a UNION ALL of four parts, ``_charge_history_queries``): the live requests' charges before the
    horizon summed per request, type, bucket and unpaid; the stored charges from it on (all of them: what a
    rewrite compares with); the settled 補休 credits; the balance adjustments summed per type and period. Call it
    under the person's lock."""
    out = ChargeHistory(kept=[], unpaid_before=defaultdict(int), stored=[], credits=[], adjustments={})
    for part, pk, request_id, day, type_id, bucket, hours, unpaid, overtime_id, until in _charge_history_read.tuples(
        staff.pk, horizon
    ):
        if part == _KEPT:
            out.kept.append((type_id, bucket, hours, unpaid))
            if unpaid:
                out.unpaid_before[request_id] += hours
        elif part == _STORED:
            out.stored.append((pk, (request_id, day, type_id, bucket, hours, unpaid, overtime_id)))
        elif part == _CREDIT:
            if until is None:  # not written: settling an overtime as 補休 sets its expiry (services.overtime)
                continue
            out.credits.append(R.Credit(pk, day, until, hours))
        else:
            out.adjustments[(type_id, day)] = hours
    out.unpaid_before = dict(out.unpaid_before)
    out.stored.sort(key=lambda stored: (stored[1][1], stored[0]))  # by day and id, as LeaveCharge's ordering
    out.credits.sort(key=lambda credit: (credit.work_date, credit.overtime_id))
    return out


# A day of a live leave request as the charges' recomputation reads it: (request id, day, hours, the request's rule
# id, start, event key, event date, unpaid hours).
LeaveDayRow = tuple[int, dt.date, int, int, dt.datetime, str, dt.date | None, int]


def _leave_days_queries(staff_id: int, horizon: dt.date) -> QuerySet[LeaveDay, tuple[object, ...]]:
    return (
        LeaveDay.objects.filter(
            request__applicant_id=staff_id,
            request__kind=LeaveRequest.Kind.LEAVE,
            request__status__in=ACTIVE_STATUSES,
            day__gte=horizon,
        )
        .order_by("day", "request__start", "request_id")
        .values_list("request_id", "day", "hours", "request__rule_id", "request__start", "request__event_key",
                     "request__event_date", "request__unpaid_hours")
    )


_leave_days_read = PreparedInstances(_leave_days_queries)


def leave_days_from(staff: StaffMember, *, horizon: dt.date) -> list[LeaveDayRow]:
    """The days of a person's live leave requests from ``horizon`` on, by day, the request's start and id, with
    what recomputing the charges needs of their request. One statement, compiled once
    (``common.prepared.PreparedInstances``). Call it under the person's lock."""
    return _leave_days_read.tuples(staff.pk, horizon)


# --- Who may act on a step -----------------------------------------------------------------------

STEP_ROLES: dict[str, Role] = {
    ApprovalRole.PERSONNEL: Role.PERSONNEL,
    ApprovalRole.PRINCIPAL: Role.PRINCIPAL,
    ApprovalRole.ACADEMIC_AFFAIRS: Role.ACADEMIC_AFFAIRS,
}


def on_leave_now(staff_ids: Iterable[int], *, at: dt.datetime | None = None) -> dict[int, int]:
    """{person on approved leave at ``at``: the deputy of that leave}. One query."""
    at = at or timezone.now()
    rows = LeaveRequest.objects.filter(
        kind=LeaveRequest.Kind.LEAVE,
        status=LeaveStatus.APPROVED,
        applicant_id__in=list(staff_ids),
        start__lte=at,
        end__gt=at,
    ).values_list("applicant_id", "deputy_id")
    return dict(rows)


def covered_by(deputy: StaffMember, *, at: dt.datetime | None = None) -> list[int]:
    """The people ``deputy`` stands in for right now (they are on approved leave naming them)."""
    at = at or timezone.now()
    return list(
        LeaveRequest.objects.filter(
            kind=LeaveRequest.Kind.LEAVE, status=LeaveStatus.APPROVED, deputy=deputy, start__lte=at, end__gt=at
        ).values_list("applicant_id", flat=True)
    )


def role_holders(school_id: int, role: str) -> list[StaffMember]:
    return list(staff_selectors.role_holders(school_id=school_id, role=role).order_by("pk"))


@dataclass(frozen=True)
class NoLeaveFiling:
    """Why someone has no leave type to file, and who handles their absence instead."""

    code: str  # not_on_leave_system (代課教師) · no_leave_types (a category the school set no rules for)
    message: str
    handled_by: str  # the office: 「教務處教學組」, 「人事室」
    contacts: list[StaffMember]

    @property
    def contact_names(self) -> str:
        return enumerate_text(person.name for person in self.contacts)


def leave_filing_unavailable(
    *, staff: StaffMember, on: dt.date, rules: SchoolRules | None = None
) -> NoLeaveFiling | None:
    """None when the person has leave types to file on ``on``; else why not and where to turn.

    代課教師 (hourly substitutes) are in no rule's categories: they are paid by the period and are not
    on the leave system; 教務處教學組 records their absence and arranges the cover (substitutes app).
    """
    rules = rules or school_rules(staff.school_id)
    if rules.types_for(staff.category, on):
        return None
    if staff.category == StaffCategory.HOURLY_SUBSTITUTE:
        return NoLeaveFiling(
            code="not_on_leave_system",
            message=_(
                "代課教師（鐘點代課）按節支給鐘點費，不使用線上請假，也沒有假別額度。"
                "不能到校上課時，請儘早告知教務處教學組：教學組會登錄您缺課的節次並安排代課。"
            ),
            handled_by=_("教務處教學組"),
            contacts=role_holders(staff.school_id, Role.ACADEMIC_AFFAIRS),
        )
    return NoLeaveFiling(
        code="no_leave_types",
        message=_("學校尚未設定「%(category)s」可請的假別，目前無法線上請假；請洽人事室。")
        % {"category": staff.get_category_display()},
        handled_by=_("人事室"),
        contacts=role_holders(staff.school_id, Role.PERSONNEL),
    )


def step_acting_capacity(
    step: ApprovalStep, staff: StaffMember, *, at: dt.datetime | None = None
) -> tuple[bool, StaffMember | None]:
    """Whether ``staff`` may act on ``step`` now: (True, None) in their own right, (True, X) as the
    deputy of X who is on leave, (False, None) otherwise. Nobody acts on their own request."""
    request = step.request
    if (
        not APPROVAL_STEP.allows(step.status, "approve")
        or staff.pk == request.applicant_id
        or not staff.is_active
        or staff.school_id != request.school_id
    ):
        return False, None
    if step.assignee_id:
        if staff.pk == step.assignee_id:
            return True, None
        covering = on_leave_now([step.assignee_id], at=at)
        if covering.get(step.assignee_id) == staff.pk:
            return True, step.assignee
        return False, None
    role = STEP_ROLES.get(step.role)
    if role is None:
        return False, None
    if staff.has_role(role):
        return True, None
    holders = [h for h in role_holders(request.school_id, role) if h.pk != request.applicant_id]
    covering = on_leave_now([h.pk for h in holders], at=at)
    for holder in holders:
        if covering.get(holder.pk) == staff.pk:
            return True, holder
    return False, None


def step_actors(step: ApprovalStep, *, covers: Mapping[int, int | None] | None = None) -> list[StaffMember]:
    """Who is told a step waits for them: the assignee or the role's holders, plus the deputies of
    those among them on leave right now. ``covers``: who stands in right now for the people it names (None:
    nobody), as the caller already read it; asked of the database only when it does not name them all."""
    request = step.request
    if step.assignee is not None:
        people = [step.assignee]
    elif step.role in STEP_ROLES:
        people = [h for h in role_holders(request.school_id, STEP_ROLES[step.role]) if h.pk != request.applicant_id]
    else:
        people = []
    if covers is not None and all(p.pk in covers for p in people):
        covering = {p.pk: deputy_id for p in people if (deputy_id := covers[p.pk]) is not None}
    else:
        covering = on_leave_now([p.pk for p in people])
    if covering:
        deputies = people_by_ids(covering.values()).filter(is_active=True).select_related("user")
        people += [d for d in deputies if d.pk != request.applicant_id]
    return people


# --- Lists ---------------------------------------------------------------------------------------


def _request_list_qs() -> QuerySet[LeaveRequest]:
    return LeaveRequest.objects.select_related(
        "applicant__unit", "leave_type", "deputy__unit", "amends"
    )


def my_leave_requests(staff: StaffMember) -> QuerySet[LeaveRequest]:
    return _request_list_qs().filter(applicant=staff).order_by("-start", "-id")


def approval_inbox(
    staff: StaffMember, *, at: dt.datetime | None = None, covering: list[int] | None = None
) -> list[ApprovalStep]:
    """Steps waiting for ``staff`` (in their own right or as the deputy of someone on leave), oldest first.

    Queries: the people staff covers now (unless given), those people's roles (if any), then the steps.
    """
    covering = covered_by(staff, at=at) if covering is None else covering
    roles = set(staff.roles_set)
    if covering:
        roles |= set(roles_of(covering).values_list("role", flat=True))
    step_roles = [step_role for step_role, role in STEP_ROLES.items() if role in roles]
    q = Q(assignee=staff) | Q(assignee_id__in=covering)
    if step_roles:
        q |= Q(assignee__isnull=True, role__in=step_roles)
    steps = (
        ApprovalStep.objects.filter(q, status=ApprovalStep.Status.CURRENT, request__school_id=staff.school_id)
        .exclude(request__applicant=staff)
        .select_related(
            "request__applicant__unit", "request__leave_type", "request__deputy", "request__amends", "assignee",
            "request__rule",
        )
        .order_by("activated_at", "id")
    )
    return list(steps)


def overtime_inbox(
    staff: StaffMember, *, at: dt.datetime | None = None, covering: list[int] | None = None
) -> list[OvertimeRequest]:
    covering = covered_by(staff, at=at) if covering is None else covering
    return list(
        OvertimeRequest.objects.filter(
            Q(approver=staff) | Q(approver_id__in=covering), status=OvertimeRequest.Status.PENDING
        )
        .exclude(staff=staff)
        .select_related("staff__unit", "approver")
        .order_by("submitted_at", "id")
    )


def visible_leave_requests(viewer: StaffMember) -> QuerySet[LeaveRequest]:
    """Requests of the people the viewer may see (staff/permissions.py), newest first."""
    return (
        _request_list_qs()
        .filter(school_id=viewer.school_id)  # the (school, -start) index; the rule below decides who
        .filter(visible_staff_q(viewer, "applicant__"))
        .order_by("-start", "-id")
    )


def can_view_request(viewer: StaffMember, request: LeaveRequest) -> bool:
    """The applicant, the deputy, anyone who acts or acted on a step, and whoever may see the applicant.

    With the steps already read (``request.step_list``) the viewer's place on them is asked first, at no cost,
    before their roles and units (a unit head approving the last step needs neither)."""
    if viewer.pk in (request.applicant_id, request.deputy_id):
        return True
    steps = getattr(request, "step_list", None)
    if steps is not None and any(viewer.pk in (step.assignee_id, step.acted_by_id) for step in steps):
        return True
    if can_see_staff(viewer, request.applicant):
        return True
    for step in request.steps.all() if steps is None else steps:
        if viewer.pk in (step.assignee_id, step.acted_by_id):
            return True
        if step_acting_capacity(step, viewer)[0]:
            return True
    return False


def may_reassign_steps(actor: StaffMember, request: LeaveRequest) -> bool:
    """The personnel office (or the system admin) of the request's school hands stuck steps on."""
    return (actor.has_role(Role.PERSONNEL) or actor.has_role(Role.SYSTEM_ADMIN)) and actor.school_id == (
        request.school_id
    )


@dataclass(frozen=True)
class RequestActions:
    """What ``viewer`` may do with one request now: the status tables (``leave.states``) and who may
    act, as the services check them. Pages show these buttons, the API lists them (``names``)."""

    current: ApprovalStep | None
    decide: bool  # approve or reject the current step
    on_behalf_of: StaffMember | None  # deciding as the deputy of this approver, on leave
    withdraw: bool
    cancel: bool  # file a 銷假 request
    reassign: bool

    @property
    def names(self) -> list[str]:
        flags = (("approve", self.decide), ("reject", self.decide), ("withdraw", self.withdraw),
                 ("cancel", self.cancel), ("reassign", self.reassign))
        return [name for name, allowed in flags if allowed]


def request_actions(viewer: StaffMember, request: LeaveRequest) -> RequestActions:
    """The actions offered to ``viewer`` on ``request`` (its steps from ``request.step_list`` when the
    caller loaded them)."""
    steps = getattr(request, "step_list", None)
    if steps is None:
        steps = list(request.steps.filter(status__in=APPROVAL_STEP.sources("approve")))
        for step in steps:
            step.request = request
    current = next((s for s in steps if APPROVAL_STEP.allows(s.status, "approve")), None)
    decide, on_behalf_of = step_acting_capacity(current, viewer) if current else (False, None)
    if not LEAVE_REQUEST.allows(request.status, "approve"):
        decide, on_behalf_of = False, None
    is_applicant = viewer.pk == request.applicant_id
    return RequestActions(
        current=current,
        decide=decide,
        on_behalf_of=on_behalf_of,
        withdraw=is_applicant and LEAVE_REQUEST.allows(request.status, "withdraw"),
        cancel=is_applicant and request_cancellable(request),
        reassign=current is not None and APPROVAL_STEP.allows(current.status, "reassign")
        and may_reassign_steps(viewer, request),
    )


def request_cancellable(request: LeaveRequest) -> bool:
    """A leave (not a 銷假 request itself) its table lets be cancelled, with no 銷假 request pending."""
    return (
        not request.is_cancellation and LEAVE_REQUEST.allows(request.status, "cancel")
        and not request.amendments.filter(status=LeaveStatus.PENDING).exists()
    )


def can_view_overtime(viewer: StaffMember, overtime: OvertimeRequest) -> bool:
    """The applicant, their approver (or whoever stands in for the approver now), the personnel office
    who settles it, and whoever may see the applicant (staff/permissions.py)."""
    if viewer.pk in (overtime.staff_id, overtime.approver_id, overtime.decided_by_id):
        return True
    if can_see_staff(viewer, overtime.staff):
        return True
    return overtime.approver_id is not None and overtime.approver_id in covered_by(viewer)


def stuck_steps(school_id: int) -> list[ApprovalStep]:
    """Current steps nobody can act on: a unit head that could not be found, or a role (personnel,
    principal, 教學組) nobody but the applicant holds. The personnel office reassigns them."""
    steps = list(
        ApprovalStep.objects.filter(
            status=ApprovalStep.Status.CURRENT, request__school_id=school_id, assignee__isnull=True
        ).select_related("request__applicant", "request__leave_type")
    )
    holders: dict[str, set[int]] = defaultdict(set)
    for role, staff_id in school_role_rows(school_id=school_id).values_list("role", "staff_id"):
        holders[role].add(staff_id)
    return [
        step
        for step in steps
        if step.role not in STEP_ROLES or not holders[STEP_ROLES[step.role]] - {step.request.applicant_id}
    ]


# Duty days a page has read, as ``duty_days`` returns them ({(staff id, day): DutyDay}), handed on to
# the services so that a submission reads the calendar once.
KnownDuty = dict[tuple[int, dt.date], DutyDay]


def span_from_parts(
    *,
    staff: StaffMember,
    start_date: dt.date,
    end_date: dt.date,
    start_time: dt.time | None,
    end_time: dt.time | None,
    duty_out: KnownDuty | None = None,
) -> tuple[dt.datetime, dt.datetime]:
    """The span a form means: a missing start time is the start of that day's duty (midnight on a day
    off), a missing end time the end of that day's duty (the next midnight on a day off).

    The duty days are read only when a time is missing; ``duty_out`` then receives them (as
    ``duty_days`` returns them), so the submission can count the request from them without reading again.
    """
    from schedules.duty_cache import cached_duty_days

    needed = (start_time is None or end_time is None) and end_date >= start_date
    days = cached_duty_days(staff, start_date, end_date) if needed else {}
    if duty_out is not None:
        duty_out.update(days)
    first, last = days.get((staff.pk, start_date)), days.get((staff.pk, end_date))
    if start_time is None:
        start_time = first.start if first is not None and first.has_duty and first.start else dt.time.min
    start = timezone.make_aware(dt.datetime.combine(start_date, start_time))
    if end_time is None:
        if last is not None and last.has_duty and last.end:
            end = timezone.make_aware(dt.datetime.combine(end_date, last.end))
        else:
            end = timezone.make_aware(dt.datetime.combine(end_date + dt.timedelta(days=1), dt.time.min))
    else:
        end = timezone.make_aware(dt.datetime.combine(end_date, end_time))
    return start, end


# --- Figures for the overviews (offices) --------------------------------------------------------


def leave_hours_by_type(
    *, school_ids: Iterable[int], start: dt.date, end: dt.date, staff_ids: Iterable[int] | None = None
) -> dict[int, list[tuple[int, str, int]]]:
    """{school id: [(leave type id, name, hours)]} of approved leave on the days start..end (the hours
    each request counts on each day, so a request across the month's end counts its days in it), by the
    types' order. One query whatever the number of schools."""
    days = LeaveDay.objects.filter(
        request__school_id__in=list(school_ids), request__kind=LeaveRequest.Kind.LEAVE,
        request__status=LeaveStatus.APPROVED, day__range=(start, end),
    )
    if staff_ids is not None:
        days = days.filter(request__applicant_id__in=staff_ids)
    rows = (
        days.values("request__school_id", "request__leave_type_id", "request__leave_type__name",
                    "request__leave_type__sort_order")
        .annotate(hours=Sum("hours"))
        .order_by("request__school_id", "request__leave_type__sort_order", "request__leave_type_id")
    )
    out: dict[int, list[tuple[int, str, int]]] = {}
    for row in rows:
        if row["hours"]:
            out.setdefault(row["request__school_id"], []).append(
                (row["request__leave_type_id"], row["request__leave_type__name"], row["hours"])
            )
    return out


PENDING_ATTACHMENT_HOURS = 24


def pending_attachments_of(*, owner: StaffMember, ids: Iterable[int]) -> list[PendingAttachment]:
    """The owner's kept proofs among ``ids`` (leave/services/attachments.py): another person's id finds nothing."""
    hours = int(getattr(settings, "LEAVE_PENDING_ATTACHMENT_HOURS", PENDING_ATTACHMENT_HOURS))
    cutoff = timezone.now() - dt.timedelta(hours=hours)
    return list(PendingAttachment.objects.filter(owner=owner, pk__in=list(ids), uploaded_at__gte=cutoff))


def recent_deputy_ids(staff: StaffMember, *, limit: int = 3) -> list[int]:
    """The people who stood in for ``staff`` lately, the latest first, once each (the picker's top group)."""
    ids: list[int] = []
    recent = (
        LeaveRequest.objects.filter(applicant=staff, kind=LeaveRequest.Kind.LEAVE, deputy__isnull=False)
        .order_by("-submitted_at", "-pk")
        .values_list("deputy_id", flat=True)[:20]
    )
    for pk in recent:
        if pk not in ids:
            ids.append(pk)
    return ids[:limit]


def next_leave(staff: StaffMember, *, at: dt.datetime | None = None) -> LeaveRequest | None:
    """My leave still to come or under way (approved or pending), the earliest first: the home card's line."""
    return (
        LeaveRequest.objects.filter(
            applicant=staff, kind=LeaveRequest.Kind.LEAVE, status__in=(LeaveStatus.APPROVED, LeaveStatus.PENDING),
            end__gt=at or timezone.now(),
        )
        .select_related("leave_type")
        .order_by("start", "pk")
        .first()
    )
