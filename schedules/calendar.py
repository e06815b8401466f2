"""The one question the whole product asks: is this a working day for this person, and from when to when?

Attendance (daily results), leave (how long a request is) and substitutes (which days have
classes) all ask here, so a holiday, a make-up Saturday or a typhoon day is decided once.

CONTRACT (other apps rely on it; keep the names and shapes):
    duty_day(staff, day) -> DutyDay
    duty_days(staff_members, start, end) -> dict[(staff_id, date), DutyDay]   # set-based, bounded queries
    is_school_day(school, day) -> bool      # classes are held (not a holiday, typhoon day or vacation)
    calendar_days(school, start, end) -> list[CalendarDay]   # the school's calendar, no person

How a day is decided, for a school (CalendarDay), top rule first:
1. a disaster stop (停班停課) for the school, its district or the whole city: stopped work
   (停止上班) for the whole day → no duty for anyone; for part of the day → the stopped hours
   are taken out of everyone's window; stopped classes (停止上課) → no classes in those hours
   (the day or the periods are not school days), while work goes on unless work stopped too;
2. the school's own day off (校慶補假) → no duty; the school's make-up day (補上班上課) → working;
3. the government office calendar: an imported year (OfficeCalendarDay) is authoritative for
   that year; otherwise the ``holidays`` package (national holidays, make-up working Saturdays);
4. Monday–Friday work, Saturday and Sunday do not.
Semesters decide class days (school_day) and winter/summer vacation.

Then for a person (DutyDay), on a working day:
- before their hire date → no duty;
- their schedule: a PersonalSchedule covering the day, else their category's CategorySchedule
  in effect that day, else the school's rule from schedules.defaults; a schedule without duty
  (代課教師) → no duty;
- in vacation, teachers without an administrative post have no duty, except on the school's
  return-to-school and training days; 行政教師 and 職員 work;
- a part-time weekday pattern; make-up weekend days count only for full-week schedules;
- the window: the schedule's start (or its earlier school-day arrival, 國中部導師 07:30, on class
  days) to its end, with its grace minutes and breaks.
"""

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import holidays
from django.db.models import BooleanField, CharField, Model, Q, QuerySet, TimeField, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from schedules.defaults import DEFAULT_BY_CATEGORY, FULL_WEEK, LUNCH, ScheduleRule
from schedules.models import (
    CategorySchedule,
    DisasterStopClaim,
    OfficeCalendarDay,
    PersonalSchedule,
    SchoolDay,
    Semester,
    TyphoonDay,
)
from schedules.models.semesters import school_year_of
from staff.models import School, StaffMember

TYPHOON_KIND = "typhoon"  # the kind a typhoon day takes among the school's own entries
CLAIM_KIND = "claim"  # a person's granted 停班登記 (its label column carries the person's id)

# Kept from the first version for its callers: each category's default (arrival, end) on a class day.
# The answer for a person and a day is duty_day(); this ignores the school's own schedules.
DEFAULT_WINDOWS = {
    category: (rule.school_day_arrival or rule.start, rule.end)
    for category, rule in DEFAULT_BY_CATEGORY.items()
    if rule.has_duty
}


class Reason:
    """Why a day is (not) a working day: DutyDay.reason and CalendarDay.reason."""

    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    MAKEUP_WORKDAY = "makeup_workday"
    TYPHOON = "typhoon"
    VACATION = "vacation"
    SCHOOL_DAY_OFF = "school_day_off"
    NO_DUTY = "no_duty"

    ALL = (WORKDAY, WEEKEND, HOLIDAY, MAKEUP_WORKDAY, TYPHOON, VACATION, SCHOOL_DAY_OFF, NO_DUTY)


Break = tuple[dt.time, dt.time]


