"""What leave needs to know about punches: the contract the clock-in app (attendance) fulfils.

Leave settles overtime (加班) from the punches of its day, but leave does not import attendance:
attendance already reads leave (``leave.selectors.leave_spans``, ``leave.events.leave_changed``), and
the arrow between the two points one way only (``.importlinter``). So leave declares here what it
needs, and attendance provides it:

- ``punches_changed``: the event attendance sends (``publish_punches_changed``) inside the transaction
  that records a punch or approves a correction (補登), after the punch row is written; leave's
  receiver (``leave/signals.py``) settles the day's overtime in that same transaction.
- ``punch_spans(keys)``: the punched span of each (staff_id, work day), answered by the function
  attendance registers in ``AttendanceConfig.ready()`` (``punch_source_register``).

attendance re-exports these names (``attendance.events``, ``attendance.selectors.PunchSpan``), so its
own code and callers keep reading them from attendance.
"""

import datetime as dt
from collections.abc import Callable, Iterable
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


@dataclass(frozen=True)
class PunchSpan:
    """One person's punched day: the 上班 kept (the first) and the 下班 kept (the last), either of
    which may be missing. Approved corrections (補登) count like punches."""

    first_in: dt.datetime | None
    last_out: dt.datetime | None


PunchSource = Callable[[Iterable[tuple[int, dt.date]]], dict[tuple[int, dt.date], PunchSpan]]
_source: list[PunchSource] = []


def punch_source_register(source: PunchSource) -> None:
    """Called once by the app that keeps the punches (``AttendanceConfig.ready``); a second call replaces
    the first (Django may run ``ready()`` again in tests)."""
    _source[:] = [source]


def punch_spans(keys: Iterable[tuple[int, dt.date]]) -> dict[tuple[int, dt.date], PunchSpan]:
    """The punched span of each (staff_id, work day) asked for, in one query; a key without any punch is
    absent from the answer."""
    if not _source:
        raise RuntimeError("No punch source registered: attendance must be installed (AttendanceConfig.ready).")
    return _source[0](keys)


def punch_span(staff_id: int, day: dt.date) -> PunchSpan | None:
    """One person's punched span on one day (one query), or None without any punch."""
    return punch_spans([(staff_id, day)]).get((staff_id, day))
