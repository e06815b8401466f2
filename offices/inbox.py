"""The approvers' one inbox: every decision waiting for me, from leave and attendance, oldest first.

Reads only: each app's own selector says what waits for whom (``leave.selectors.approval_inbox`` and
``overtime_inbox``; for 補登 the rule of ``attendance.selectors.correction_approvers``, applied to the
pending corrections one may decide), and the details an approver needs come in a fixed number of
queries whatever the number of items (asserted in tests/offices/test_inbox.py). Deciding is
``offices.services.inbox_decide``, which calls each app's service: they enforce, this only offers.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.selectors import corrections_to_decide
from leave import rules as R
from leave.display import span_text
from leave.selectors import BalanceRow, approval_inbox, covered_by, leave_balances, overtime_inbox
from schedules.timetables_selectors import TaughtPeriod, taught_periods
from staff.models import Role, StaffMember
from staff.selectors import school_units
from staff.twdate import format_roc_short

# What an item is, as its key's prefix: "leave:<request id>", "overtime:<id>", "correction:<id>".
LEAVE, OVERTIME, CORRECTION = "leave", "overtime", "correction"
KINDS = (LEAVE, OVERTIME, CORRECTION)


@dataclass
class InboxItem:
    key: str
    kind: str  # leave · overtime · correction
    label: str  # 請假, 職務代理, 銷假, 加班, 補登
    applicant: StaffMember
    since: dt.datetime  # when it reached me: the step's start, the request's submission
    title: str
    url: str
    reason: str = ""
    hours: int | None = None
    unpaid_hours: int = 0
    balance: BalanceRow | None = None  # the type's balance with this request counted (pending)
    deputy: StaffMember | None = None
    on_behalf_of: str = ""  # the approver on leave I stand in for
    periods: list[TaughtPeriod] = field(default_factory=list)
    attachments: list[Any] = field(default_factory=list)
    class_arrangement: str = ""
    may_reject: bool = True
    extra: str = ""

    @property
    def balance_after(self) -> int | None:
        return None if self.balance is None else self.balance.remaining


def parse_key(key: str) -> tuple[str, int] | None:
    kind, _sep, pk = (key or "").partition(":")
    if kind not in KINDS or not pk.isascii() or not pk.isdigit() or len(pk) > 18:
        return None
    return kind, int(pk)


def _correction_approver_is(me: StaffMember, person: StaffMember, units: dict[int, Any]) -> bool:
    """``attendance.selectors.correction_approvers`` decided from the school's units in memory: the head
    of the person's unit, else of the unit above, else the personnel office."""
    unit = units.get(person.unit_id) if person.unit_id else None
    while unit is not None:
        if unit.head_id and unit.head_id != person.pk:
            return unit.head_id == me.pk
        unit = units.get(unit.parent_id) if unit.parent_id else None
    return Role.PERSONNEL in me.roles_set