@dataclass(frozen=True)
class DutyDay:
    """One person's day: whether they are on duty and from when to when."""

    day: dt.date
    has_duty: bool
    reason: str  # one of Reason.ALL
    label: str = ""  # what people read: 「國慶日」, 「颱風停班停課」, 「寒假」, 「上班日」
    start: dt.time | None = None  # required arrival (國中部導師: 07:30 on class days)
    end: dt.time | None = None  # earliest leaving
    breaks: tuple[Break, ...] = field(default=(LUNCH,))
    grace_minutes: int = 0  # arriving up to start + grace is on time
    scheduled_start: dt.time | None = None  # the schedule's own start; earlier arrival is not counted as hours
    arrival_note: str = ""  # why start is earlier than scheduled_start (「早自習」)
    school_day: bool = False  # classes are held at the person's school that day
    schedule_name: str = ""  # the WorkSchedule that applied
    # When a disaster stop took part of the day out (上午/下午停班): the parts stopped, and the schedule's
    # own (start, end) before it did. Leave counts the halves of the usual day (docs/leave.md).
    work_off: tuple[Break, ...] = ()
    usual_window: Break | None = None

    def start_at(self) -> dt.datetime | None:
        return _aware(self.day, self.start) if self.start else None

    def end_at(self) -> dt.datetime | None:
        return _aware(self.day, self.end) if self.end else None

    @property
    def working_hours(self) -> float:
        """Hours of the working day (the window from the schedule's start, less breaks); 0 without duty."""
        begin = self.scheduled_start or self.start
        if not self.has_duty or begin is None or self.end is None:
            return 0.0
        total = _minutes(begin, self.end)
        for b_start, b_end in self.breaks:
            overlap = _minutes(max(begin, b_start), min(self.end, b_end))
            total -= max(overlap, 0)
        return total / 60

    @property
    def window_text(self) -> str:
        if not self.has_duty or self.start is None or self.end is None:
            return ""
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True)
class CalendarDay:
    """One day of a school's calendar, before asking about any person."""

    day: dt.date
    working: bool  # a working day for those who work in vacation (行政教師、職員)
    reason: str  # workday, makeup_workday, weekend, holiday, typhoon, school_day_off
    label: str
    school_day: bool  # classes are held (working, not in vacation)
    vacation: str = ""  # 「寒假」/「暑假」 when the day falls in one, else ""
    teacher_duty: bool = False  # a return-to-school or training day: teachers work even in vacation
    entry_kind: str = ""  # SchoolDay.Kind of the school's own entry that day, if any
    work_off: tuple[Break, ...] = ()  # part of the day when work stops (上午/下午停班)
    classes_off: tuple[Break, ...] = ()  # part of the day when classes stop (上午/下午停課)
    teachers_working: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "teachers_working", self.working and (not self.vacation or self.teacher_duty))

    def classes_held(self, start: dt.time, end: dt.time) -> bool:
        """Whether a class from ``start`` to ``end`` takes place: a school day, and no stop overlaps it."""
        return self.school_day and not any(a < end and b > start for a, b in self.classes_off)


def _minutes(a: dt.time, b: dt.time) -> int:
    return (b.hour * 60 + b.minute) - (a.hour * 60 + a.minute)


def _aware(day: dt.date, t: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, t), timezone.get_default_timezone())


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(n) for n in range((end - start).days + 1)]


# --- the office calendar -----------------------------------------------------------------------


@lru_cache(maxsize=64)
def _national_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("TW", years=year, language="zh_TW")


@lru_cache(maxsize=1)
def _holiday_names_en() -> dict[str, str]:
    """The package's Chinese holiday names with its English ones (the same day in both languages)."""
    names: dict[str, str] = {}
    years = range(2015, dt.date.today().year + 3)  # noqa: DTZ011 - only which years to read names from
    zh = holidays.country_holidays("TW", years=years, language="zh_TW")
    en = holidays.country_holidays("TW", years=years, language="en_US")
    for day, name in zh.items():
        for zh_part, en_part in zip(name.split("; "), en.get(day, "").split("; "), strict=False):
            names.setdefault(zh_part, en_part)
    return names


def day_label_text(label: str) -> str:
    """A day's label (「國慶日」, 「寒假・期中考」) in the active language.

    Each part is worded again: a national holiday by the holidays package's English name, a word of
    ours (例假日, 補行上班, 寒假 ...) through the catalogue; a school's own label stays as written.
    """
    if not label:
        return ""
    parts = label.split("・")
    if not (get_language() or "").startswith("en"):
        return label
    english = _holiday_names_en()
    return " · ".join(english.get(part) or _(part) for part in parts)


