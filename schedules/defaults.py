"""The school's own clock-in rules (docs/domain.md, "Clock-in windows"), as data.

``work_schedules_seed_defaults`` writes them as WorkSchedule rows for a school; until a school has
rows for a category, ``schedules.calendar`` answers with these same rules, so a new school is
never without windows.
"""

import datetime as dt
from dataclasses import dataclass

from staff.models import StaffCategory

FULL_WEEK = "12345"
LUNCH = (dt.time(12, 0), dt.time(13, 0))
# Seeded category rules apply from here on; a later rule is a new row from its own date.
SEED_EFFECTIVE_FROM = dt.date(2000, 1, 1)


@dataclass(frozen=True)
class ScheduleRule:
    """The fields of a WorkSchedule that the calendar reads (the model has the same attributes)."""

    name: str
    has_duty: bool = True
    start: dt.time | None = None
    end: dt.time | None = None
    grace_minutes: int = 0
    school_day_arrival: dt.time | None = None
    school_day_arrival_note: str = ""
    break_start: dt.time | None = None
    break_end: dt.time | None = None
    weekdays: str = FULL_WEEK
    note: str = ""

    @property
    def breaks(self) -> tuple[tuple[dt.time, dt.time], ...]:
        if self.break_start and self.break_end:
            return ((self.break_start, self.break_end),)
        return ()


# 行政教師、職員 07:30–16:30 with an hour's lunch: 8 working hours.
OFFICE = ScheduleRule(
    name="行政人員 07:30–16:30", start=dt.time(7, 30), end=dt.time(16, 30),
    break_start=LUNCH[0], break_end=LUNCH[1], note="行政教師、職員",
)
# Teachers 08:00–16:00: the school day counts as the 8-hour day (lunch is spent with the class),
# so no break is taken out of it.
SENIOR_HOMEROOM = ScheduleRule(
    name="高中部導師 08:00–16:00", start=dt.time(8, 0), end=dt.time(16, 0), note="高中部專任教師兼導師",
)
JUNIOR_HOMEROOM = ScheduleRule(
    name="國中部導師 08:00–16:00（早自習 07:30）", start=dt.time(8, 0), end=dt.time(16, 0),
    school_day_arrival=dt.time(7, 30), school_day_arrival_note="早自習",
    note="國中部專任教師兼導師；上課日 07:30–08:00 早自習到校",
)
TEACHER = ScheduleRule(
    name="專任及代理教師 08:00–16:00", start=dt.time(8, 0), end=dt.time(16, 0), note="專任教師、代理教師",
)
NO_CLOCK_IN = ScheduleRule(name="代課教師（免打卡）", has_duty=False, note="鐘點代課教師無出勤打卡義務")

DEFAULT_BY_CATEGORY: dict[str, ScheduleRule] = {
    StaffCategory.ADMIN_TEACHER: OFFICE,
    StaffCategory.CIVIL_STAFF: OFFICE,
    StaffCategory.HOMEROOM_SENIOR: SENIOR_HOMEROOM,
    StaffCategory.HOMEROOM_JUNIOR: JUNIOR_HOMEROOM,
    StaffCategory.SUBJECT_TEACHER: TEACHER,
    StaffCategory.LONG_TERM_SUBSTITUTE: TEACHER,
    StaffCategory.HOURLY_SUBSTITUTE: NO_CLOCK_IN,
}
