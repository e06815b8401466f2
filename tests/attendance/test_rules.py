"""The day rule itself (attendance.rules), with calendar days built by hand — the boundaries of docs/attendance.md."""

import dataclasses
import datetime as dt

import pytest

from attendance.models import DailyStatus
from attendance.rules import evaluate_day, subtract
from schedules.calendar import DutyDay
from tests.attendance.conftest import WORKDAY, at

AFTER = at(WORKDAY + dt.timedelta(days=1), "09:00:00")  # "now": the day is over


def day(start="07:30", end="16:30", grace=0, **kw) -> DutyDay:
    duty = DutyDay(WORKDAY, True, "workday", "", dt.time.fromisoformat(start), dt.time.fromisoformat(end), **kw)
    if grace:
        # The schedules helper adds grace_minutes to DutyDay; the rule reads it with getattr.
        object.__setattr__(duty, "grace_minutes", grace)
    return duty


def evaluate(duty, arrive=None, leave_at=None, leave=(), now=AFTER):
    return evaluate_day(
        duty,
        first_in=at(WORKDAY, arrive) if arrive else None,
        last_out=at(WORKDAY, leave_at) if leave_at else None,
        leave=leave,
        now=now,
    )


@pytest.mark.parametrize(
    ("arrive", "status", "late"),
    [
        ("07:29:59", DailyStatus.ON_TIME, 0),
        ("07:30:00", DailyStatus.ON_TIME, 0),
        ("07:30:59", DailyStatus.ON_TIME, 0),  # seconds are dropped: still 07:30
        ("07:31:00", DailyStatus.LATE, 1),
        ("08:00:01", DailyStatus.LATE, 30),
    ],
)
def test_arrival_boundaries_against_0730(arrive, status, late):
    outcome = evaluate(day(), arrive, "16:30:00")
    assert (outcome.status, outcome.late_minutes) == (status, late)


@pytest.mark.parametrize(
    ("leave_at", "status", "early"),
    [
        ("16:29:59", DailyStatus.LEFT_EARLY, 1),  # counts as 16:29
        ("16:30:00", DailyStatus.ON_TIME, 0),
        ("18:45:10", DailyStatus.ON_TIME, 0),
        ("15:00:00", DailyStatus.LEFT_EARLY, 90),
    ],
)
def test_leaving_boundaries_against_1630(leave_at, status, early):
    outcome = evaluate(day(), "07:20:00", leave_at)
    assert (outcome.status, outcome.early_minutes) == (status, early)


@pytest.mark.parametrize(
    ("arrive", "status", "late"),
    [
        ("07:35:00", DailyStatus.ON_TIME, 0),
        ("07:35:59", DailyStatus.ON_TIME, 0),
        ("07:36:00", DailyStatus.LATE, 6),  # past the grace, lateness counts from 07:30
    ],
)
def test_grace_minutes_forgive_but_do_not_move_the_start(arrive, status, late):
    outcome = evaluate(day(grace=5), arrive, "16:30:00")
    assert (outcome.status, outcome.late_minutes) == (status, late)


def test_lunch_break_is_not_counted_as_lateness():
    # Arriving at 13:30 against 08:00–16:00 with lunch 12:00–13:00: 4 h before lunch + 30 min after.
    outcome = evaluate(day("08:00", "16:00"), "13:30:00", "16:00:00")
    assert outcome.late_minutes == 270


def test_late_and_left_early_keeps_both_minutes():
    outcome = evaluate(day(), "07:40:00", "16:00:00")
    assert outcome.status == DailyStatus.LATE
    assert (outcome.late_minutes, outcome.early_minutes) == (10, 30)


def test_subtract_cuts_intervals():
    work = [(at(WORKDAY, "08:00:00"), at(WORKDAY, "12:00:00")), (at(WORKDAY, "13:00:00"), at(WORKDAY, "16:00:00"))]
    cut = [(at(WORKDAY, "11:00:00"), at(WORKDAY, "14:00:00"))]
    assert subtract(work, cut) == [
        (at(WORKDAY, "08:00:00"), at(WORKDAY, "11:00:00")),
        (at(WORKDAY, "14:00:00"), at(WORKDAY, "16:00:00")),
    ]


