"""The coverage module listens to the leave module here, and only here.

The leave services publish a LeaveEvent inside their transaction; the needs are brought in
step inside that same transaction, so a leave and its coverage needs commit or roll back together.
"""

from django.dispatch import receiver

from leave.events import LeaveEvent, leave_changed
from substitutes.services import coverage_sync_from_leave


@receiver(leave_changed, dispatch_uid="substitutes.coverage_from_leave")
def coverage_from_leave(sender, event: LeaveEvent, **kwargs) -> None:
    coverage_sync_from_leave(event=event)
