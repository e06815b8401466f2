"""Daily results through the calendar contract: holidays, make-up days, vacations, leave, and the
set-based computation of a whole school's month."""

import datetime as dt

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from attendance.models import DailyResult, DailyStatus, Punch, PunchKind
from attendance.services import daily_results_ensure, daily_results_recompute
from leave.events import LeaveEvent, publish_leave_changed
from schedules.events import calendar_changed
from schedules.models import Semester
from staff.models import StaffCategory
from tests.attendance.conftest import WORKDAY, at, punch
from tests.factories import make_school, make_staff, make_unit

OCTOBER = (dt.date(2025, 10, 1), dt.date(2025, 10, 31))
LATER = at(dt.date(2025, 11, 3), "09:00:00")


def _result(staff, day) -> DailyResult:
    return DailyResult.objects.get(staff=staff, date=day)


def _punch(staff, day, arrive="07:25:00", leave="16:35:00"):
    Punch.objects.create(staff=staff, work_date=day, kind=PunchKind.IN, at=at(day, arrive))
    Punch.objects.create(staff=staff, work_date=day, kind=PunchKind.OUT, at=at(day, leave))


def test_national_holiday_is_a_day_off(people):
    teacher, clerk = people["teacher"], people["personnel"]
    daily_results_recompute(school=people["school"], start=dt.date(2025, 10, 10), end=dt.date(2025, 10, 10), now=LATER)
    for person in (teacher, clerk):
        result = _result(person, dt.date(2025, 10, 10))
        assert result.status == DailyStatus.HOLIDAY
        assert result.day_label == "國慶日"
        assert result.required_start is None


def test_weekend_is_a_day_off_and_weekday_without_punches_is_absent(people):
    daily_results_recompute(school=people["school"], start=dt.date(2025, 10, 11), end=dt.date(2025, 10, 13), now=LATER)
    assert _result(people["teacher"], dt.date(2025, 10, 11)).status == DailyStatus.HOLIDAY  # Saturday
    assert _result(people["teacher"], dt.date(2025, 10, 13)).status == DailyStatus.ABSENT  # Monday


def test_make_up_saturday_is_a_working_day(people):
    saturday = dt.date(2025, 2, 8)  # 補行上班 for the 2025-01-27 bridge day (the holidays package knows it)
    _punch(people["personnel"], saturday, "07:31:00", "16:30:00")
    daily_results_recompute(school=people["school"], start=saturday, end=saturday, now=LATER)
    assert _result(people["personnel"], saturday).status == DailyStatus.LATE
    assert _result(people["personnel"], saturday).late_minutes == 1
    assert _result(people["teacher"], saturday).status == DailyStatus.ABSENT


def test_bridge_day_off_before_the_make_up_saturday(people):
    bridge = dt.date(2025, 1, 27)  # 放假日（2025-02-08 補班）
    daily_results_recompute(school=people["school"], start=bridge, end=bridge, now=LATER)
    assert _result(people["teacher"], bridge).status == DailyStatus.HOLIDAY


@pytest.fixture
def semesters(people):
    school = people["school"]
    Semester.objects.create(school=school, school_year=113, term=1, start_date=dt.date(2024, 8, 30),
                            end_date=dt.date(2025, 1, 20))
    Semester.objects.create(school=school, school_year=113, term=2, start_date=dt.date(2025, 2, 11),
                            end_date=dt.date(2025, 6, 30))
    Semester.objects.create(school=school, school_year=114, term=1, start_date=dt.date(2025, 8, 30),
                            end_date=dt.date(2026, 1, 20))


def test_summer_vacation_day_teacher_off_staff_on_duty(people, semesters):
    summer = dt.date(2025, 7, 15)  # a Tuesday between 113-2 and 114-1
    daily_results_recompute(school=people["school"], start=summer, end=summer, now=LATER)
    assert _result(people["teacher"], summer).status == DailyStatus.NO_DUTY  # 專任教師: no duty in vacation
    assert _result(people["other_teacher"], summer).status == DailyStatus.NO_DUTY  # 導師 too
    assert _result(people["personnel"], summer).status == DailyStatus.ABSENT  # 職員: on duty, no punches
    assert _result(people["unit_head"], summer).status == DailyStatus.ABSENT  # 行政教師: on duty


