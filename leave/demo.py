"""Demo data for the leave app: the seeded types and chains, and a few requests in every state.

``load(school)`` is idempotent: the types and chains are only added where missing, and the sample
requests (their reasons end in 「（示範）」) are made once. It picks people by category and unit, so it
works on any school that has a few teachers with a unit head.
"""

import datetime as dt

from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from leave.models import LeaveRequest, LeaveType
from leave.selectors import step_actors
from leave.services import (
    approval_chains_seed,
    leave_request_submit,
    leave_request_withdraw,
    leave_step_approve,
    leave_step_reject,
    leave_types_seed,
    overtime_decide,
    overtime_submit,
)
from schedules.calendar import duty_day
from staff.models import Role, StaffCategory, StaffMember

MARK = "（示範）"


# What the personnel office may do in the admin: edit the rules and chains, adjust balances, close months.
PERSONNEL_PERMISSIONS = [
    ("leavetype", ("view", "change", "add")),
    ("leaverule", ("view", "change", "add")),
    ("approvalchain", ("view", "change", "add", "delete")),
    ("approvalchainstep", ("view", "change", "add", "delete")),
    ("balanceadjustment", ("view", "add")),
    ("closedmonth", ("view", "add")),
    ("leaverequest", ("view",)),
    ("overtimerequest", ("view",)),
]


def _grant_personnel_admin_rights(school) -> None:
    """Add the leave rights to the admin groups the personnel office's accounts already belong to."""
    codenames = [f"{action}_{model}" for model, actions in PERSONNEL_PERMISSIONS for action in actions]
    permissions = list(Permission.objects.filter(content_type__app_label="leave", codename__in=codenames))
    groups = Group.objects.filter(
        user__staff__school=school, user__staff__roles__role=Role.PERSONNEL, user__is_staff=True
    ).distinct()
    for group in groups:
        group.permissions.add(*permissions)


def _heads_unit(person: StaffMember) -> bool:
    return person.unit is not None and person.unit.head_id == person.pk


def load(school) -> None:
    leave_types_seed(school=school)
    approval_chains_seed(school=school)
    _grant_personnel_admin_rights(school)
    if LeaveRequest.objects.filter(school=school, reason__endswith=MARK).exists():
        return
    types = {t.code: t for t in LeaveType.objects.filter(school=school)}
    people = list(
        StaffMember.objects.filter(school=school, is_active=True, unit__head__isnull=False)
        .exclude(category=StaffCategory.HOURLY_SUBSTITUTE)
        .select_related("unit__head", "user")
        .order_by("employee_no")
    )
    teachers = [p for p in people if p.category == StaffCategory.SUBJECT_TEACHER and not _heads_unit(p)]
    heads = [p for p in people if p.category == StaffCategory.ADMIN_TEACHER and _heads_unit(p)]
    clerks = [p for p in people if p.category == StaffCategory.CIVIL_STAFF and not _heads_unit(p)]
    if len(teachers) < 6:
        return
    a, b, c, d, e, f = teachers[:6]
    today = timezone.localdate()

    def days(person: StaffMember, count: int, skip: int = 0) -> tuple[dt.datetime, dt.datetime]:
        # The person's next working days: when each starts and ends.
        found: list[tuple[dt.datetime, dt.datetime]] = []
        day = today + dt.timedelta(days=1)
        while len(found) < skip + count:
            duty = duty_day(person, day)
            start, end = duty.start_at(), duty.end_at()
            if duty.has_duty and start is not None and end is not None:
                found.append((start, end))
            day += dt.timedelta(days=1)
        return found[skip][0], found[skip + count - 1][1]

    def request(person, deputy, code, span, reason, **kw) -> LeaveRequest:
        return leave_request_submit(
            applicant=person, leave_type=types[code], start=span[0], end=span[1], deputy=deputy,
            reason=reason + MARK, class_arrangement="與同科老師調課" if person.is_teacher else "", **kw,
        )

    def walk(leave: LeaveRequest, steps: int) -> None:
        for _ in range(steps):
            leave.refresh_from_db()
            current = leave.steps.filter(status="current").select_related("request").first()
            if current is None:
                return
            leave_step_approve(request=leave, actor=step_actors(current)[0], comment="同意")

    walk(request(a, b, "personal", days(a, 1, skip=3), "家中有事"), steps=5)  # approved
    request(c, d, "family_care", days(c, 1, skip=4), "陪同家人就醫")  # waits for the deputy
    walk(request(d, c, "personal", days(d, 1, skip=5), "處理私事"), steps=1)  # waits for the unit head
    rejected = request(e, f, "personal", days(e, 1, skip=2), "參加親友婚禮")
    walk(rejected, steps=1)
    rejected.refresh_from_db()
    head = step_actors(rejected.steps.get(status="current"))[0]
    leave_step_reject(request=rejected, actor=head, comment="當日有段考，請改期")
    withdrawn = request(f, e, "personal", days(f, 1, skip=6), "臨時有事")
    leave_request_withdraw(request=withdrawn, actor=f)
    if len(teachers) >= 8:  # last week's sick day, approved: the month views show 請假, 教學組 sees past needs
        g, h = teachers[6], teachers[7]
        day = today - dt.timedelta(days=2)
        while not duty_day(g, day).has_duty:
            day -= dt.timedelta(days=1)
        sick = (duty_day(g, day).start_at(), duty_day(g, day).end_at())
        walk(request(g, h, "sick", sick, "感冒發燒就醫"), steps=5)
    if heads:
        deputy = next((p for p in people if p.unit_id == heads[0].unit_id and p.pk != heads[0].pk), b)
        walk(request(heads[0], deputy, "vacation", days(heads[0], 3, skip=8), "寒假前休假"), steps=5)
    if clerks:
        start = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=2), dt.time(17, 0)))
        overtime = overtime_submit(staff=clerks[0], planned_start=start, planned_end=start + dt.timedelta(hours=3),
                                   reason="校慶場地布置" + MARK)
        if overtime.approver is not None:
            overtime_decide(overtime=overtime, actor=overtime.approver, approve=True, comment="辛苦了")