def _package_office_day(day: dt.date) -> tuple[bool, str, str]:
    """(working, reason, label) from the holidays package: holidays, 補假 and make-up Saturdays."""
    tw = _national_holidays(day.year)
    weekend = day.weekday() >= 5
    if tw.is_working_day(day):
        return (True, Reason.MAKEUP_WORKDAY, _("補行上班")) if weekend else (True, Reason.WORKDAY, "")
    name = tw.get(day)
    if name:
        return False, Reason.HOLIDAY, name
    return False, Reason.WEEKEND, _("例假日")


def _imported_office_day(day: dt.date, is_day_off: bool, note: str) -> tuple[bool, str, str]:
    """(working, reason, label) from an imported office calendar row."""
    weekend = day.weekday() >= 5
    if not is_day_off:
        if weekend:
            return True, Reason.MAKEUP_WORKDAY, note or _("補行上班")
        return True, Reason.WORKDAY, note
    if note:
        return False, Reason.HOLIDAY, note
    if weekend:
        return False, Reason.WEEKEND, _("例假日")
    return False, Reason.HOLIDAY, _("放假")  # a bridge day off published without a name


def office_day(day: dt.date) -> tuple[bool, str, str]:
    """(working, reason, label) of the government office calendar alone (1 query)."""
    row = OfficeCalendarDay.objects.filter(date=day).values_list("is_day_off", "note").first()
    return _imported_office_day(day, *row) if row else _package_office_day(day)


# --- semesters and vacation ----------------------------------------------------------------------

Terms = dict[tuple[int, int], tuple[dt.date, dt.date]]


def _semester_state(terms: Terms, day: dt.date) -> tuple[bool | None, str]:
    """(in a semester?, vacation name). None when the school has not entered the semesters that decide it."""
    year = school_year_of(day)
    first, second = terms.get((year, 1)), terms.get((year, 2))
    for term in (first, second):
        if term and term[0] <= day <= term[1]:
            return True, ""
    if first and day < first[0]:
        return False, _("暑假")
    if first and second and first[1] < day < second[0]:
        return False, _("寒假")
    if second and day > second[1]:
        return False, _("暑假")
    return None, ""


# --- the school's calendar --------------------------------------------------------------------