def test_term_day_everyone_on_duty(people, semesters):
    daily_results_recompute(school=people["school"], start=WORKDAY, end=WORKDAY, now=LATER)
    for who in ("teacher", "other_teacher", "personnel", "unit_head"):
        assert _result(people[who], WORKDAY).status == DailyStatus.ABSENT


def test_days_before_hiring_and_after_today_have_no_result(people):
    newcomer = make_staff(people["school"], hire_date=dt.date(2025, 10, 20))
    daily_results_recompute(school=people["school"], start=OCTOBER[0], end=OCTOBER[1],
                            now=at(dt.date(2025, 10, 22), "18:00:00"))
    days = list(DailyResult.objects.filter(staff=newcomer).values_list("date", flat=True).order_by("date"))
    assert days == [dt.date(2025, 10, 20), dt.date(2025, 10, 21), dt.date(2025, 10, 22)]
    assert not DailyResult.objects.filter(date__gt=dt.date(2025, 10, 22)).exists()


def test_recompute_replaces_the_stored_result(people):
    teacher = people["teacher"]
    daily_results_recompute(school=people["school"], start=WORKDAY, end=WORKDAY, now=LATER)
    assert _result(teacher, WORKDAY).status == DailyStatus.ABSENT
    _punch(teacher, WORKDAY, "08:10:00", "16:00:00")
    daily_results_recompute(school=people["school"], start=WORKDAY, end=WORKDAY, now=LATER)
    result = _result(teacher, WORKDAY)
    assert (result.status, result.late_minutes) == (DailyStatus.LATE, 10)
    assert result.first_in == at(WORKDAY, "08:10:00")
    assert result.last_out == at(WORKDAY, "16:00:00")
    assert DailyResult.objects.filter(staff=teacher).count() == 1


# --- A whole school's month in a fixed number of queries --------------------------------------

CATEGORIES = [
    StaffCategory.ADMIN_TEACHER, StaffCategory.CIVIL_STAFF, StaffCategory.HOMEROOM_SENIOR,
    StaffCategory.HOMEROOM_JUNIOR, StaffCategory.SUBJECT_TEACHER, StaffCategory.LONG_TERM_SUBSTITUTE,
    StaffCategory.HOURLY_SUBSTITUTE,
]


def _school_of(size: int):
    school = make_school()
    unit = make_unit(school, "教務處")
    punches = []
    for n in range(size):
        person = make_staff(school, unit=unit, category=CATEGORIES[n % len(CATEGORIES)])
        for day in range(1, 32):
            date = dt.date(2025, 10, day)
            if date.weekday() < 5 and n % 5 != 4:  # every fifth person never punches
                arrive = "07:29:00" if day % 3 else "08:05:30"
                punches.append(Punch(staff=person, work_date=date, kind=PunchKind.IN, at=at(date, arrive)))
                if day % 7:
                    punches.append(Punch(staff=person, work_date=date, kind=PunchKind.OUT, at=at(date, "16:31:00")))
    Punch.objects.bulk_create(punches)
    return school


def test_month_for_a_whole_school_in_a_fixed_number_of_queries(db):
    small, large = _school_of(5), _school_of(40)
    with CaptureQueriesContext(connection) as small_queries:
        assert daily_results_recompute(school=small, start=OCTOBER[0], end=OCTOBER[1], now=LATER) == 5 * 31
    with CaptureQueriesContext(connection) as large_queries:
        assert daily_results_recompute(school=large, start=OCTOBER[0], end=OCTOBER[1], now=LATER) == 40 * 31
    # The people, the calendar's own (bounded) queries, the punches, the leave spans and ONE upsert.
    assert len(large_queries) == len(small_queries)
    assert len(small_queries) <= 9, [q["sql"][:80] for q in small_queries]
    assert DailyResult.objects.filter(school=large).count() == 40 * 31
    statuses = set(DailyResult.objects.filter(school=large).values_list("status", flat=True))
    assert {DailyStatus.ON_TIME, DailyStatus.LATE, DailyStatus.MISSING_OUT, DailyStatus.ABSENT,
            DailyStatus.HOLIDAY, DailyStatus.NO_DUTY} <= statuses

    # Recomputing again rewrites in place, still in the same number of queries.
    with CaptureQueriesContext(connection) as again:
        daily_results_recompute(school=large, start=OCTOBER[0], end=OCTOBER[1], now=LATER)
    assert len(again) == len(large_queries)
    assert DailyResult.objects.filter(school=large).count() == 40 * 31


