"""Reading timetables: weekly grids for people, and the dated class periods the coverage module needs.

CONTRACT used by substitutes (and the leave form's 課務 preview):
    taught_periods(teacher_ids=, start=, end=) -> list[TaughtPeriod]
        every class period those teachers teach on school days in [start, end] (dates, inclusive)
    taught_periods_during(teacher_id=, spans=) -> list[TaughtPeriod]
        the periods of one teacher that the spans overlap (what a leave or absence affects)
    teachers_teaching_at(school=, starts_at=, ends_at=) -> set[int]
        the teachers whose timetable has them in class at any moment of [starts_at, ends_at)
    teacher_teaching_during(school=, teacher_id=, windows=) -> set[key]
        the same rule for one teacher over many windows at once (one query)
    school_teaching_slots(school=, start=, end=) -> list[TeachingSlot]
        the same rule for every teacher of a school over a range of dates (one query)
"""

import datetime as dt
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from common.prepared import PreparedInstances
from schedules.duty_cache import cached_calendar_days
from schedules.models import BellPeriod, Division, Semester, TimetableEntry
from staff.models import School, StaffMember
from staff.selectors import people_by_ids, person_search_q

WEEKDAY_NAMES = ["一", "二", "三", "四", "五", "六", "日"]


@dataclass(frozen=True)
class TaughtPeriod:
    teacher_id: int
    date: dt.date
    division: str
    period_number: int
    period_label: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    class_name: str
    subject: str
    room: str

    @property
    def key(self) -> tuple[dt.date, str, int]:
        return (self.date, self.division, self.period_number)


def _aware(day: dt.date, t: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, t))


def semester_on(*, school: School, day: dt.date) -> Semester | None:
    return Semester.objects.filter(school=school, start_date__lte=day, end_date__gte=day).first()


def semester_current(*, school: School, today: dt.date | None = None) -> Semester | None:
    """The semester running today, else the next one, else the latest one."""
    today = today or timezone.localdate()
    semesters = list(Semester.objects.filter(school=school).order_by("start_date"))
    for s in semesters:
        if s.start_date <= today <= s.end_date:
            return s
    upcoming = [s for s in semesters if s.start_date > today]
    if upcoming:
        return upcoming[0]
    return semesters[-1] if semesters else None


def _entries(teacher_ids: list[int], start: dt.date, end: dt.date, weekdays: list[int]) -> QuerySet[TimetableEntry]:
    """The teachers' timetable rows in the semesters overlapping start..end (on those weekdays, if named)."""
    entries = TimetableEntry.objects.filter(
        teacher_id__in=teacher_ids, semester__start_date__lte=end, semester__end_date__gte=start
    )
    if weekdays:
        entries = entries.filter(weekday__in=weekdays)
    return entries.select_related("period", "semester")


_entries_read = PreparedInstances(_entries)


def taught_periods(*, teacher_ids: Iterable[int], start: dt.date, end: dt.date) -> list[TaughtPeriod]:
    """The class periods the teachers teach on days with classes between start and end.

    Queries, whatever the length of the range: the teachers' timetable rows in the semesters
    overlapping it, with bell periods and semesters (1; only the range's weekdays when it is shorter than a
    week); then per school concerned (usually one) its calendar over the days the semesters cover in the range
    (schedules.calendar.calendar_days, 3; none while those days are cached: schedules.duty_cache).
    None at all when the teachers have no classes in the range.
    """
    teacher_ids = list(teacher_ids)
    if not teacher_ids or end < start:
        return []
    weekdays: list[int] = []
    if (end - start).days < 6:  # a leave of an hour or a day: that day's classes, not the week's
        weekdays = sorted({(start + dt.timedelta(days=n)).isoweekday() for n in range((end - start).days + 1)})
    entries = _entries_read.rows(teacher_ids, start, end, weekdays)  # one teacher's leave: compiled once per process
    by_semester: dict[int, list[TimetableEntry]] = {}
    for e in entries:
        by_semester.setdefault(e.semester_id, []).append(e)
    # Each school's calendar once, over the part of the range its semesters cover.
    ranges: dict[int, tuple[dt.date, dt.date]] = {}
    for rows in by_semester.values():
        semester = rows[0].semester
        first, last = max(start, semester.start_date), min(end, semester.end_date)
        low, high = ranges.get(semester.school_id, (first, last))
        ranges[semester.school_id] = (min(low, first), max(high, last))
    school_days = {
        (school_id, c.day): c
        for school_id, (first, last) in ranges.items()
        for c in cached_calendar_days(school_id, first, last).values()
        if c.school_day
    }
    out: list[TaughtPeriod] = []
    for rows in by_semester.values():
        semester = rows[0].semester
        by_weekday: dict[int, list[TimetableEntry]] = {}
        for e in rows:
            by_weekday.setdefault(e.weekday, []).append(e)
        day, last = max(start, semester.start_date), min(end, semester.end_date)
        while day <= last:
            todays = by_weekday.get(day.isoweekday())
            cal = school_days.get((semester.school_id, day))
            if todays and cal is not None:
                # A class stopped for part of the day (下午停課) is not taught.
                todays = [e for e in todays if cal.classes_held(e.period.start, e.period.end)]
                out.extend(
                    TaughtPeriod(
                        teacher_id=e.teacher_id, date=day, division=e.period.division,
                        period_number=e.period.number, period_label=e.period.display_label,
                        starts_at=_aware(day, e.period.start), ends_at=_aware(day, e.period.end),
                        class_name=e.class_name, subject=e.subject, room=e.room,
                    )
                    for e in todays
                )
            day += dt.timedelta(days=1)
    out.sort(key=lambda p: (p.starts_at, p.teacher_id))
    return out