def _school_calendars(
    school_ids: set[int], start: dt.date, end: dt.date, claims: dict[tuple[int, dt.date], list["Stop"]] | None = None
) -> dict[int, dict[dt.date, CalendarDay]]:
    """Every school's days in [start, end], in three queries whatever the number of schools and days:
    imported office days; the schools' own days, disaster stops and (with ``claims``, which it fills
    by person and day) their people's granted 停班登記 (one UNION); the semesters."""
    days = _days(start, end)
    imported = {
        d: (off, note)
        for d, off, note in OfficeCalendarDay.objects.filter(date__range=(start, end)).values_list(
            "date", "is_day_off", "note"
        )
    }
    office = {d: _imported_office_day(d, *imported[d]) if d in imported else _package_office_day(d) for d in days}

    no_time = Value(None, output_field=TimeField())
    yes = Value(True, output_field=BooleanField())
    own = (
        SchoolDay.objects.filter(school_id__in=school_ids, date__range=(start, end))
        .annotate(t1=no_time, t2=no_time, work=yes, classes=yes)
        .order_by()
        .values_list("school_id", "date", "kind", "label", "t1", "t2", "work", "classes")
    )
    stop_columns = ("date", "entry_kind", "label", "start_time", "end_time", "stops_work", "stops_classes")
    stops = TyphoonDay.objects.filter(date__range=(start, end)).annotate(
        entry_kind=Value(TYPHOON_KIND, output_field=CharField())
    ).order_by()
    Scope = TyphoonDay.Scope
    # A district's stop reaches its schools through the join: one row per (school, stop).
    stop_rows: tuple[QuerySet[Model, tuple[Any, ...]], ...] = (
        stops.filter(scope=Scope.SCHOOL, school_id__in=school_ids).values_list("school_id", *stop_columns),
        stops.filter(scope=Scope.CITY).values_list("school_id", *stop_columns),
        stops.filter(scope=Scope.DISTRICTS, districts__schools__in=school_ids).values_list(
            "districts__schools", *stop_columns
        ),
    )
    if claims is not None:
        stop_rows += (
            DisasterStopClaim.objects.filter(
                staff__school_id__in=school_ids, date__range=(start, end), status=DisasterStopClaim.Status.GRANTED
            )
            .annotate(entry_kind=Value(CLAIM_KIND, output_field=CharField()),
                      who=Cast("staff_id", output_field=CharField()), work=yes, classes=Value(False))
            .order_by()
            .values_list("staff__school_id", "date", "entry_kind", "who", "start_time", "end_time", "work", "classes"),
        )
    entries: dict[tuple[int | None, dt.date], dict[str, str]] = defaultdict(dict)
    stops_by_day: dict[tuple[int | None, dt.date], list[Stop]] = defaultdict(list)
    for school_id, d, kind, label, t1, t2, work, classes in own.union(*stop_rows, all=True):
        if kind == CLAIM_KIND and claims is not None:
            claims.setdefault((int(label), d), []).append(Stop(str(_("停班登記")), t1, t2, True, False))
        elif kind == TYPHOON_KIND:
            stops_by_day[(school_id, d)].append(Stop(label, t1, t2, work, classes))
        else:
            entries[(school_id, d)].setdefault(kind, label)

    terms: dict[int, Terms] = defaultdict(dict)
    years = range(school_year_of(start), school_year_of(end) + 1)
    for school_id, year, term, first, last in Semester.objects.filter(
        school_id__in=school_ids, school_year__in=years
    ).values_list("school_id", "school_year", "term", "start_date", "end_date"):
        terms[school_id][(year, term)] = (first, last)

    return {
        school_id: {
            d: _calendar_day(
                d, office[d], entries.get((school_id, d), {}),
                stops_by_day.get((school_id, d), []) + stops_by_day.get((None, d), []), terms[school_id],
            )
            for d in days
        }
        for school_id in school_ids
    }



@dataclass(frozen=True)
class Stop:
    """One disaster stop in force on a day (a TyphoonDay as the calendar reads it)."""

    label: str
    start: dt.time | None  # None: from the start of the day
    end: dt.time | None  # None: to the end of the day
    work: bool
    classes: bool

    @property
    def whole_day(self) -> bool:
        return self.start is None and self.end is None

    @property
    def window(self) -> Break:
        return (self.start or dt.time.min, self.end or dt.time.max)


def _calendar_day(
    day: dt.date, office: tuple[bool, str, str], own: dict[str, str], stops: list[Stop], terms: Terms
) -> CalendarDay:
    Kind = SchoolDay.Kind
    own_kind = next(iter(own), "")
    work_stop = next((s for s in stops if s.work and s.whole_day), None)
    if work_stop is not None:
        working, reason, label = False, Reason.TYPHOON, work_stop.label
    elif own_kind == Kind.DAY_OFF:
        working, reason, label = False, Reason.SCHOOL_DAY_OFF, own[own_kind]
    elif own_kind == Kind.MAKEUP_DAY:
        working, reason, label = True, Reason.MAKEUP_WORKDAY, own[own_kind]
    else:
        working, reason, label = office
    in_semester, vacation = _semester_state(terms, day)
    parts = [label]
    work_off: tuple[Break, ...] = ()
    classes_off: tuple[Break, ...] = ()
    classes_stopped_all_day = False
    if working:
        parts.append(vacation)
        if own_kind in (Kind.EXAM, Kind.RETURN_DAY, Kind.TRAINING):
            parts.append(own[own_kind])
        for stop in stops:
            part = "" if stop.whole_day else f"（{_stop_part(stop)}）"
            parts.append(f"{stop.label}{part}")
            if stop.work:
                work_off += (stop.window,)
            if stop.classes:
                classes_off += (stop.window,)
                classes_stopped_all_day |= stop.whole_day
    label = "・".join(p for p in dict.fromkeys(parts) if p) or (_("上班日") if working else "")
    return CalendarDay(
        day=day,
        working=working,
        reason=reason,
        label=label,
        school_day=working and in_semester is not False and not classes_stopped_all_day,
        vacation=vacation,
        teacher_duty=own_kind in (Kind.RETURN_DAY, Kind.TRAINING),
        entry_kind=own_kind,
        work_off=work_off,
        classes_off=classes_off,
    )