def test_ensure_fills_missing_days_then_costs_two_queries(people, django_assert_num_queries):
    school = people["school"]
    assert daily_results_ensure(school=school, start=OCTOBER[0], end=OCTOBER[1], now=LATER)
    assert DailyResult.objects.filter(school=school).count() == 7 * 31
    # Two queries: the people's hire dates, the count of stored and stale results.
    with django_assert_num_queries(2):
        assert not daily_results_ensure(school=school, start=OCTOBER[0], end=OCTOBER[1], now=LATER)


def test_ensure_refreshes_a_past_day_left_pending(people, clock):
    teacher = people["teacher"]
    clock(at(WORKDAY, "07:50:00"))
    punch(staff=teacher, kind=PunchKind.IN, ip="10.0.0.1")
    assert _result(teacher, WORKDAY).status == DailyStatus.PENDING
    daily_results_ensure(school=people["school"], start=WORKDAY, end=WORKDAY, staff_ids=[teacher.pk], now=LATER)
    assert _result(teacher, WORKDAY).status == DailyStatus.MISSING_OUT


# --- Leave (through leave.selectors.leave_spans) and the recompute events -----------------------


def test_whole_day_leave_and_partial_leave(people, leave_on):
    teacher, clerk = people["teacher"], people["personnel"]
    leave_on(teacher, at(WORKDAY, "08:00:00"), at(WORKDAY, "16:00:00"), name="病假")
    leave_on(clerk, at(WORKDAY, "07:30:00"), at(WORKDAY, "10:30:00"), name="事假")
    _punch(clerk, WORKDAY, "10:25:00", "16:30:00")
    daily_results_recompute(school=people["school"], start=WORKDAY, end=WORKDAY, now=LATER)
    whole = _result(teacher, WORKDAY)
    # A teacher's day is 08:00–16:00 with no break taken out (schedules: every full day is 8 hours).
    assert (whole.status, whole.leave_minutes, whole.leave_label) == (DailyStatus.LEAVE, 480, "病假")
    partial = _result(clerk, WORKDAY)
    assert (partial.status, partial.leave_minutes, partial.required_start) == (
        DailyStatus.PARTIAL_LEAVE, 180, dt.time(10, 30)
    )


def test_multi_day_leave_covers_each_day(people, leave_on):
    teacher = people["teacher"]
    leave_on(teacher, at(dt.date(2025, 10, 7), "08:00:00"), at(dt.date(2025, 10, 9), "16:00:00"), name="婚假")
    daily_results_recompute(school=people["school"], start=dt.date(2025, 10, 7), end=dt.date(2025, 10, 9), now=LATER)
    assert [_result(teacher, dt.date(2025, 10, d)).status for d in (7, 8, 9)] == [DailyStatus.LEAVE] * 3


def test_leave_changed_recomputes_the_days_it_touches(people, leave_on, clock):
    teacher = people["teacher"]
    clock(LATER)
    daily_results_recompute(school=people["school"], start=WORKDAY, end=WORKDAY)
    assert _result(teacher, WORKDAY).status == DailyStatus.ABSENT

    span = leave_on(teacher, at(WORKDAY, "08:00:00"), at(WORKDAY, "16:00:00"))
    publish_leave_changed(LeaveEvent(
        leave_request_id=1, staff_id=teacher.pk, school_id=teacher.school_id, action="approved",
        leave_type_code="personal", leave_type_name="事假", spans=((span.start, span.end),),
    ))
    assert _result(teacher, WORKDAY).status == DailyStatus.LEAVE

    leave_on.spans.clear()  # the leave is cancelled (銷假): it no longer covers the day
    publish_leave_changed(LeaveEvent(
        leave_request_id=1, staff_id=teacher.pk, school_id=teacher.school_id, action="cancelled",
        leave_type_code="personal", leave_type_name="事假", previous_spans=((span.start, span.end),),
    ))
    assert _result(teacher, WORKDAY).status == DailyStatus.ABSENT