def taught_periods_during(
    *, teacher_id: int, spans: Iterable[tuple[dt.datetime, dt.datetime]]
) -> list[TaughtPeriod]:
    """The teacher's class periods that the spans (aware datetimes) overlap: the one rule for "affected".

    A period is affected when ``span.start < period.end and span.end > period.start`` (a span ending
    at 08:10 does not touch a period starting at 08:10). Queries: as taught_periods, none without spans.
    """
    spans = list(spans)
    if not spans:
        return []
    first = min(timezone.localtime(s).date() for s, _e in spans)
    # A span ending at midnight does not touch the next day.
    last = max(timezone.localtime(e - dt.timedelta(microseconds=1)).date() for _s, e in spans)
    return [
        p
        for p in taught_periods(teacher_ids=[teacher_id], start=first, end=last)
        if any(start < p.ends_at and end > p.starts_at for start, end in spans)
    ]


def teachers_teaching_at(*, school: School, starts_at: dt.datetime, ends_at: dt.datetime) -> set[int]:
    """Teachers of the school whose timetable puts them in a class overlapping the time (one query)."""
    local_start, local_end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    day = local_start.date()
    return set(
        TimetableEntry.objects.filter(
            semester__school=school, semester__start_date__lte=day, semester__end_date__gte=day,
            weekday=day.isoweekday(), period__start__lt=local_end.time(), period__end__gt=local_start.time(),
        ).values_list("teacher_id", flat=True)
    )


def teacher_teaching_during(
    *, school: School, teacher_id: int, windows: Sequence[tuple[Hashable, dt.datetime, dt.datetime]]
) -> set[Hashable]:
    """Which of the windows (key, starts_at, ends_at) the teacher's timetable puts them in a class,
    by the rule of teachers_teaching_at (semester of that day, weekday, bell times overlapping).

    One query whatever the number of windows: the teacher's rows of the semesters the windows touch.
    """
    if not windows:
        return set()
    days = [timezone.localtime(start).date() for _key, start, _end in windows]
    rows = list(
        TimetableEntry.objects.filter(
            teacher_id=teacher_id, semester__school=school,
            semester__start_date__lte=max(days), semester__end_date__gte=min(days),
        ).values_list("semester__start_date", "semester__end_date", "weekday", "period__start", "period__end")
    )
    busy: set[Hashable] = set()
    for key, starts_at, ends_at in windows:
        local_start, local_end = timezone.localtime(starts_at), timezone.localtime(ends_at)
        day = local_start.date()
        if any(
            first <= day <= last and weekday == day.isoweekday()
            and p_start < local_end.time() and p_end > local_start.time()
            for first, last, weekday, p_start, p_end in rows
        ):
            busy.add(key)
    return busy



@dataclass(frozen=True)
class TeachingSlot:
    """A teacher in class on a date, by the rule of teachers_teaching_at (the timetable of the semester
    containing the date, its weekday, the bell times), whether or not the calendar holds classes that day."""

    teacher_id: int
    date: dt.date
    period_number: int
    starts_at: dt.datetime
    ends_at: dt.datetime


def school_teaching_slots(*, school: School, start: dt.date, end: dt.date) -> list[TeachingSlot]:
    """Every timetable period of every teacher of the school on each date of [start, end] (one query).

    The rule of teachers_teaching_at and teacher_teaching_during, so a proposal built on it agrees with
    the assignment services' conflict check.
    """
    if end < start:
        return []
    rows = list(
        TimetableEntry.objects.filter(
            semester__school=school, semester__start_date__lte=end, semester__end_date__gte=start
        ).values_list(
            "teacher_id", "semester__start_date", "semester__end_date", "weekday", "period__number",
            "period__start", "period__end",
        )
    )
    by_weekday: dict[int, list[tuple[int, dt.date, dt.date, int, int, dt.time, dt.time]]] = {}
    for row in rows:
        by_weekday.setdefault(row[3], []).append(row)
    out: list[TeachingSlot] = []
    day = start
    while day <= end:
        for teacher_id, first, last, _weekday, number, p_start, p_end in by_weekday.get(day.isoweekday(), ()):
            if first <= day <= last:
                out.append(TeachingSlot(teacher_id, day, number, _aware(day, p_start), _aware(day, p_end)))
        day += dt.timedelta(days=1)
    return out