def _stop_part(stop: Stop) -> str:
    if stop.end is None:
        return _("%(time)s 起") % {"time": f"{stop.start:%H:%M}"}
    if stop.start is None:
        return _("至 %(time)s") % {"time": f"{stop.end:%H:%M}"}
    return f"{stop.start:%H:%M}–{stop.end:%H:%M}"


def calendar_days(school: School | int, start: dt.date, end: dt.date) -> list[CalendarDay]:
    """The school's calendar for [start, end] (3 queries)."""
    school_id = school if isinstance(school, int) else school.pk
    if start > end:
        return []
    return list(_school_calendars({school_id}, start, end)[school_id].values())


def is_school_day(school: School | int, day: dt.date) -> bool:
    return calendar_days(school, day, day)[0].school_day


# --- people --------------------------------------------------------------------------------------


def duty_day(staff: StaffMember, day: dt.date) -> DutyDay:
    return duty_days([staff], day, day)[(staff.pk, day)]


def duty_days(
    staff_members: Iterable[StaffMember], start: dt.date, end: dt.date
) -> dict[tuple[int, dt.date], DutyDay]:
    """Every person's every day in [start, end].

    Queries, whatever the number of people and days (plus one if ``staff_members`` is an
    unevaluated queryset): imported office days; school days ∪ typhoon days; semesters;
    personal schedules; category schedules — five.
    """
    staff_list = list(staff_members)
    if not staff_list or start > end:
        return {}
    claims: dict[tuple[int, dt.date], list[Stop]] = {}
    calendars = _school_calendars({s.school_id for s in staff_list}, start, end, claims)
    return _duty_days(staff_list, calendars, start, end, claims)


def school_calendar_and_duty_days(
    school: School, start: dt.date, end: dt.date, staff_members: Iterable[StaffMember]
) -> tuple[list[CalendarDay], dict[tuple[int, dt.date], DutyDay]]:
    """calendar_days and duty_days together for people of one school, sharing the calendar's queries (5)."""
    staff_list = [s for s in staff_members if s.school_id == school.pk]
    if start > end:
        return [], {}
    claims: dict[tuple[int, dt.date], list[Stop]] = {}
    calendars = _school_calendars({school.pk}, start, end, claims)
    duty = _duty_days(staff_list, calendars, start, end, claims) if staff_list else {}
    return list(calendars[school.pk].values()), duty