def _leave_items(me: StaffMember, covering: list[int]) -> list[InboxItem]:
    steps = approval_inbox(me, covering=covering)
    requests = [s.request for s in steps]
    prefetch_related_objects(requests, "attachments")
    # The balance of each request's type on its first day: one balance read per pair of quota periods
    # (school year, calendar year) the requests start in, not per request.
    groups: dict[tuple[str, str], tuple[dt.date, dict[int, StaffMember]]] = {}
    for r in requests:
        day = timezone.localtime(r.start).date()
        key = (R.period_bucket(R.Period.SCHOOL_YEAR, day), R.period_bucket(R.Period.CALENDAR_YEAR, day))
        groups.setdefault(key, (day, {}))[1][r.applicant_id] = r.applicant
    balances: dict[tuple[str, str], dict[int, list[BalanceRow]]] = {
        key: leave_balances(staff_members=people.values(), on=day) for key, (day, people) in groups.items()
    }
    teachers = {r.applicant_id for r in requests if r.applicant.is_teacher and not r.is_cancellation}
    periods: list[TaughtPeriod] = []
    if teachers:
        first = min(timezone.localtime(r.start).date() for r in requests if r.applicant_id in teachers)
        last = max(timezone.localtime(r.end).date() for r in requests if r.applicant_id in teachers)
        periods = taught_periods(teacher_ids=teachers, start=first, end=last)
    items = []
    for step in steps:
        r = step.request
        day = timezone.localtime(r.start).date()
        key = (R.period_bucket(R.Period.SCHOOL_YEAR, day), R.period_bucket(R.Period.CALENDAR_YEAR, day))
        rows = balances.get(key, {}).get(r.applicant_id, [])
        if r.is_cancellation:
            label = _("銷假")
        elif step.role == "deputy":
            label = _("職務代理")
        else:
            label = _("請假")
        items.append(InboxItem(
            key=f"{LEAVE}:{r.pk}", kind=LEAVE, label=label, applicant=r.applicant, since=step.activated_at or
            r.submitted_at, title=f"{r.leave_type.name} {span_text(r.start, r.end)}",
            url=reverse("leave:detail", args=[r.pk]), reason=r.reason, hours=r.hours, unpaid_hours=r.unpaid_hours,
            balance=next((row for row in rows if row.leave_type.pk == r.leave_type_id), None), deputy=r.deputy,
            on_behalf_of=step.assignee.name if step.assignee is not None and step.assignee_id != me.pk else "",
            periods=[p for p in periods if p.teacher_id == r.applicant_id and r.start < p.ends_at
                     and r.end > p.starts_at] if r.applicant_id in teachers else [],
            attachments=list(r.attachments.all()), class_arrangement=r.class_arrangement,
            # The rule's 不得拒絕 binds every step but the deputy's (a 銷假 may always be refused).
            may_reject=r.is_cancellation or step.role == "deputy" or r.rule.may_refuse,
            extra=step.get_role_display(),
        ))
    return items


def _overtime_items(me: StaffMember, covering: list[int]) -> list[InboxItem]:
    return [
        InboxItem(
            key=f"{OVERTIME}:{o.pk}", kind=OVERTIME, label=_("加班"), applicant=o.staff, since=o.submitted_at,
            title=span_text(o.planned_start, o.planned_end), url=reverse("leave:overtime"), reason=o.reason,
            extra=o.get_compensation_display(),
            on_behalf_of=o.approver.name if o.approver is not None and o.approver_id != me.pk else "",
        )
        for o in overtime_inbox(me, covering=covering)
    ]


def _correction_items(me: StaffMember) -> list[InboxItem]:
    pending = list(corrections_to_decide(me).select_related("staff__unit"))
    if not pending:
        return []
    units = {u.pk: u for u in school_units(school_id=me.school_id)}
    return [
        InboxItem(
            key=f"{CORRECTION}:{c.pk}", kind=CORRECTION, label=_("補登"), applicant=c.staff, since=c.requested_at,
            title=f"{format_roc_short(c.date)} {c.get_kind_display()} {c.time:%H:%M}",
            url=reverse("attendance:corrections"), reason=c.reason,
        )
        for c in sorted(pending, key=lambda c: (c.requested_at, c.pk))
        if _correction_approver_is(me, c.staff, units)
    ]


def inbox_items(me: StaffMember) -> list[InboxItem]:
    """Everything waiting for me, oldest first.

    Queries, whatever the number of items: the people I stand in for now (and their roles, if any); the
    leave steps (joined with requests, applicants, types, deputies), their attachments, the balances (per
    quota period the requests start in: rules, charges, adjustments, credits), the teachers' class periods
    (timetable and calendar); the overtime requests (with the rules' approver); the corrections and the
    school's units.
    """
    covering = covered_by(me)
    items = _leave_items(me, covering) + _overtime_items(me, covering) + _correction_items(me)
    items.sort(key=lambda item: (item.since, item.key))
    return items