def subjects_by_teacher(*, school: School, semester: Semester | None) -> dict[int, set[str]]:
    """What each teacher teaches this semester (one query)."""
    out: dict[int, set[str]] = {}
    if semester is None:
        return out
    rows = TimetableEntry.objects.filter(semester=semester).values_list("teacher_id", "subject").distinct()
    for teacher_id, subject in rows:
        out.setdefault(teacher_id, set()).add(subject)
    return out


# --- Weekly grids ---------------------------------------------------------------------


@dataclass
class GridRow:
    period: BellPeriod
    cells: list[list[TimetableEntry]]


@dataclass
class WeekGrid:
    weekdays: list[tuple[int, str]]
    rows: list[GridRow]
    count: int


def _grid(entries: list[TimetableEntry], periods: list[BellPeriod]) -> WeekGrid:
    days = 6 if any(e.weekday == 6 for e in entries) else 5
    divisions = {e.period.division for e in entries}
    shown = [p for p in periods if p.division in divisions] if divisions else periods
    index = {p.pk: GridRow(p, [[] for _ in range(days)]) for p in shown}
    for e in entries:
        if e.period_id in index and e.weekday <= days:
            index[e.period_id].cells[e.weekday - 1].append(e)
    rows = sorted(index.values(), key=lambda r: (r.period.start, r.period.division))
    return WeekGrid(weekdays=[(n, WEEKDAY_NAMES[n - 1]) for n in range(1, days + 1)], rows=rows, count=len(entries))


def _bell(school_id: int) -> list[BellPeriod]:
    return list(BellPeriod.objects.filter(school_id=school_id).order_by("start", "division"))


def timetable_for_teacher(*, teacher: StaffMember, semester: Semester) -> WeekGrid:
    """Queries: the teacher's rows with periods (1), the school's bell schedule (1)."""
    entries = list(TimetableEntry.objects.filter(semester=semester, teacher=teacher).select_related("period"))
    return _grid(entries, _bell(semester.school_id))


def timetable_for_class(*, semester: Semester, class_name: str) -> WeekGrid:
    """Queries: the class's rows with periods and teachers (1), the school's bell schedule (1)."""
    entries = list(
        TimetableEntry.objects.filter(semester=semester, class_name=class_name).select_related("period", "teacher")
    )
    return _grid(entries, _bell(semester.school_id))


def timetable_classes(*, semester: Semester) -> list[str]:
    names = TimetableEntry.objects.filter(semester=semester).values_list("class_name", flat=True).distinct()
    return sorted(names, key=_class_sort_key)


def timetable_teachers(*, semester: Semester) -> QuerySet[StaffMember]:
    teachers = TimetableEntry.objects.filter(semester=semester).values_list("teacher_id", flat=True)
    return people_by_ids(teachers).order_by("name")


_GRADES = {"一": 1, "二": 2, "三": 3}


def _class_sort_key(name: str) -> tuple[int, int, int, str]:
    # 國一 < 國三 < 高一 < 高三, then by class number.
    division = 0 if name.startswith("國") else 1
    grade = _GRADES.get(name[1:2], 9)
    digits = "".join(ch for ch in name if ch.isascii() and ch.isdigit())
    return (division, grade, int(digits) if digits else 0, name)


def bell_schedule(*, school: School) -> dict[str, list[BellPeriod]]:
    out: dict[str, list[BellPeriod]] = {}
    for p in BellPeriod.objects.filter(school=school).order_by("division", "start"):
        out.setdefault(str(Division(p.division).label), []).append(p)
    return out


def timetable_entries(
    *, semester: Semester, teacher: str = "", class_name: str = ""
) -> QuerySet[TimetableEntry]:
    """A semester's timetable rows (optionally a teacher's — ``teacher`` as people type it: part of the name,
    the employee number, the account or the id — or one class's), with teacher and period, by weekday and
    time (1 query)."""
    entries = TimetableEntry.objects.filter(semester=semester)
    if teacher.strip():
        entries = entries.filter(person_search_q(teacher, "teacher__"))
    if class_name:
        entries = entries.filter(class_name=class_name)
    return entries.select_related("teacher", "period").order_by("weekday", "period__start", "class_name", "pk")
