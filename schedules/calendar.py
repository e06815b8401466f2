"""The one question the whole product asks: is this a working day for this person, and from when to when?

Attendance (daily results), leave (how long a request is) and substitutes (which days have
classes) all ask here, so a holiday, a make-up Saturday or a typhoon day is decided once.

CONTRACT (other apps rely on it; keep the names and shapes):
    duty_day(staff, day) -> DutyDay
    duty_days(staff_members, start, end) -> dict[(staff_id, date), DutyDay]   # set-based, bounded queries
    is_school_day(school, day) -> bool      # classes are held (not a holiday, typhoon day or vacation)

This first version knows weekends, Taiwan's national holidays and the fixed windows per
category; the schedules module replaces the internals with the school's own data.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import holidays

from staff.models import StaffCategory, StaffMember

LUNCH = (dt.time(12, 0), dt.time(13, 0))


@dataclass(frozen=True)
class DutyDay:
    day: dt.date
    has_duty: bool
    reason: str  # "workday", "weekend", "holiday", "makeup_workday", "typhoon", "vacation", "school_day_off", "no_duty"
    label: str = ""  # what people read: 「國慶日」, 「颱風停班停課」, 「寒假」
    start: dt.time | None = None  # required arrival
    end: dt.time | None = None  # earliest leaving
    breaks: tuple[tuple[dt.time, dt.time], ...] = field(default=(LUNCH,))

    def start_at(self) -> dt.datetime | None:
        return _aware(self.day, self.start) if self.start else None

    def end_at(self) -> dt.datetime | None:
        return _aware(self.day, self.end) if self.end else None

    @property
    def working_hours(self) -> float:
        if not self.has_duty or self.start is None or self.end is None:
            return 0.0
        total = _minutes(self.start, self.end)
        for b_start, b_end in self.breaks:
            overlap = _minutes(max(self.start, b_start), min(self.end, b_end))
            total -= max(overlap, 0)
        return total / 60


def _minutes(a: dt.time, b: dt.time) -> int:
    return (b.hour * 60 + b.minute) - (a.hour * 60 + a.minute)


def _aware(day: dt.date, t: dt.time) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, t))


@lru_cache(maxsize=64)
def _national_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("TW", years=year, language="zh_TW")


DEFAULT_WINDOWS = {
    StaffCategory.ADMIN_TEACHER: (dt.time(7, 30), dt.time(16, 30)),
    StaffCategory.CIVIL_STAFF: (dt.time(7, 30), dt.time(16, 30)),
    StaffCategory.HOMEROOM_SENIOR: (dt.time(8, 0), dt.time(16, 0)),
    StaffCategory.HOMEROOM_JUNIOR: (dt.time(7, 30), dt.time(16, 0)),
    StaffCategory.SUBJECT_TEACHER: (dt.time(8, 0), dt.time(16, 0)),
    StaffCategory.LONG_TERM_SUBSTITUTE: (dt.time(8, 0), dt.time(16, 0)),
}


def _office_day(day: dt.date) -> tuple[bool, str, str]:
    tw = _national_holidays(day.year)
    if day in tw:
        return False, "holiday", tw.get(day)
    if day.weekday() >= 5:
        return False, "weekend", ""
    return True, "workday", ""


def duty_day(staff: StaffMember, day: dt.date) -> DutyDay:
    return duty_days([staff], day, day)[(staff.pk, day)]


def duty_days(
    staff_members: Iterable[StaffMember], start: dt.date, end: dt.date
) -> dict[tuple[int, dt.date], DutyDay]:
    result: dict[tuple[int, dt.date], DutyDay] = {}
    days = [start + dt.timedelta(n) for n in range((end - start).days + 1)]
    office = {d: _office_day(d) for d in days}
    for staff in staff_members:
        window = DEFAULT_WINDOWS.get(staff.category)
        for d in days:
            working, reason, label = office[d]
            if window is None:
                result[(staff.pk, d)] = DutyDay(d, False, "no_duty", "")
            elif working:
                result[(staff.pk, d)] = DutyDay(d, True, reason, label, window[0], window[1])
            else:
                result[(staff.pk, d)] = DutyDay(d, False, reason, label)
    return result


def is_school_day(school, day: dt.date) -> bool:
    return _office_day(day)[0]
