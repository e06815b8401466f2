"""Which quota each hour draws on: charges recomputed in date order under the person's lock."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import Sum

from leave import rules as R
from leave.models import (
    ACTIVE_STATUSES,
    LeaveCharge,
    LeaveDay,
    LeaveRequest,
    LeaveRule,
    Payer,
)
from leave.selectors import (
    SchoolRules,
    adjustments_of,
    credits_of,
    school_rules,
)
from staff.models import StaffMember


def _ledger(
    staff: StaffMember, rules: SchoolRules, *, credits: list[R.Credit], adjustments: dict[tuple[int, dt.date], int]
) -> R.Ledger:
    return R.Ledger(
        hire_date=staff.hire_date,
        rule_for=lambda type_id, day: rules.rule_for(type_id, staff.category, day),
        type_names=rules.names,
        credits=credits,
        adjustments=adjustments,
    )


def reallocate(
    staff: StaffMember,
    *,
    since: dt.date,
    rules: SchoolRules | None = None,
    strict_ids: Iterable[int] = (),
    candidate: R.Item | None = None,
    write: bool = True,
) -> dict[object, list[R.Charge]]:
    """Recompute the charges of the person's active requests from ``since``'s earliest period on.

    Charges before that horizon stay as they are and are preloaded; everything from it is drawn again
    in date order. Requests in ``strict_ids`` (and the candidate) are refused rather than overdrawn.
    Call with the person's row locked.
    """
    rules = rules or school_rules(staff.school_id)
    horizon = R.horizon_start(since)
    kept = [
        (type_id, bucket, total, unpaid)
        for type_id, bucket, unpaid, total in LeaveCharge.objects.filter(
            staff=staff, day__lt=horizon, request__status__in=ACTIVE_STATUSES, request__kind=LeaveRequest.Kind.LEAVE
        )
        .values_list("leave_type_id", "bucket", "unpaid")
        .annotate(total=Sum("hours"))
    ]
    credits, adjustments = credits_of(staff), adjustments_of(staff)

    def fresh_ledger() -> R.Ledger:
        ledger = _ledger(staff, rules, credits=credits, adjustments=adjustments)
        ledger.preload(kept)
        return ledger

    strict = set(strict_ids)
    items: dict[int, R.Item] = {}
    requests: dict[int, LeaveRequest] = {}
    days = (
        LeaveDay.objects.filter(
            request__applicant=staff,
            request__kind=LeaveRequest.Kind.LEAVE,
            request__status__in=ACTIVE_STATUSES,
            day__gte=horizon,
        )
        .select_related("request__rule")
        .order_by("day", "request__start", "request_id")
    )
    for d in days:
        request = requests.setdefault(d.request_id, d.request)
        item = items.get(d.request_id)
        if item is None:
            item = items[d.request_id] = R.Item(
                key=d.request_id, rule=request.rule, start=request.start, days=[],
                event_key=request.event_key, event_date=request.event_date, strict=d.request_id in strict,
            )
        item.days.append(R.DayLength(d.day, d.hours))
    everything = [*items.values(), *([candidate] if candidate else [])]
    if strict or candidate is not None:
        # The new request must fit in what the existing ones leave, whatever its date: refuse it
        # (LeaveError) rather than let it push an earlier-made request over a quota.
        fresh_ledger().allocate(everything, strict_last=True)
    for item in everything:
        item.strict = False
    # Then charge everything in date order: that decides which days of a quota that may be
    # exceeded are the unpaid ones (the eighth day of 事假 is the unpaid one).
    plan = fresh_ledger().allocate(everything)
    if write:
        LeaveCharge.objects.filter(staff=staff, day__gte=horizon).delete()
        LeaveCharge.objects.bulk_create(
            LeaveCharge(
                request_id=key, staff=staff, day=c.day, leave_type_id=c.leave_type_id, bucket=c.bucket,
                hours=c.hours, unpaid=c.unpaid, overtime_id=c.overtime_id,
            )
            for key, charges in plan.items()
            if key in items
            for c in charges
        )
        unpaid = dict(
            LeaveCharge.objects.filter(request_id__in=list(items), unpaid=True)
            .values_list("request_id")
            .annotate(total=Sum("hours"))
        )
        changed = []
        for pk, request in requests.items():
            if request.unpaid_hours != unpaid.get(pk, 0):
                request.unpaid_hours = unpaid.get(pk, 0)
                changed.append(request)
        LeaveRequest.objects.bulk_update(changed, ["unpaid_hours"])
    return plan


def substitute_payer(applicant: StaffMember, rule: LeaveRule, hours: int, unpaid_hours: int) -> str:
    """Who pays a substitute for a teacher's leave (docs/domain.md, "Class coverage and pay": a per-type setting)."""
    if not applicant.is_teacher:
        return ""
    if rule.school_pays_beyond_quota and unpaid_hours > 0:
        return Payer.SCHOOL
    if rule.school_pays_from_days is not None and hours >= R.days_to_hours(rule.school_pays_from_days):
        return Payer.SCHOOL
    return rule.substitute_payer
