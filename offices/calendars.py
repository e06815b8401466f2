"""我的行事曆 and the unit's calendar: a month of days, each with what happens in it (docs/offices.md).

Reads only, through the apps' selectors, in a fixed number of queries whatever the number of people or
entries: leave (``leave.selectors.leave_spans``, the read the overview's week uses too), my cover duties
(``substitutes.selectors.assignments_for``) and the calendar (``schedules.calendar``: the school's days, and
mine, where a teacher's vacation is a day off and an administrator's is not).
"""

import calendar as pycalendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.i18n import local_name
from leave.selectors import LeaveSpan, leave_spans
from schedules.calendar import Reason, calendar_days, day_label_text, school_calendar_and_duty_days
from staff.models import StaffMember, Unit
from staff.selectors import unit_members
from staff.twdate import WEEKDAY_LABELS, format_roc_month, period_name
from substitutes.selectors import assignments_for

# The days a calendar shows as days off (the iCal feed's too): holidays, typhoon days, the school's days
# off and, for the people it applies to, the vacation. A weekend is a weekend, not an entry.
DAYS_OFF = (Reason.HOLIDAY, Reason.TYPHOON, Reason.SCHOOL_DAY_OFF, Reason.VACATION)
LEAVE_STATUSES = ("approved", "pending")


@dataclass(frozen=True)
class Entry:
    """One thing on a day: a leave (mine, or a colleague's in the unit's calendar), a cover duty, a day off."""

    kind: str  # "leave", "cover" or "off"
    text: str  # in the active language: the leave type, the class and subject, the day's name
    url: str
    pending: bool = False  # a leave still in approval
    when: str = ""  # "08:00–12:00" on a day the entry does not fill
    who: str = ""  # the person away (the unit's calendar)


@dataclass
class Day:
    day: dt.date
    today: bool
    weekend: bool
    entries: list[Entry] = field(default_factory=list)

    @property
    def off(self) -> bool:
        return self.weekend or any(e.kind == "off" for e in self.entries)


@dataclass
class Month:
    first: dt.date
    last: dt.date
    title: str  # 「民國 115 年 11 月」 / 「November 2026」
    days: list[Day]
    previous: dt.date
    next: dt.date

    @property
    def weeks(self) -> list[list[Day | None]]:
        """Monday first, None outside the month (the grid's blanks)."""
        cells: list[Day | None] = [None] * self.first.weekday()
        cells += self.days
        cells += [None] * (-len(cells) % 7)
        return [cells[i:i + 7] for i in range(0, len(cells), 7)]

    @property
    def weekdays(self) -> list[str]:
        return [str(label) for label in WEEKDAY_LABELS]

    @property
    def empty(self) -> bool:
        return not any(d.entries for d in self.days)

    @property
    def value(self) -> str:
        return f"{self.first:%Y-%m}"


def month_frame(year: int, month: int, *, today: dt.date | None = None) -> Month:
    today = today or timezone.localdate()
    first = dt.date(year, month, 1)
    last = dt.date(year, month, pycalendar.monthrange(year, month)[1])
    days = [Day(day=d, today=d == today, weekend=d.weekday() >= 5)
            for d in (first + dt.timedelta(days=n) for n in range(last.day))]
    return Month(first=first, last=last, title=format_roc_month(year, month), days=days,
                 previous=(first - dt.timedelta(days=1)).replace(day=1), next=last + dt.timedelta(days=1))


def span_days(span: LeaveSpan, first: dt.date, last: dt.date) -> Iterator[tuple[dt.date, str]]:
    """The days of ``first``..``last`` a leave touches, each with the part of it that day ("08:00–12:00" on
    a one-day leave, "08:00–" on its first day, "–16:00" on its last, "" in between)."""
    start, end = timezone.localtime(span.start), timezone.localtime(span.end - dt.timedelta(microseconds=1))
    end_text = f"{timezone.localtime(span.end):%H:%M}"
    day = max(start.date(), first)
    while day <= min(end.date(), last):
        if start.date() == end.date():
            when = f"{start:%H:%M}–{end_text}"
        elif day == start.date():
            when = f"{start:%H:%M}–"
        elif day == end.date():
            when = f"–{end_text}"
        else:
            when = ""
        yield day, when
        day += dt.timedelta(days=1)