def _duty_days(
    staff_list: list[StaffMember],
    calendars: dict[int, dict[dt.date, CalendarDay]],
    start: dt.date,
    end: dt.date,
    claims: dict[tuple[int, dt.date], list["Stop"]] | None = None,
) -> dict[tuple[int, dt.date], DutyDay]:
    """The people's days on top of their schools' calendars: personal schedules, category schedules (2 queries)."""
    personal: dict[int, list] = defaultdict(list)
    for override in (
        PersonalSchedule.objects.filter(staff_id__in=[s.pk for s in staff_list], start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .select_related("schedule")
    ):
        personal[override.staff_id].append(override)

    by_category: dict[tuple[int, str], tuple[list[dt.date], list]] = {}
    for row in (
        CategorySchedule.objects.filter(
            school_id__in={s.school_id for s in staff_list}, effective_from__lte=end
        )
        .select_related("schedule")
        .order_by("effective_from")
    ):
        froms, schedules = by_category.setdefault((row.school_id, row.category), ([], []))
        froms.append(row.effective_from)
        schedules.append(row.schedule)

    result: dict[tuple[int, dt.date], DutyDay] = {}
    # A person's day depends on them only through their hire date and vacation duty: the colleagues who share
    # a schedule share their days (DutyDay is frozen), made once. Keyed by identity; the entry keeps the day and
    # the schedule alive, so that no other object takes their id meanwhile.
    made: dict[tuple[int, int, bool, bool], tuple[CalendarDay, Any, DutyDay]] = {}
    for staff in staff_list:
        pk = staff.pk
        own = personal.get(pk, ())
        froms, schedules = by_category.get((staff.school_id, staff.category), ([], []))
        default = DEFAULT_BY_CATEGORY.get(staff.category)
        hire_date, vacation_duty = staff.hire_date, staff.has_vacation_duty
        for d, cal in calendars[staff.school_id].items():
            rule = next((o.schedule for o in own if o.covers(d)), None)
            if rule is None:
                i = bisect.bisect_right(froms, d) - 1
                rule = schedules[i] if i >= 0 else default
            own_stops = claims.get((pk, d)) if claims else None
            if own_stops:
                cal = _with_own_stops(cal, own_stops)
            key = (id(cal), id(rule), d < hire_date, vacation_duty)
            entry = made.get(key)
            if entry is None:
                entry = made[key] = (cal, rule, _person_day(staff, cal, rule))
            result[(pk, d)] = entry[2]
    return result


def _with_own_stops(cal: CalendarDay, stops: list["Stop"]) -> CalendarDay:
    """The school's day as one person lives it with a granted 停班登記: work stops for them alone."""
    if not cal.working:
        return cal
    label = "・".join(p for p in (cal.label, *(s.label for s in stops)) if p)
    if any(s.whole_day for s in stops):
        return replace(cal, working=False, reason=Reason.TYPHOON, label=label)
    return replace(cal, label=label, work_off=cal.work_off + tuple(s.window for s in stops))


def _person_day(staff: StaffMember, cal: CalendarDay, rule: ScheduleRule | None) -> DutyDay:
    d = cal.day
    if not cal.working:
        return DutyDay(d, False, cal.reason, cal.label, school_day=cal.school_day)
    if d < staff.hire_date:
        return DutyDay(d, False, Reason.NO_DUTY, _("未到職"), school_day=cal.school_day)
    # A schedule with duty always has both times (WorkSchedule's check constraint work_schedule_window).
    if rule is None or not rule.has_duty or rule.start is None or rule.end is None:
        return DutyDay(
            d, False, Reason.NO_DUTY, _("無出勤打卡義務"), school_day=cal.school_day,
            schedule_name=rule.name if rule else "",
        )
    if not cal.teachers_working and not staff.has_vacation_duty:
        return DutyDay(d, False, Reason.VACATION, cal.label, school_day=cal.school_day, schedule_name=rule.name)
    # A make-up weekend day is worked by full-week schedules only (a part-timer keeps their own days).
    weekend = d.weekday() >= 5
    scheduled = set(rule.weekdays) == set(FULL_WEEK) if weekend else str(d.isoweekday()) in rule.weekdays
    if not scheduled:
        return DutyDay(d, False, Reason.NO_DUTY, _("非排班日"), school_day=cal.school_day, schedule_name=rule.name)
    start, note = rule.start, ""
    if cal.school_day and rule.school_day_arrival:
        start, note = rule.school_day_arrival, rule.school_day_arrival_note
    end, scheduled_start, breaks = rule.end, rule.start, tuple(rule.breaks)
    for off_start, off_end in cal.work_off:
        # Stopped hours leave the window: a stop at its beginning moves the arrival, one at its end
        # the leaving time, one inside it is a break; a stop over all of it leaves no duty.
        if off_start <= start and off_end >= end:
            return DutyDay(d, False, Reason.TYPHOON, cal.label, school_day=cal.school_day, schedule_name=rule.name)
        if off_start <= start:
            start = scheduled_start = max(start, off_end)
            note = ""
        elif off_end >= end:
            end = min(end, off_start)
        else:
            breaks += ((off_start, off_end),)
    return DutyDay(
        day=d,
        has_duty=True,
        reason=cal.reason,
        label=cal.label,
        start=start,
        end=end,
        breaks=breaks,
        grace_minutes=rule.grace_minutes,
        scheduled_start=max(scheduled_start, start) if cal.work_off else scheduled_start,
        arrival_note=note,
        school_day=cal.school_day,
        schedule_name=rule.name,
        work_off=tuple(cal.work_off),
        usual_window=(rule.start, rule.end) if cal.work_off else None,
    )
