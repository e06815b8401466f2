"""taught_periods: the dated class periods of teachers, in a fixed number of queries whatever the span."""

import datetime as dt

import pytest

from schedules.models import Semester
from schedules.timetables_selectors import taught_periods
from schedules.timetables_services import bell_schedule_ensure_standard
from tests.substitutes.conftest import FRI, THU, add_class

pytestmark = pytest.mark.django_db


@pytest.fixture
def timetable(people):
    """王老師: Mon P1, Thu P1, Thu P3, Fri P2 in 114-1; 李導師: Thu P2."""
    school = people["school"]
    bell_schedule_ensure_standard(school=school)
    semester = Semester.objects.create(
        school=school, school_year=114, term=1, start_date=dt.date(2025, 8, 30), end_date=dt.date(2026, 1, 20)
    )
    t = people["teacher"]
    add_class(semester, t, 1, 1, "高一 3 班", "國文")
    add_class(semester, t, 4, 1, "高一 3 班", "國文")
    add_class(semester, t, 4, 3, "高一 5 班", "國文")
    add_class(semester, t, 5, 2, "高一 3 班", "國文")
    add_class(semester, people["other_teacher"], 4, 2, "高二 1 班", "國文")
    return people


def test_the_query_count_does_not_grow_with_the_span(timetable, django_assert_num_queries):
    ids = [timetable["teacher"].pk, timetable["other_teacher"].pk]
    eight_weeks_later = THU + dt.timedelta(weeks=8)
    # 1 the teachers' timetable rows with their bell periods and semesters;
    # 3 the school's calendar over the range (schedules.calendar.calendar_days: imported office
    #   days, school days ∪ typhoon days, semesters) — once, not per day.
    with django_assert_num_queries(4):
        one_day = taught_periods(teacher_ids=ids, start=THU, end=THU)
    with django_assert_num_queries(4):
        eight_weeks = taught_periods(teacher_ids=ids, start=THU, end=eight_weeks_later)

    assert [(p.teacher_id, p.period_number, p.class_name) for p in one_day] == [
        (timetable["teacher"].pk, 1, "高一 3 班"),
        (timetable["other_teacher"].pk, 2, "高二 1 班"),
        (timetable["teacher"].pk, 3, "高一 5 班"),
    ]
    # The set-based answer is the day-by-day answer: same periods, 國慶日 (Fri 10/10) left out.
    day_by_day = []
    day = THU
    while day <= eight_weeks_later:
        day_by_day.extend(taught_periods(teacher_ids=ids, start=day, end=day))
        day += dt.timedelta(days=1)
    assert eight_weeks == sorted(day_by_day, key=lambda p: (p.starts_at, p.teacher_id))
    assert FRI not in {p.date for p in eight_weeks}
    assert FRI + dt.timedelta(weeks=1) in {p.date for p in eight_weeks}  # an ordinary Friday has its P2
    assert len(eight_weeks) > 30


def test_no_classes_in_the_range_costs_one_query(timetable, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert taught_periods(teacher_ids=[timetable["principal"].pk], start=THU, end=THU + dt.timedelta(weeks=8)) == []
    with django_assert_num_queries(1):  # winter break, outside the semester
        assert taught_periods(teacher_ids=[timetable["teacher"].pk], start=dt.date(2026, 2, 1),
                              end=dt.date(2026, 2, 10)) == []