def test_calendar_changed_recomputes_the_range(people, clock):
    teacher = people["teacher"]
    clock(LATER)
    daily_results_recompute(school=people["school"], start=WORKDAY, end=WORKDAY)
    assert _result(teacher, WORKDAY).status == DailyStatus.ABSENT
    _punch(teacher, WORKDAY)  # written behind the service's back: only a recompute can see it
    with TestCase.captureOnCommitCallbacks(execute=True):
        calendar_changed.send(sender=None, school_ids=[people["school"].pk], start=WORKDAY, end=WORKDAY, staff_ids=None)
    assert _result(teacher, WORKDAY).status == DailyStatus.ON_TIME


def test_calendar_changed_for_all_schools_and_the_future(people, clock):
    teacher, outsider = people["teacher"], people["outsider"]
    clock(LATER)
    _punch(outsider, WORKDAY)
    with TestCase.captureOnCommitCallbacks(execute=True):
        calendar_changed.send(sender=None, school_ids=None, start=WORKDAY, end=dt.date(2026, 1, 1), staff_ids=None)
    assert _result(outsider, WORKDAY).status == DailyStatus.ON_TIME
    assert _result(teacher, WORKDAY).status == DailyStatus.ABSENT
    assert not DailyResult.objects.filter(date__gt=LATER.date()).exists()


def test_several_schools_in_one_pass_in_a_fixed_number_of_queries(db):
    # The 18:00 reminder run and a calendar change for every school compute all the schools at once.
    schools = [_school_of(3) for _ in range(4)]
    with CaptureQueriesContext(connection) as two:
        assert daily_results_recompute(schools=schools[:2], start=WORKDAY, end=WORKDAY, now=LATER) == 2 * 3
    with CaptureQueriesContext(connection) as four:
        assert daily_results_recompute(schools=schools, start=WORKDAY, end=WORKDAY, now=LATER) == 4 * 3
    # The people, the calendar's own (bounded) queries, the punches, the leave spans and ONE upsert.
    assert len(four) == len(two) <= 9, [q["sql"][:80] for q in four]
    for school in schools:  # each row under its own person's school
        assert DailyResult.objects.filter(school=school, date=WORKDAY).count() == 3
        assert DailyResult.objects.filter(staff__school=school, date=WORKDAY).exclude(school=school).count() == 0


def test_a_calendar_change_for_all_schools_costs_the_same_for_two_or_four(db):
    schools = [_school_of(3) for _ in range(2)]
    with CaptureQueriesContext(connection) as two, TestCase.captureOnCommitCallbacks(execute=True):
        calendar_changed.send(sender=Semester, school_ids=None, start=WORKDAY, end=WORKDAY, staff_ids=None)
    schools += [_school_of(3) for _ in range(2)]
    with CaptureQueriesContext(connection) as four, TestCase.captureOnCommitCallbacks(execute=True):
        calendar_changed.send(sender=Semester, school_ids=None, start=WORKDAY, end=WORKDAY, staff_ids=None)
    assert len(four) == len(two), [q["sql"][:80] for q in four]
    assert DailyResult.objects.filter(date=WORKDAY).count() == 4 * 3
    # Named schools only, and named people only.
    chosen = schools[1]
    person = chosen.staff.order_by("pk").first()
    DailyResult.objects.all().delete()
    with TestCase.captureOnCommitCallbacks(execute=True):
        calendar_changed.send(
            sender=Semester, school_ids=[chosen.pk], start=WORKDAY, end=WORKDAY, staff_ids=[person.pk]
        )
    assert list(DailyResult.objects.values_list("staff_id", flat=True)) == [person.pk]


def test_reminders_recompute_the_schools_in_bounded_batches(db, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from attendance.services import missing_punch_reminders_send

    for _ in range(3):
        _school_of(2)

    def queries(per_batch: int) -> int:
        settings.ATTENDANCE_SCHOOLS_PER_TASK = per_batch
        with CaptureQueriesContext(connection) as log:
            # Nobody misses a punch on a Wednesday evening when all of them punched in and out, except every
            # fifth person (none of 2).
            assert missing_punch_reminders_send(day=WORKDAY, now=at(WORKDAY, "18:00:00")) == 0
        return len(log.captured_queries)

    # One batch: the schools' ids, the recompute (≤ 9, in its savepoint) and the reminders (the ones already sent,
    # the results to remind). Each further batch costs the same recompute again, whatever its schools.
    one, two, three = queries(10), queries(2), queries(1)
    assert one <= 1 + 2 + 9 + 2
    assert three - one == 2 * (two - one) > 0
    assert DailyResult.objects.filter(date=WORKDAY).count() == 3 * 2
