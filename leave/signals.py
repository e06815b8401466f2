"""What leave follows (connected in LeaveConfig.ready): punches settle overtime again; a calendar
change counts the leave on the changed days again (leave/services/recount.py).

attendance publishes ``punches_changed`` inside the punch's (or the approved 補登's) transaction, so the
settlement changes with the punch or not at all. The event and ``punch_span`` are declared by leave
(``leave.punches``) and fulfilled by attendance: leave imports nothing of attendance.
"""

from django.dispatch import receiver
from django.utils import timezone

from leave.punches import PunchesChanged, punches_changed
from leave.services.overtime import overtimes_settle_due
from leave.services.recount import leave_recount_for_calendar
from schedules.events import calendar_changed


@receiver(punches_changed, dispatch_uid="leave.punches_changed")
def _on_punches_changed(sender, event: PunchesChanged, **kwargs) -> None:
    # Only days that have ended are settled; today's punches wait for the nightly task.
    if event.day >= timezone.localdate():
        return
    overtimes_settle_due(staff_id=event.staff_id, day=event.day)


@receiver(calendar_changed, dispatch_uid="leave.calendar_changed")
def _on_calendar_changed(sender, *, school_ids, start, end, staff_ids=None, cause="", actor=None, **kwargs) -> None:
    # Inside the calendar change's transaction: the balance follows the calendar, or neither changes.
    leave_recount_for_calendar(
        school_ids=school_ids, start=start, end=end, staff_ids=staff_ids, cause=cause, actor=actor
    )
