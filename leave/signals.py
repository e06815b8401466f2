"""Settle overtime again when the punches of its day change (connected in LeaveConfig.ready).

attendance publishes ``punches_changed`` inside the punch's (or the approved 補登's) transaction, so the
settlement changes with the punch or not at all. The event and ``punch_span`` are declared by leave
(``leave.punches``) and fulfilled by attendance: leave imports nothing of attendance.
"""

from django.dispatch import receiver
from django.utils import timezone

from leave.punches import PunchesChanged, punches_changed
from leave.services.overtime import overtimes_settle_due


@receiver(punches_changed, dispatch_uid="leave.punches_changed")
def _on_punches_changed(sender, event: PunchesChanged, **kwargs) -> None:
    # Only days that have ended are settled; today's punches wait for the nightly task.
    if event.day >= timezone.localdate():
        return
    overtimes_settle_due(staff_id=event.staff_id, day=event.day)
