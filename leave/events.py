"""What other apps hear from the leave module.

CONTRACT: the leave services call ``publish_leave_changed(event)`` inside the transaction
that changes a request; receivers (substitutes: coverage needs, attendance: daily results)
run in that same transaction, so the three stay in step or roll back together.

    from leave.events import leave_changed
    @receiver(leave_changed)
    def _on_leave_changed(sender, event: LeaveEvent, **kwargs): ...
"""

import datetime as dt
from dataclasses import dataclass, field

from django.dispatch import Signal

leave_changed = Signal()


@dataclass(frozen=True)
class LeaveEvent:
    leave_request_id: int
    staff_id: int
    school_id: int
    # "submitted", "changed", "approved", "rejected", "withdrawn", "cancelled"
    action: str
    leave_type_code: str
    leave_type_name: str
    # The spans the leave covers now (empty once rejected, withdrawn or cancelled)
    # and before this change, as aware datetimes.
    spans: tuple[tuple[dt.datetime, dt.datetime], ...] = ()
    previous_spans: tuple[tuple[dt.datetime, dt.datetime], ...] = ()
    actor_user_id: int | None = None
    substitute_paid_by: str = ""  # "school" (公費) or "teacher" (自理)
    leave_type_name_en: str = ""  # the English name, "" when the school gave none
    extra: dict = field(default_factory=dict)


def publish_leave_changed(event: LeaveEvent) -> None:
    leave_changed.send(sender=LeaveEvent, event=event)
