"""A calendar change re-counts the leave it touches (connected to schedules' calendar_changed).

Time off on a day that is no longer a duty day is not leave (a typhoon day, a holiday moved onto
it): the request's hours on that day are released back to the balance, and charged again when the
change is undone. Each request is counted again with its own rule (the version it was filed under),
from its own span, so a recount never drifts: counting twice gives the same answer.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from common.i18n import later, local_name
from leave import rules as R
from leave.models import ACTIVE_STATUSES, LeaveDay, LeaveRequest
from leave.services.charges import reallocate, substitute_payer
from leave.services.common import lock_staff
from notifications.services import notify
from schedules.calendar import DutyDay, duty_days
from schedules.events import report_consequence
from staff.models import StaffMember, User
from staff.twdate import format_days_hours


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def _touching(
    *, school_ids: Iterable[int] | None, staff_ids: Iterable[int] | None, start: dt.date, end: dt.date
) -> QuerySet[LeaveRequest]:
    qs = LeaveRequest.objects.filter(
        status__in=ACTIVE_STATUSES, start__lt=_day_start(end + dt.timedelta(days=1)), end__gt=_day_start(start)
    ).exclude(kind=LeaveRequest.Kind.CANCELLATION, cancels_all=True)
    if school_ids is not None:
        qs = qs.filter(school_id__in=list(school_ids))
    if staff_ids is not None:
        qs = qs.filter(applicant_id__in=list(staff_ids))
    return qs


def leave_recount_for_calendar(
    *,
    school_ids: Iterable[int] | None,
    start: dt.date,
    end: dt.date,
    staff_ids: Iterable[int] | None = None,
    cause: str = "",
    actor: User | None = None,
) -> list[LeaveRequest]:
    """Count again every pending or approved request (and pending 銷假) overlapping [start, end].

    Returns the requests whose length changed; each applicant is told once, listing them.
    """
    with transaction.atomic():
        applicant_ids = sorted(set(
            _touching(school_ids=school_ids, staff_ids=staff_ids, start=start, end=end)
            .values_list("applicant_id", flat=True)
        ))
        if not applicant_ids:
            return []
        applicants = lock_staff(*applicant_ids)  # the same lock a submission takes, so balances stay exact
        requests = list(
            _touching(school_ids=None, staff_ids=applicant_ids, start=start, end=end)
            .select_related("rule", "leave_type", "applicant__user", "applicant__school")
            .prefetch_related("days")
            .order_by("applicant_id", "start")
        )
        # The calendar once for everyone, over the days all the requests cover (its queries do not grow).
        spans = [R.span_dates(r.start, r.end) for r in requests]
        duty: dict[int, dict[dt.date, DutyDay]] = defaultdict(dict)
        for (staff_id, day), value in duty_days(
            applicants.values(), min(first for first, _l in spans), max(last for _f, last in spans)
        ).items():
            duty[staff_id][day] = value
        changed: dict[int, list[tuple[LeaveRequest, int]]] = defaultdict(list)
        since: dict[int, dt.date] = {}
        for request in requests:
            applicant = applicants[request.applicant_id]
            before = {d.day: d.hours for d in request.days.all()}
            days = R.leave_length(
                start=request.start, end=request.end, unit=request.rule.unit,
                counts_non_working_days=request.rule.counts_non_working_days,
                duty=duty[applicant.pk],
            )
            after = {d.day: d.hours for d in days}  # as a submission stores them, 0-hour days included
            if after == before:
                continue
            old_hours = request.hours
            request.days.all().delete()
            LeaveDay.objects.bulk_create(LeaveDay(request=request, day=day, hours=h) for day, h in after.items())
            request.hours = sum(after.values())
            request.save(update_fields=["hours"])
            first = R.span_dates(request.start, request.end)[0]
            since[applicant.pk] = min(since.get(applicant.pk, first), first)
            if request.hours != old_hours:  # the same length laid out differently is nothing to tell
                changed[applicant.pk].append((request, old_hours))
        for applicant_id, first in since.items():
            applicant = applicants[applicant_id]
            # Released hours are free again; hours charged again may go beyond a quota (unpaid), never refused:
            # the calendar is the truth, and the request was granted.
            reallocate(applicant, since=first)
            for request, old_hours in changed[applicant_id]:
                _record(request, old_hours=old_hours, cause=cause, actor=actor)
            if changed[applicant_id]:
                _tell(applicant, changed[applicant_id], cause=cause)
    return [request for items in changed.values() for request, _old in items]


def _record(request: LeaveRequest, *, old_hours: int, cause: str, actor: User | None) -> None:
    if not request.is_cancellation:
        request.refresh_from_db(fields=["unpaid_hours"])
        request.substitute_paid_by = substitute_payer(
            request.applicant, request.rule, request.hours, request.unpaid_hours
        )
        request.save(update_fields=["substitute_paid_by"])
    diff = request.hours - old_hours
    comment = _("因 %(cause)s，%(change)s %(amount)s") % {
        "cause": cause or _("行事曆的變更"),
        "change": _("少計") if diff < 0 else _("多計"),
        "amount": format_days_hours(abs(diff)),
    }
    audit_log(
        actor=actor, action="leave.recounted", target=request, school=request.applicant.school,
        data={"before_hours": old_hours, "after_hours": request.hours, "cause": cause, "comment": str(comment)},
    )
    report_consequence(
        "leave_recounted", request_id=request.pk, applicant=request.applicant.name,
        type_name=request.leave_type.display_name, before_hours=old_hours, after_hours=request.hours,
    )


def _tell(applicant: StaffMember, items: list[tuple[LeaveRequest, int]], *, cause: str) -> None:
    lines = [
        {
            "request": request,
            "type_name": later(local_name, request.leave_type),
            "is_cancellation": request.is_cancellation,
            "released": request.hours < old_hours,
            "amount_hours": abs(request.hours - old_hours),
            "length_hours": request.hours,
        }
        for request, old_hours in items
    ]
    first = items[0][0]
    notify(
        [applicant], "leave.recounted", {"cause": cause, "lines": lines, "applicant": applicant.name},
        url=reverse("leave:detail", args=[first.pk]) if len(items) == 1 else reverse("leave:mine"),
    )