def test_missing_punches():
    assert evaluate(day(), "07:20:00", None).status == DailyStatus.MISSING_OUT
    assert evaluate(day(), None, "16:40:00").status == DailyStatus.MISSING_IN
    assert evaluate(day(), None, None).status == DailyStatus.ABSENT


def test_out_before_in_is_ignored():
    assert evaluate(day(), "07:20:00", "07:20:00").status == DailyStatus.MISSING_OUT


def test_day_in_progress_is_pending_until_the_window_ends():
    during = at(WORKDAY, "10:00:00")
    assert evaluate(day(), None, None, now=during).status == DailyStatus.PENDING
    pending_late = evaluate(day(), "07:45:00", None, now=during)
    assert (pending_late.status, pending_late.late_minutes) == (DailyStatus.PENDING, 15)
    assert evaluate(day(), None, None, now=at(WORKDAY, "16:30:00")).status == DailyStatus.ABSENT


def test_whole_day_leave():
    leave = [(at(WORKDAY, "07:30:00"), at(WORKDAY, "16:30:00"))]
    outcome = evaluate(day(), None, None, leave=leave)
    assert outcome.status == DailyStatus.LEAVE
    assert outcome.leave_minutes == 8 * 60


def test_morning_leave_moves_the_required_arrival_past_lunch():
    # Leave 07:30–12:00; lunch 12:00–13:00: the person is due at 13:00.
    leave = [(at(WORKDAY, "07:30:00"), at(WORKDAY, "12:00:00"))]
    on_time = evaluate(day(), "12:55:00", "16:30:00", leave=leave)
    assert on_time.status == DailyStatus.PARTIAL_LEAVE
    assert on_time.required_start == dt.time(13, 0)
    assert on_time.leave_minutes == 270
    late = evaluate(day(), "13:05:00", "16:30:00", leave=leave)
    assert (late.status, late.late_minutes) == (DailyStatus.LATE, 5)


def test_afternoon_leave_moves_the_required_end():
    leave = [(at(WORKDAY, "13:00:00"), at(WORKDAY, "16:30:00"))]
    outcome = evaluate(day(), "07:25:00", "12:00:00", leave=leave)
    assert outcome.status == DailyStatus.PARTIAL_LEAVE
    assert outcome.required_end == dt.time(12, 0)


def test_an_hour_of_leave_in_the_middle_is_not_lateness():
    leave = [(at(WORKDAY, "09:00:00"), at(WORKDAY, "10:00:00"))]
    outcome = evaluate(day(), "07:30:00", "16:30:00", leave=leave)
    assert (outcome.status, outcome.leave_minutes) == (DailyStatus.PARTIAL_LEAVE, 60)


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        ("holiday", DailyStatus.HOLIDAY),
        ("weekend", DailyStatus.HOLIDAY),
        ("typhoon", DailyStatus.HOLIDAY),  # 颱風停班停課: no duty for anyone that day
        ("vacation", DailyStatus.NO_DUTY),  # a teacher in winter/summer vacation
        ("no_duty", DailyStatus.NO_DUTY),  # 代課教師
    ],
)
def test_days_without_duty(reason, status):
    duty = DutyDay(WORKDAY, False, reason, "颱風停班停課" if reason == "typhoon" else "")
    # Punches on such a day (overtime, a typhoon-day visit) change nothing.
    assert evaluate(duty, "09:00:00", "10:00:00").status == status


def test_make_up_workday_is_evaluated_like_any_workday():
    saturday = dataclasses.replace(day(), day=dt.date(2025, 2, 8), reason="makeup_workday", label="補行上班")
    outcome = evaluate_day(
        saturday,
        first_in=at(dt.date(2025, 2, 8), "07:31:00"),
        last_out=at(dt.date(2025, 2, 8), "16:30:00"),
        now=AFTER,
    )
    assert (outcome.status, outcome.late_minutes) == (DailyStatus.LATE, 1)
    # A missing punch outranks lateness: the day needs a 補登 before anything else.
    forgot = evaluate_day(saturday, first_in=at(dt.date(2025, 2, 8), "07:31:00"), last_out=None, now=AFTER)
    assert (forgot.status, forgot.late_minutes) == (DailyStatus.MISSING_OUT, 1)
