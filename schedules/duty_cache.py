"""One person's duty days from the cache: ``duty_days`` without its five queries when the days are known.

The calendar's answer (``schedules.calendar.duty_days``, five queries) is the same for everyone of one school
and category on one day, except people with a personal schedule that day and people not yet hired. So the
cache keeps, per (school, category, date, language — labels are translated): the category's ``DutyDay``, and
the ids of the people whose personal schedule covers the day or who were granted a stop of their own
(停班登記) that day. Those people, and anyone hired after the first day, are asked of the calendar directly.
The clock page's window (attendance.selectors.duty_window) and the leave form read it. The school's own calendar
days (``cached_calendar_days``, what ``timetables_selectors.taught_periods`` asks: which days hold which classes)
are kept beside them, per (school, date, language), under the same generations.

Invalidation: ``schedules.events.calendar_changed`` — sent by every change of what the calendar answers
(school days, typhoon days and stops, the office calendar, work, category and personal schedules, semesters) —
moves a generation number that is part of every key, for the schools it names (or all), as ``common.changed_here``
describes: inside the changing transaction and again after its commit, the changing transaction reading the
calendar and storing nothing; entries expire after a day (a minute without the shared cache of production).
"""

import datetime as dt
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db.models import Q
from django.utils import translation

from common.changed_here import ChangedHere, cache_timeout
from schedules.calendar import CalendarDay, DutyDay, _duty_days, _school_calendars, calendar_days, duty_days
from schedules.models import PersonalSchedule
from staff.models import StaffMember

_ALL = "schedules:duty:gen"


def _school_gen_key(school_id: int) -> str:
    return f"schedules:duty:gen:{school_id}"


def _generations(school_id: int) -> str:
    gens = cache.get_many([_ALL, _school_gen_key(school_id)])
    return f"{gens.get(_ALL, 0)}:{gens.get(_school_gen_key(school_id), 0)}"


def _prefix(school_id: int, category: str) -> str:
    return f"schedules:duty:{_generations(school_id)}:{school_id}:{category}:{translation.get_language()}"


def _compute(
    school_id: int, category: str, first: dt.date, last: dt.date
) -> dict[dt.date, tuple[DutyDay, frozenset[int]]]:
    # A stand-in of the category, hired long ago, without a personal schedule or a granted stop of their own
    # (pk 0 matches none); the people who have one on a day are listed with the day and asked of the calendar.
    probe = StaffMember(pk=0, school_id=school_id, category=category, hire_date=dt.date.min)
    claims: dict[tuple[int, dt.date], list[Any]] = {}
    duty = _duty_days([probe], _school_calendars({school_id}, first, last, claims), first, last, claims)
    personal = list(
        PersonalSchedule.objects.filter(
            staff__school_id=school_id, staff__category=category, start_date__lte=last
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .values_list("staff_id", "start_date", "end_date")
    )
    out = {}
    for n in range((last - first).days + 1):
        day = first + dt.timedelta(days=n)
        covered = frozenset(
            staff_id for staff_id, start, end in personal if start <= day and (end is None or end >= day)
        ) | {staff_id for staff_id, claimed in claims if claimed == day}
        out[day] = (duty[(0, day)], covered)
    return out


# The schools whose calendar the current transaction changed: their days are read from the calendar and not stored.
_changed_here = ChangedHere()


def _month_end(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def cached_duty_days(staff: StaffMember, first: dt.date, last: dt.date) -> dict[tuple[int, dt.date], DutyDay]:
    """``duty_days([staff], first, last)``: no query when every day's (school, category) entry is cached and the
    person has no personal schedule on them; else as ``duty_days`` (the missing days are stored for the next)."""
    if first > last:
        return {}
    if staff.hire_date is None or staff.hire_date > first or _changed_here.bypassed(staff.school_id):
        return duty_days([staff], first, last)
    entries = _by_day(
        _prefix(staff.school_id, staff.category), first, last,
        lambda start, end: _compute(staff.school_id, staff.category, start, end),
    )
    if any(staff.pk in entry[1] for entry in entries.values()):
        return duty_days([staff], first, last)  # their own schedule on one of the days
    return {(staff.pk, day): entry[0] for day, entry in entries.items()}


def cached_calendar_days(school_id: int, first: dt.date, last: dt.date) -> dict[dt.date, CalendarDay]:
    """``calendar_days(school_id, first, last)`` by day: no query when every day is cached; else the calendar's
    three, for the whole month(s) around the missing days (stored for the next)."""
    if first > last:
        return {}
    if _changed_here.bypassed(school_id):
        return {c.day: c for c in calendar_days(school_id, first, last)}
    return _by_day(
        f"schedules:calendar:{_generations(school_id)}:{school_id}:{translation.get_language()}", first, last,
        lambda start, end: {c.day: c for c in calendar_days(school_id, start, end)},
    )


def _by_day(
    prefix: str, first: dt.date, last: dt.date, compute: Callable[[dt.date, dt.date], dict[dt.date, Any]]
) -> dict[dt.date, Any]:
    """Each day's entry from ``first`` to ``last`` (in order), cached under ``prefix``. A miss computes and stores
    the whole month(s) around the missing days: the calendar's reads cost the same for a month as for a day, and
    the month's other days are asked next (the leave form's other dates, tomorrow's clock page)."""
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    keys = {day: f"{prefix}:{day.isoformat()}" for day in days}
    found: dict[str, Any] = cache.get_many(list(keys.values()))
    missing = [day for day in days if keys[day] not in found]
    computed: dict[dt.date, Any] = {}
    if missing:
        computed = compute(min(missing).replace(day=1), _month_end(max(missing)))
        cache.set_many({f"{prefix}:{day.isoformat()}": entry for day, entry in computed.items()}, cache_timeout())
    return {day: found[keys[day]] if keys[day] in found else computed[day] for day in days}


def forget(school_ids: Iterable[int] | None) -> None:
    """Drop the cached duty days of these schools (None: of every school)."""
    stamp = time.time_ns()
    if school_ids is None:
        cache.set(_ALL, stamp, None)
    else:
        cache.set_many({_school_gen_key(school_id): stamp for school_id in school_ids}, None)


def on_calendar_changed(sender: Any, school_ids: Iterable[int] | None = None, **kwargs: Any) -> None:
    """The ``calendar_changed`` receiver (connected in SchedulesConfig.ready): now and again after the commit."""
    named = None if school_ids is None else list(school_ids)
    _changed_here.changed(named, lambda: forget(named))


def settled() -> None:
    """The calendar changes made so far count as committed (a test whose data is never committed)."""
    _changed_here.settled()
