"""Overtime (加班): asked in advance, approved by the unit head, settled from the punches into 補休."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_log
from leave.errors import LeaveError
from leave.models import (
    OvertimeRequest,
)
from leave.punches import punch_span
from leave.selectors import (
    on_leave_now,
)
from leave.services.charges import reallocate
from leave.services.common import lock_staff, notify_overtime, overtime_key, resolve_action_notices, unit_head_for
from leave.states import OVERTIME
from schedules.calendar import duty_days
from staff.models import Role, StaffMember


def overtime_submit(
    *,
    staff: StaffMember,
    planned_start: dt.datetime,
    planned_end: dt.datetime,
    reason: str,
    compensation: str = OvertimeRequest.Compensation.COMP_TIME,
) -> OvertimeRequest:
    """Ask in advance to work overtime; the unit head approves."""
    if planned_end <= planned_start:
        raise LeaveError(_("結束時間必須晚於開始時間"), code="end_before_start")
    if timezone.localtime(planned_start).date() != timezone.localtime(planned_end - dt.timedelta(seconds=1)).date():
        raise LeaveError(_("加班請以一天為單位申請"), code="overtime_one_day")
    if planned_start <= timezone.now():
        raise LeaveError(_("加班須事先申請"), code="overtime_not_in_advance")
    if not reason.strip():
        raise LeaveError(_("請填寫加班事由"), code="reason_required")
    if compensation not in OvertimeRequest.Compensation.values:
        raise LeaveError(_("補償方式不正確"), code="bad_compensation")
    with transaction.atomic():
        staff = lock_staff(staff.pk)[staff.pk]
        if OvertimeRequest.objects.filter(
            staff=staff, status__in=[OvertimeRequest.Status.PENDING, OvertimeRequest.Status.APPROVED],
            planned_start__lt=planned_end, planned_end__gt=planned_start,
        ).exists():
            raise LeaveError(_("與您已申請的加班時間重疊"), code="overlap")
        approver = unit_head_for(staff)
        if approver is None:
            raise LeaveError(_("找不到您的單位主管，請洽人事室"), code="no_approver")
        overtime = OvertimeRequest.objects.create(
            school_id=staff.school_id, staff=staff, work_date=timezone.localtime(planned_start).date(),
            planned_start=planned_start, planned_end=planned_end, reason=reason.strip(), compensation=compensation,
            approver=approver,
        )
        audit_log(actor=staff.user, action="leave.overtime_submitted", target=overtime, school=staff.school,
                  data={"start": planned_start, "end": planned_end, "compensation": compensation})
        notify_overtime(overtime, [approver], "leave.overtime_action_needed", about=overtime_key(overtime))
    return overtime


def overtime_decide(
    *, overtime: OvertimeRequest, actor: StaffMember, approve: bool, comment: str = ""
) -> OvertimeRequest:
    with transaction.atomic():
        # OF self: without it the joined person and user rows were locked FOR UPDATE as well.
        overtime = (
            OvertimeRequest.objects.select_for_update(of=("self",)).select_related("staff__user").get(pk=overtime.pk)
        )
        if not OVERTIME.allows(overtime.status, "approve" if approve else "reject"):
            raise LeaveError(_("此加班申請已核定"), code="not_pending")
        if actor.pk == overtime.staff_id:
            raise LeaveError(_("不能核定自己的加班"), code="own_request")
        approver_id = overtime.approver_id
        covering = on_leave_now([approver_id]) if approver_id else {}
        if actor.pk != approver_id and (approver_id is None or covering.get(approver_id) != actor.pk):
            raise LeaveError(_("您不是這件加班的核准人"), code="not_your_step")
        if not approve and not comment.strip():
            raise LeaveError(_("駁回時請填寫意見"), code="comment_required")
        overtime.status = OVERTIME.target("approve" if approve else "reject")
        overtime.decided_by, overtime.decided_at, overtime.comment = actor, timezone.now(), comment.strip()
        overtime.save(update_fields=["status", "decided_by", "decided_at", "comment"])
        audit_log(actor=actor.user, action="leave.overtime_approved" if approve else "leave.overtime_rejected",
                  target=overtime, school=overtime.staff.school, data={"comment": overtime.comment})
        resolve_action_notices(overtime_key(overtime))
        notify_overtime(overtime, [overtime.staff], "leave.overtime_decided")
    return overtime


def overtime_withdraw(*, overtime: OvertimeRequest, actor: StaffMember) -> OvertimeRequest:
    with transaction.atomic():
        overtime = OvertimeRequest.objects.select_for_update().get(pk=overtime.pk)
        if actor.pk != overtime.staff_id:
            raise LeaveError(_("只有申請人可以撤回"), code="not_applicant")
        overtime.status = OVERTIME.require(
            overtime.status, "withdraw", lambda: LeaveError(_("只有待核的加班可以撤回"), code="not_pending")
        )
        overtime.save(update_fields=["status"])
        audit_log(actor=actor.user, action="leave.overtime_withdrawn", target=overtime, school=actor.school)
        resolve_action_notices(overtime_key(overtime))
    return overtime


def overtime_settle(
    *, overtime: OvertimeRequest, worked_start: dt.datetime, worked_end: dt.datetime, actor: StaffMember
) -> OvertimeRequest:
    """The personnel office enters (or adjusts) the worked span by hand: whole hours inside the approved
    window, capped per day (workday / day off) and per month (settings). Overrides an automatic settlement;
    the punches never override a manual one. 補休 credit expires after LEAVE_COMP_TIME_VALID_YEARS.
    """
    if not (actor.has_role(Role.PERSONNEL) or actor.has_role(Role.SYSTEM_ADMIN)) or actor.school_id != (
        overtime.school_id
    ):
        raise LeaveError(_("只有人事室可以核計加班時數"), code="forbidden")
    if worked_end <= worked_start:
        raise LeaveError(_("結束時間必須晚於開始時間"), code="end_before_start")
    if worked_end > timezone.now():
        raise LeaveError(_("加班尚未結束，請於刷卡後再核計"), code="overtime_not_done")
    with transaction.atomic():
        staff = lock_staff(overtime.staff_id)[overtime.staff_id]
        overtime = OvertimeRequest.objects.select_for_update().get(pk=overtime.pk)
        if overtime.status != OvertimeRequest.Status.APPROVED:
            raise LeaveError(_("只有已核准的加班可以核計"), code="not_approved")
        on_duty = duty_days([staff], overtime.work_date, overtime.work_date)[(staff.pk, overtime.work_date)].has_duty
        _settle(
            staff, overtime, worked_start=worked_start, worked_end=worked_end, on_duty=on_duty,
            settlement=OvertimeRequest.Settlement.MANUAL, actor=actor,
        )
    return overtime


def overtime_settle_from_punches(*, overtime: OvertimeRequest) -> OvertimeRequest:
    """Settle an approved overtime from the day's punches (``leave.punches.punch_span``, answered by
    attendance), once its day has ended. Idempotent: settling again with the same punches changes
    nothing; a later punch or an approved 補登 for the day settles it again. A settlement the
    personnel office entered by hand is left alone.

    - Workday (the person has duty): the approved span ∩ [end of the duty window, last 下班].
    - Day off: the approved span ∩ [first 上班, last 下班].
    - Whole hours, rounded down; capped per day and month. Without the punches needed: 0 hours,
      marked ``missing_punch``.
    """
    with transaction.atomic():
        staff = lock_staff(overtime.staff_id)[overtime.staff_id]
        overtime = OvertimeRequest.objects.select_for_update().get(pk=overtime.pk)
        day = overtime.work_date
        if (
            overtime.status != OvertimeRequest.Status.APPROVED
            or overtime.settlement == OvertimeRequest.Settlement.MANUAL
            or day >= timezone.localdate()
        ):
            return overtime
        duty = duty_days([staff], day, day)[(staff.pk, day)]
        span = punch_span(staff.pk, day)
        first_in, last_out = (span.first_in, span.last_out) if span else (None, None)
        begin = duty.end_at() if duty.has_duty else first_in
        if begin is None or last_out is None:
            _settle(staff, overtime, worked_start=None, worked_end=None, on_duty=duty.has_duty,
                    settlement=OvertimeRequest.Settlement.MISSING_PUNCH, actor=None)
        else:
            _settle(staff, overtime, worked_start=begin, worked_end=last_out, on_duty=duty.has_duty,
                    settlement=OvertimeRequest.Settlement.PUNCHES, actor=None)
    return overtime


def overtimes_settle_due(*, staff_id: int | None = None, day: dt.date | None = None) -> int:
    """Settle from the punches every approved overtime whose day has ended and that is not yet settled
    (the nightly beat task), or — with ``staff_id`` and ``day`` — that person's overtime of that day,
    settled or not (a punch or 補登 arrived later). Returns how many changed."""
    due = OvertimeRequest.objects.filter(status=OvertimeRequest.Status.APPROVED, work_date__lt=timezone.localdate())
    due = due.exclude(settlement=OvertimeRequest.Settlement.MANUAL)
    if staff_id is None:
        due = due.filter(settled_at__isnull=True)
    elif day is None:
        raise TypeError("overtimes_settle_due: staff_id and day go together")
    else:
        due = due.filter(staff_id=staff_id, work_date=day)
    changed = 0
    for overtime in due.order_by("work_date", "pk"):
        before = (overtime.settlement, overtime.credited_hours, overtime.worked_start, overtime.worked_end)
        after = overtime_settle_from_punches(overtime=overtime)
        changed += before != (after.settlement, after.credited_hours, after.worked_start, after.worked_end)
    return changed


def _settle(
    staff: StaffMember,
    overtime: OvertimeRequest,
    *,
    worked_start: dt.datetime | None,
    worked_end: dt.datetime | None,
    on_duty: bool,
    settlement: str,
    actor: StaffMember | None,
) -> bool:
    """Count and store one overtime (both locked by the caller). False when nothing changed."""
    hours = 0
    if worked_start is not None and worked_end is not None:
        s, e = max(worked_start, overtime.planned_start), min(worked_end, overtime.planned_end)
        hours = int(max(0, (e - s).total_seconds()) // 3600)  # whole hours, the rest dropped
    day_cap = settings.LEAVE_OVERTIME_MAX_HOURS_WORKDAY if on_duty else settings.LEAVE_OVERTIME_MAX_HOURS_DAY_OFF
    month = overtime.work_date.replace(day=1)
    month_used = (
        OvertimeRequest.objects.filter(
            staff=staff, status=OvertimeRequest.Status.APPROVED, settled_at__isnull=False,
            work_date__gte=month, work_date__lt=(month + dt.timedelta(days=32)).replace(day=1),
        )
        .exclude(pk=overtime.pk)
        .aggregate(total=Sum("credited_hours"))["total"] or 0
    )
    credited = max(0, min(hours, day_cap, settings.LEAVE_OVERTIME_MAX_HOURS_MONTH - month_used))
    before = {
        "settlement": overtime.settlement, "worked_start": overtime.worked_start,
        "worked_end": overtime.worked_end, "credited": overtime.credited_hours,
    }
    if overtime.settled_at is not None and before == {
        "settlement": settlement, "worked_start": worked_start, "worked_end": worked_end, "credited": credited,
    }:
        return False  # settled again from the same punches: nothing to do
    overtime.worked_start, overtime.worked_end = worked_start, worked_end
    overtime.credited_hours, overtime.settled_at, overtime.settlement = credited, timezone.now(), settlement
    if overtime.compensation == OvertimeRequest.Compensation.COMP_TIME:
        years = settings.LEAVE_COMP_TIME_VALID_YEARS
        try:
            overtime.expires_on = overtime.work_date.replace(year=overtime.work_date.year + years)
        except ValueError:  # 29 February
            overtime.expires_on = dt.date(overtime.work_date.year + years, 3, 1)
        overtime.expires_on -= dt.timedelta(days=1)
    overtime.save(update_fields=[
        "worked_start", "worked_end", "credited_hours", "settled_at", "settlement", "expires_on",
    ])
    audit_log(
        actor=actor.user if actor is not None else None, action="leave.overtime_settled", target=overtime,
        school=staff.school,
        data={"settlement": settlement, "worked_start": worked_start, "worked_end": worked_end, "hours": hours,
              "credited": credited, "expires_on": overtime.expires_on,
              "previous": before if before["settlement"] else None},
    )
    if overtime.compensation == OvertimeRequest.Compensation.COMP_TIME:
        reallocate(staff, since=overtime.work_date)
    return True
