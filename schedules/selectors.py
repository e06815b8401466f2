"""Reads for the schedules pages and API."""

import calendar as pycalendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from schedules.calendar import CalendarDay, DutyDay, school_calendar_and_duty_days
from schedules.models import (
    CategorySchedule,
    OfficeCalendarYear,
    PersonalSchedule,
    SchoolDay,
    Semester,
    TyphoonDay,
    WorkSchedule,
)
from schedules.models.semesters import school_year_bounds, school_year_of
from staff.models import School, StaffMember
from staff.selectors import people_of_schools
from staff.twdate import format_roc_month


@dataclass(frozen=True)
class MonthCell:
    day: CalendarDay
    duty: DutyDay | None  # the viewer's own day, when the viewer works at this school
    is_today: bool


@dataclass(frozen=True)
class MonthCalendar:
    school: School
    first: dt.date
    title: str  # 「民國 115 年 11 月」
    weeks: list[list[MonthCell | None]]  # Sunday first, None outside the month
    previous: dt.date
    next: dt.date


def month_calendar(*, school: School, year: int, month: int, viewer: StaffMember | None) -> MonthCalendar:
    """The school's month, with the viewer's own window each day (5 queries; 3 when the viewer works elsewhere)."""
    first = dt.date(year, month, 1)
    last = dt.date(year, month, pycalendar.monthrange(year, month)[1])
    days, mine = school_calendar_and_duty_days(school, first, last, [viewer] if viewer is not None else [])
    today = timezone.localdate()
    cells: list[MonthCell | None] = [None] * ((first.weekday() + 1) % 7)  # blanks before the 1st (Sunday first)
    cells += [
        MonthCell(day=d, duty=mine.get((viewer.pk, d.day)) if viewer is not None else None, is_today=d.day == today)
        for d in days
    ]
    cells += [None] * (-len(cells) % 7)
    return MonthCalendar(
        school=school,
        first=first,
        title=format_roc_month(year, month),
        weeks=[cells[i:i + 7] for i in range(0, len(cells), 7)],
        previous=(first - dt.timedelta(days=1)).replace(day=1),
        next=last + dt.timedelta(days=1),
    )


def school_day_list(*, school: School, school_year: int) -> QuerySet[SchoolDay]:
    first, last = school_year_bounds(school_year)
    return SchoolDay.objects.filter(school=school, date__range=(first, last)).order_by("date")


def semester_list(*, school: School) -> QuerySet[Semester]:
    return Semester.objects.filter(school=school).order_by("-start_date")


def typhoon_day_list(*, school: School | None, since: dt.date) -> QuerySet[TyphoonDay]:
    """Disaster stops from ``since`` that reach ``school`` (its own, its district's and the city's), or all."""
    qs = TyphoonDay.objects.filter(date__gte=since).select_related("school", "declared_by").prefetch_related(
        "districts"
    )
    if school is not None:
        reach = TyphoonDay.objects.filter(
            Q(scope=TyphoonDay.Scope.CITY) | Q(school=school) | Q(districts__schools=school)
        )
        qs = qs.filter(pk__in=reach.values("pk"))
    return qs.order_by("-date", "school__code")


def office_calendar_years() -> QuerySet[OfficeCalendarYear]:
    return OfficeCalendarYear.objects.select_related("imported_by").order_by("-year")


def current_school_year() -> int:
    return school_year_of(timezone.localdate())


@dataclass(frozen=True)
class ScheduleOverview:
    schedules: list[WorkSchedule]
    assignments: list[CategorySchedule]  # in effect today or later, by category
    personal: list[PersonalSchedule]  # in effect today or later


def schedule_overview(*, school: School) -> ScheduleOverview:
    today = timezone.localdate()
    rows = list(
        CategorySchedule.objects.filter(school=school).select_related("schedule").order_by("category", "effective_from")
    )
    current: list[CategorySchedule] = []
    for category in dict.fromkeys(r.category for r in rows):
        mine = [r for r in rows if r.category == category]
        started = [r for r in mine if r.effective_from <= today]
        current += started[-1:] + [r for r in mine if r.effective_from > today]
    personal = list(
        PersonalSchedule.objects.filter(staff__school=school)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("staff", "schedule")
        .order_by("staff__employee_no", "start_date")
    )
    return ScheduleOverview(
        schedules=list(WorkSchedule.objects.filter(school=school).order_by("name")),
        assignments=current,
        personal=personal,
    )


def people_reached(*, scope: str, school: School | None = None, districts: Iterable[str] = ()) -> int:
    """How many active people a disaster stop of that scope reaches (the confirmation page's first figure)."""
    qs = people_of_schools(school_ids=None)
    if scope == TyphoonDay.Scope.SCHOOL:
        qs = qs.filter(school=school)
    elif scope == TyphoonDay.Scope.DISTRICTS:
        qs = qs.filter(school__district__in=list(districts))
    return qs.count()
