"""One person's duty days from the cache (schedules.duty_cache): the calendar's answer, with no query once the
school's and category's days are known; people with a schedule of their own asked of the calendar; a calendar
change drops the school's entries (in its transaction and after its commit), and the changing transaction neither
reads nor stores them."""

import datetime as dt

import pytest
from django.db import transaction

from schedules import duty_cache
from schedules.calendar import duty_days
from schedules.models import PersonalSchedule, SchoolDay, WorkSchedule
from schedules.services import school_day_create

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 26)  # a Thursday


@pytest.fixture
def settled(people):
    duty_cache.settled()  # the school's calendar was set up long before (committed)
    return people


def test_the_calendars_answer_then_no_query(settled, django_assert_num_queries):
    teacher, colleague = settled["teacher"], settled["academic"]
    first = duty_cache.cached_duty_days(teacher, DAY, DAY + dt.timedelta(days=6))
    assert first == duty_days([teacher], DAY, DAY + dt.timedelta(days=6))
    with django_assert_num_queries(0):
        again = duty_cache.cached_duty_days(teacher, DAY, DAY + dt.timedelta(days=6))
    assert again == first
    # Another person of another category: its own entries, the calendar's answer.
    assert duty_cache.cached_duty_days(colleague, DAY, DAY) == duty_days([colleague], DAY, DAY)


def test_a_person_with_their_own_schedule_is_asked_of_the_calendar(settled):
    teacher = settled["teacher"]
    late = WorkSchedule.objects.create(school=teacher.school, name="晚班", start=dt.time(10, 0), end=dt.time(18, 0))
    PersonalSchedule.objects.create(staff=teacher, schedule=late, start_date=DAY, end_date=DAY, reason="輪值")
    own = duty_cache.cached_duty_days(teacher, DAY, DAY + dt.timedelta(days=1))
    assert own == duty_days([teacher], DAY, DAY + dt.timedelta(days=1))
    assert own[(teacher.pk, DAY)].start == dt.time(10, 0)
    assert own[(teacher.pk, DAY + dt.timedelta(days=1))].start != dt.time(10, 0)


def test_a_calendar_change_drops_the_schools_days(settled, django_capture_on_commit_callbacks):
    teacher = settled["teacher"]
    assert duty_cache.cached_duty_days(teacher, DAY, DAY)[(teacher.pk, DAY)].has_duty
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        school_day_create(actor=None, school=teacher.school, day=DAY, kind=SchoolDay.Kind.DAY_OFF, label="校慶補假")
    duty_cache.settled()
    assert not duty_cache.cached_duty_days(teacher, DAY, DAY)[(teacher.pk, DAY)].has_duty


def test_the_changing_transaction_neither_reads_nor_stores(settled, django_assert_num_queries):
    teacher = settled["teacher"]
    duty_cache.cached_duty_days(teacher, DAY, DAY)
    with transaction.atomic():
        school_day_create(actor=None, school=teacher.school, day=DAY, kind=SchoolDay.Kind.DAY_OFF, label="校慶補假")
        # Its own change, from the calendar (five reads), not from an entry; and nothing stored.
        with django_assert_num_queries(5):
            assert not duty_cache.cached_duty_days(teacher, DAY, DAY)[(teacher.pk, DAY)].has_duty
        with django_assert_num_queries(5):
            duty_cache.cached_duty_days(teacher, DAY, DAY)


def test_a_miss_fills_its_month(settled, django_assert_num_queries):
    """The calendar's reads cost the same for a month as for a day: a miss stores the month's days, so another
    day of that month (the leave form's next date, tomorrow's clock page) asks nothing; the next month is apart."""
    teacher = settled["teacher"]
    duty_cache.cached_duty_days(teacher, DAY, DAY)
    with django_assert_num_queries(0):
        november = duty_cache.cached_duty_days(teacher, dt.date(2026, 11, 2), dt.date(2026, 11, 30))
    assert november == duty_days([teacher], dt.date(2026, 11, 2), dt.date(2026, 11, 30))
    with django_assert_num_queries(0):
        duty_cache.cached_duty_days(teacher, dt.date(2026, 11, 1), dt.date(2026, 11, 1))
    december = duty_cache.cached_duty_days(teacher, dt.date(2026, 12, 1), dt.date(2026, 12, 1))
    assert december == duty_days([teacher], dt.date(2026, 12, 1), dt.date(2026, 12, 1))


@pytest.mark.parametrize("day", [dt.date(2026, 1, 31), dt.date(2026, 2, 15), dt.date(2028, 2, 1), dt.date(2026, 12, 1)])
def test_month_ends(day):
    assert duty_cache._month_end(day) == (dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
                                          - dt.timedelta(days=1))
