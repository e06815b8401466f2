"""What other apps hear from the attendance module.

CONTRACT: ``publish_punches_changed(event)`` is called inside the transaction that records a punch or
approves a correction (補登), after the punch row is written; receivers run in that same transaction.
The leave module listens to settle overtime (加班) from the punches; attendance itself imports
nothing of the listeners.

    from attendance.events import punches_changed
    @receiver(punches_changed)
    def _on_punches_changed(sender, event: PunchesChanged, **kwargs): ...
"""

import datetime as dt
from dataclasses import dataclass

from django.dispatch import Signal

punches_changed = Signal()


@dataclass(frozen=True)
class PunchesChanged:
    staff_id: int
    school_id: int
    day: dt.date  # the work day (local date) whose punches changed
    action: str  # "punched" or "correction_approved"


def publish_punches_changed(event: PunchesChanged) -> None:
    punches_changed.send(sender=PunchesChanged, event=event)
