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
  typhoon_declared/_withdrawn, semester_saved/_deleted, work_schedule_saved,
  category_schedule_assigned/_deleted, personal_schedule_saved/_deleted.
Receivers take ``**kwargs`` (Django requires it), so a later keyword never breaks them.
"""

from django.dispatch import Signal

calendar_changed = Signal()
