"""What other apps hear from the schedules module.

CONTRACT: ``calendar_changed`` is sent (inside the changing transaction) whenever something that
changes who is on duty when is saved: a typhoon day, a school day off, an imported office calendar,
a semester, a work schedule or a personal override. Attendance listens to recompute daily results.

    calendar_changed.send(sender=..., school_ids=[...] or None (all schools), start=date, end=date,
                          staff_ids=[...] or None (everyone in those schools), reason="typhoon_declared")

- ``sender``: the model class that changed (TyphoonDay, SchoolDay, OfficeCalendarYear, Semester,
  WorkSchedule, CategorySchedule, PersonalSchedule).
- ``start``/``end``: the first and last affected day (both dates, inclusive). A change with no end
  (a category's new schedule from a date on, an open-ended personal schedule) sends
  ``end = max(start, today)``: later days have no results yet and are computed when they come.
- ``reason``: what happened, for logs — office_calendar_imported, school_day_created/_updated/_deleted,
  typhoon_declared/_changed/_withdrawn, semester_saved/_deleted, work_schedule_saved,
  category_schedule_assigned/_deleted, personal_schedule_saved/_deleted, disaster_stop_granted/_revoked.
- ``cause``: what people read as the reason (「12/1 颱風停班停課宣布」), for notices and history;
  ``actor``: who made the change (a User, or None for the system). Both may be missing.
Receivers take ``**kwargs`` (Django requires it), so a later keyword never breaks them.

Receivers that change something in consequence (leave recounts a request, coverage drops a period)
call ``report_consequence(kind, **data)``; the calendar's preview (a change made in a savepoint and
rolled back) collects them with ``collect_consequences()`` to show what a declaration would do.
"""

import contextlib
from collections import defaultdict
from collections.abc import Iterator
from contextvars import ContextVar

from django.dispatch import Signal

calendar_changed = Signal()

_collector: ContextVar[dict[str, list[dict]] | None] = ContextVar("calendar_consequences", default=None)


@contextlib.contextmanager
def collect_consequences() -> Iterator[dict[str, list[dict]]]:
    """Collect what the receivers report while the block runs: {kind: [data, ...]}."""
    found: dict[str, list[dict]] = defaultdict(list)
    token = _collector.set(found)
    try:
        yield found
    finally:
        _collector.reset(token)


def report_consequence(kind: str, **data) -> None:
    """Tell the preview what a calendar change did (nothing happens outside a preview).

    Kinds: ``leave_recounted`` (request, applicant, before/after hours), ``period_dropped`` and
    ``period_restored`` (a class period's coverage need), ``assignment_cancelled`` (a substitute's period).
    """
    found = _collector.get()
    if found is not None:
        found[kind].append(data)
