"""Schedules' models, one module per concern:

- semesters.py  — semesters and the school year
- work.py       — work schedules by category and per-person overrides
- calendar.py   — the office calendar and school-specific days (holidays, make-up days, typhoon days, vacations)
- timetables.py — bell schedules and teaching timetables
- alerts.py     — official 停班停課 announcements (CAP alerts) and the declarations proposed from them
"""

from schedules.models.alerts import *  # noqa: F403
from schedules.models.calendar import *  # noqa: F403
from schedules.models.semesters import *  # noqa: F403
from schedules.models.timetables import *  # noqa: F403
from schedules.models.work import *  # noqa: F403
