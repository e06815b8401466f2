"""The coverage module listens to the leave module and the calendar here, and only here.

The leave services publish a LeaveEvent inside their transaction; the needs are brought in
step inside that same transaction, so a leave and its coverage needs commit or roll back together.
"""

from django.dispatch import receiver

from leave.events import LeaveEvent, leave_changed
from schedules.events import calendar_changed
from schedules.timetables_services import timetable_changed
from substitutes.services import coverage_follow_calendar, coverage_resync_after_timetable, coverage_sync_from_leave


@receiver(leave_changed, dispatch_uid="substitutes.coverage_from_leave")
def coverage_from_leave(sender, event: LeaveEvent, **kwargs) -> None:
    coverage_sync_from_leave(event=event)


@receiver(timetable_changed, dispatch_uid="substitutes.coverage_after_timetable")
def coverage_after_timetable(sender, semester, actor=None, **kwargs) -> None:
    coverage_resync_after_timetable(semester=semester, actor=actor)


@receiver(calendar_changed, dispatch_uid="substitutes.coverage_after_calendar")
def coverage_after_calendar(sender, *, school_ids, start, end, staff_ids=None, cause="", actor=None, **kwargs) -> None:
    coverage_follow_calendar(
        school_ids=school_ids, start=start, end=end, staff_ids=staff_ids, cause=cause, actor=actor
    )
