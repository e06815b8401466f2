"""The personnel office's changes to balances and periods: adjustments, recomputation, closing months."""

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_log
from leave.errors import LeaveError
from leave.models import (
    BalanceAdjustment,
    ClosedMonth,
    LeaveType,
)
from leave.services.charges import reallocate
from leave.services.common import lock_staff
from staff.models import Role, School, StaffMember, User


def balance_adjust(
    *, staff: StaffMember, leave_type: LeaveType, period_start: dt.date, hours: int, reason: str, actor: StaffMember
) -> BalanceAdjustment:
    """Add (or take) hours to a person's quota for one period: 休假 kept from earlier years, corrections."""
    if not actor.has_role(Role.PERSONNEL) or actor.school_id != staff.school_id:
        raise LeaveError(_("只有人事室可以調整額度"), code="forbidden")
    if not reason.strip():
        raise LeaveError(_("請填寫調整原因"), code="reason_required")
    if leave_type.school_id != staff.school_id:
        raise LeaveError(_("此假別不適用於該員的學校"), code="unknown_type")
    with transaction.atomic():
        staff = lock_staff(staff.pk)[staff.pk]
        adjustment = BalanceAdjustment.objects.create(
            staff=staff, leave_type=leave_type, period_start=period_start, hours=hours, reason=reason.strip(),
            created_by=actor.user,
        )
        reallocate(staff, since=period_start)
        audit_log(actor=actor.user, action="leave.balance_adjusted", target=staff, school=staff.school,
                  data={"type": leave_type.code, "period_start": period_start, "hours": hours, "reason": reason})
    return adjustment


def leave_charges_recompute(
    *, staff_members: Iterable[StaffMember], since: dt.date, actor: User | AnonymousUser | None = None
) -> int:
    """Recompute people's charges from ``since``'s period on, after a rule or an adjustment was edited
    outside these services (the admin). Returns how many people were done."""
    count = 0
    for member in staff_members:
        with transaction.atomic():
            locked = lock_staff(member.pk)[member.pk]
            reallocate(locked, since=since)
            count += 1
    if count:
        audit_log(actor=actor, action="leave.charges_recomputed", data={"people": count, "since": since})
    return count


def month_close(*, school: School, month: dt.date, actor: StaffMember) -> ClosedMonth:
    if not actor.has_role(Role.PERSONNEL) or actor.school_id != school.pk:
        raise LeaveError(_("只有人事室可以關帳"), code="forbidden")
    with transaction.atomic():
        closed, _created = ClosedMonth.objects.get_or_create(
            school=school, month=month.replace(day=1), defaults={"closed_by": actor.user}
        )
        audit_log(actor=actor.user, action="leave.month_closed", target=closed, school=school,
                  data={"month": closed.month})
    return closed
