"""The day's duty window of one person, from the cache: what the clock page needs right after a punch.

The calendar's answer (schedules.calendar.duty_days, five queries) is the same for everyone of one
school and category on one day, except people with a personal schedule that day and people not yet
hired. So the cache keeps, per (school, category, date, language — labels are translated):
the category's DutyDay, and the ids of the people whose personal schedule covers the day. Those
people, and anyone hired after the day, are asked of the calendar directly.

Invalidation: ``schedules.events.calendar_changed`` (attendance/signals.py) calls ``forget`` with
the schools it names (or all), which moves a generation number that is part of every key — inside
the changing transaction and again after its commit, so a page that read the old calendar in
between cannot keep it cached. Entries also expire after a day (a minute without the shared cache of
production, whose other processes would not see the generation move).
"""

import datetime as dt
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import translation

from schedules.calendar import DutyDay, duty_day, duty_days
from schedules.models import PersonalSchedule
from staff.models import StaffMember


def _timeout() -> int:
    # A day with the shared cache of production (CACHE_URL), where the generation moved by one process is
    # seen by all. Without it each process has its own memory and only the changing one forgets: a minute.
    return 24 * 60 * 60 if settings.CACHE_URL else 60

_ALL = "attendance:windows:gen"


def _school_gen_key(school_id: int) -> str:
    return f"attendance:windows:gen:{school_id}"


def _key(school_id: int, category: str, day: dt.date) -> str:
    gens = cache.get_many([_ALL, _school_gen_key(school_id)])
    return (
        f"attendance:window:{gens.get(_ALL, 0)}:{gens.get(_school_gen_key(school_id), 0)}:"
        f"{school_id}:{category}:{day.isoformat()}:{translation.get_language()}"
    )


def _compute(school_id: int, category: str, day: dt.date) -> tuple[DutyDay, frozenset[int]]:
    # A stand-in of the category, hired long ago and without a personal schedule (pk 0 matches none).
    probe = StaffMember(pk=0, school_id=school_id, category=category, hire_date=dt.date.min)
    duty = duty_days([probe], day, day)[(0, day)]
    personal = frozenset(
        PersonalSchedule.objects.filter(
            staff__school_id=school_id, staff__category=category, start_date__lte=day
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .values_list("staff_id", flat=True)
    )
    return duty, personal


def duty_window(staff: StaffMember, day: dt.date) -> DutyDay:
    """The person's DutyDay for ``day``: no query when the (school, category, day) entry is cached."""
    if staff.hire_date and staff.hire_date > day:
        return duty_day(staff, day)
    key = _key(staff.school_id, staff.category, day)
    entry = cache.get(key)
    if entry is None:
        entry = _compute(staff.school_id, staff.category, day)
        cache.set(key, entry, _timeout())
    duty, personal = entry
    if staff.pk in personal:
        return duty_day(staff, day)
    return duty


def forget(school_ids: Iterable[int] | None) -> None:
    """Drop the cached windows of these schools (None: of every school)."""
    stamp = time.time_ns()
    if school_ids is None:
        cache.set(_ALL, stamp, None)
    else:
        cache.set_many({_school_gen_key(school_id): stamp for school_id in school_ids}, None)
