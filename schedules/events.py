"""What other apps hear from the schedules module.

CONTRACT: ``calendar_changed`` is sent (inside the changing transaction) whenever something that
changes who is on duty when is saved: a typhoon day, a school day off, an imported office calendar,
a semester, a work schedule or a personal override. Attendance listens to recompute daily results.

    calendar_changed.send(sender=..., school_ids=[...] or None (all schools), start=date, end=date,
                          staff_ids=[...] or None (everyone in those schools))
"""

from django.dispatch import Signal

calendar_changed = Signal()