def _leave_entry(span: LeaveSpan, when: str, who: str = "") -> Entry:
    return Entry(kind="leave", text=local_name(span, "leave_type_name"), pending=span.status != "approved",
                 url=reverse("leave:detail", args=[span.leave_request_id]), when=when, who=who)


def _off_entry(label: str, day: dt.date) -> Entry:
    return Entry(kind="off", text=day_label_text(label) if label else _("放假"),
                 url=f"{reverse('schedules:calendar')}?month={day:%Y-%m}")


def _by_day(month: Month) -> dict[dt.date, Day]:
    return {d.day: d for d in month.days}


def personal_month(staff: StaffMember, year: int, month: int, *, today: dt.date | None = None) -> Month:
    """My month: my leave (approved and pending), my cover duties and my days off.

    Queries (7, whatever the number of entries): my leave; my cover duties (with their classes and teachers);
    the calendar and my days (five, shared: imported office days, school and typhoon days, semesters,
    personal and category schedules).
    """
    cal = month_frame(year, month, today=today)
    days = _by_day(cal)
    for span in leave_spans(staff_ids=[staff.pk], start=cal.first, end=cal.last, statuses=LEAVE_STATUSES):
        for day, when in span_days(span, cal.first, cal.last):
            days[day].entries.append(_leave_entry(span, when))
    mine = reverse("substitutes:mine")
    for duty in assignments_for(staff=staff, since=cal.first).filter(date__lte=cal.last):
        starts, ends = timezone.localtime(duty.starts_at), timezone.localtime(duty.ends_at)
        days[duty.date].entries.append(Entry(
            kind="cover", url=f"{mine}#duty-{duty.pk}", when=f"{starts:%H:%M}–{ends:%H:%M}",
            text=_("代課：%(period)s %(class)s %(subject)s") % {
                "period": period_name(duty.need.period_number, duty.need.period_label or ""),
                "class": duty.need.class_name, "subject": duty.need.subject},
            who=duty.need.teacher.name,
        ))
    _school_days, duty_days = school_calendar_and_duty_days(staff.school, cal.first, cal.last, [staff])
    for (_pk, day), duty_day in duty_days.items():
        if not duty_day.has_duty and duty_day.reason in DAYS_OFF:
            days[day].entries.insert(0, _off_entry(duty_day.label, day))
    return cal


def unit_month(unit: Unit, year: int, month: int, *, today: dt.date | None = None) -> Month:
    """Who of the unit is away on which day (approved and pending leave), and the school's days off.

    Queries (5, whatever the number of people and requests): the unit's people; their leave; the school's
    calendar (three: imported office days, school and typhoon days, semesters).
    """
    cal = month_frame(year, month, today=today)
    days = _by_day(cal)
    names = dict(unit_members(unit_id=unit.pk).values_list("pk", "name"))
    spans = leave_spans(staff_ids=names, start=cal.first, end=cal.last, statuses=LEAVE_STATUSES)
    for span in sorted(spans, key=lambda s: (s.start, names[s.staff_id], s.leave_request_id)):
        for day, when in span_days(span, cal.first, cal.last):
            days[day].entries.append(_leave_entry(span, when, who=names[span.staff_id]))
    for school_day in calendar_days(unit.school_id, cal.first, cal.last):
        if not school_day.working and school_day.reason in DAYS_OFF:
            days[school_day.day].entries.insert(0, _off_entry(school_day.label, school_day.day))
    return cal


def away_count(month: Month) -> int:
    """How many people are away at least once in the month (the unit's calendar's heading)."""
    return len({e.who for d in month.days for e in d.entries if e.kind == "leave"})
