"""Recompute daily results when leave or the calendar changes (connected in AttendanceConfig.ready).

Both signals are sent inside the changing transaction, so the results change with it or not at all.
"""

import datetime as dt

from django.dispatch import receiver
from django.utils import timezone

from attendance.services import daily_results_recompute, recompute_job_start
from leave.events import LeaveEvent, leave_changed
from schedules.events import calendar_changed
from staff.selectors import school_by_id


@receiver(leave_changed, dispatch_uid="attendance.leave_changed")
def _on_leave_changed(sender, event: LeaveEvent, **kwargs) -> None:
    spans = [*event.spans, *event.previous_spans]
    if not spans:
        return
    start = min(timezone.localdate(begin) for begin, _end in spans)
    # A span ending at midnight does not touch the next day.
    end = max(timezone.localdate(finish - dt.timedelta(microseconds=1)) for _begin, finish in spans)
    if start > timezone.localdate():
        return  # leave still to come: results are only kept up to today (the recompute clips to it)
    school = school_by_id(event.school_id)
    if school is not None:
        daily_results_recompute(school=school, start=start, end=end, staff_ids=[event.staff_id])


@receiver(calendar_changed, dispatch_uid="attendance.calendar_changed")
def _on_calendar_changed(
    sender, school_ids=None, start: dt.date | None = None, end: dt.date | None = None, staff_ids=None, **kwargs
) -> None:
    if start is None or end is None:
        return
    # After the commit, in tasks of a few schools and at most a month each: the changing request
    # (a city-wide typhoon day, an office-calendar import) only writes the progress record.
    recompute_job_start(
        reason=str(kwargs.get("reason") or "calendar_changed"),
        school_ids=school_ids,
        staff_ids=staff_ids,
        start=start,
        end=end,
        actor=kwargs.get("actor"),
    )
