"""The counting rules as pure functions, each with its expected days and hours worked out by hand.

Duty days are built by hand here (the calendar's contract type), so a make-up Saturday or a
holiday is exactly what the test says; tests/leave/test_balances.py runs the same rules through
the services and the real calendar.
"""

import datetime as dt
from decimal import Decimal

import pytest

from leave import rules as R
from leave.errors import LeaveError
from leave.models import GrantKind, LeaveRule, LeaveUnit, OverQuota, Period
from schedules.calendar import DutyDay
from staff.twdate import format_days_hours
from tests.leave.conftest import at

D = dt.date


def duty(day: dt.date, start=(7, 30), end=(16, 30), reason="workday") -> DutyDay:
    return DutyDay(day, True, reason, "", dt.time(*start), dt.time(*end))


def off(day: dt.date, reason="weekend", label="") -> DutyDay:
    return DutyDay(day, False, reason, label)


def week(first: dt.date, last: dt.date, *, start=(7, 30), end=(16, 30), holidays=(), workdays=()) -> dict:
    """Duty days first..last: weekdays on duty, weekends and ``holidays`` off, ``workdays`` on (make-up days)."""
    out, day = {}, first
    while day <= last:
        working = (day.weekday() < 5 and day not in holidays) or day in workdays
        out[day] = duty(day, start, end) if working else off(day, "holiday" if day in holidays else "weekend")
        day += dt.timedelta(days=1)
    return out


def length(start, end, days, unit=LeaveUnit.HOUR, calendar=False) -> int:
    return sum(d.hours for d in R.leave_length(start=start, end=end, duty=days, unit=unit,
                                                counts_non_working_days=calendar))


# --- Length ----------------------------------------------------------------------------------------


def test_hourly_personal_leave_across_the_lunch_break():
    # 職員 07:30–16:30 with lunch 12:00–13:00. 10:00–14:30 is 2 h before lunch and 1.5 h after:
    # 3.5 h, and the started hour counts whole → 4 h.
    days = {D(2025, 10, 8): duty(D(2025, 10, 8))}
    assert length(at(2025, 10, 8, 10), at(2025, 10, 8, 14, 30), days) == 4
    assert format_days_hours(4) == "0日4小時"
    # 10:00–14:00 is exactly 2 + 1 = 3 h.
    assert length(at(2025, 10, 8, 10), at(2025, 10, 8, 14), days) == 3
    # 12:10–13:20 is only 20 minutes of working time (13:00–13:20): under an hour counts as one.
    assert length(at(2025, 10, 8, 12, 10), at(2025, 10, 8, 13, 20), days) == 1
    # Inside the lunch break only: no working time at all.
    assert length(at(2025, 10, 8, 12), at(2025, 10, 8, 13), days) == 0


def test_a_whole_duty_day_is_eight_hours_whatever_the_window():
    # A teacher's window 08:00–16:00 less lunch is 7 working hours, but the whole day is one day: 8 h.
    days = {D(2025, 10, 8): duty(D(2025, 10, 8), (8, 0), (16, 0))}
    assert length(at(2025, 10, 8, 0), at(2025, 10, 9, 0), days) == 8
    assert length(at(2025, 10, 8, 8), at(2025, 10, 8, 16), days) == 8
    # 08:00–15:30 is 6.5 working hours → 7 h, not a whole day.
    assert length(at(2025, 10, 8, 8), at(2025, 10, 8, 15, 30), days) == 7


def test_three_days_over_a_national_holiday():
    # Thu 9 Oct – Tue 14 Oct 2025: 10 Oct (國慶日) is a holiday, 11–12 the weekend.
    # Counted: 9, 13, 14 Oct → 3 days = 24 h.
    days = week(D(2025, 10, 9), D(2025, 10, 14), start=(8, 0), end=(16, 0), holidays={D(2025, 10, 10)})
    assert length(at(2025, 10, 9, 8), at(2025, 10, 14, 16), days) == 24
    assert format_days_hours(24) == "3日0小時"


def test_a_make_up_saturday_inside_a_span_counts():
    # Fri 7 Feb – Mon 10 Feb 2025; Sat 8 Feb is the make-up working day for 27 Jan.
    # Counted: Fri 7, Sat 8, Mon 10 → 3 days = 24 h (Sunday is off).
    days = week(D(2025, 2, 7), D(2025, 2, 10), workdays={D(2025, 2, 8)})
    assert length(at(2025, 2, 7, 7, 30), at(2025, 2, 10, 16, 30), days) == 24


def test_maternity_counts_calendar_days():
    # 娩假 42 days from Mon 22 Sep 2025 to Sun 2 Nov 2025 inclusive: weekends and the holidays of
    # 28–29 Sep, 6 Oct, 10 Oct, 24–25 Oct all count → 42 days = 336 h.
    holidays = {D(2025, 9, 28), D(2025, 9, 29), D(2025, 10, 6), D(2025, 10, 10), D(2025, 10, 24), D(2025, 10, 25)}
    days = week(D(2025, 9, 22), D(2025, 11, 2), holidays=holidays)
    hours = length(at(2025, 9, 22), at(2025, 11, 3), days, unit=LeaveUnit.DAY, calendar=True)
    assert hours == 336
    assert format_days_hours(hours) == "42日0小時"
    # The same span for a type that skips days off: 30 weekdays less 4 weekday holidays = 26 days.
    assert length(at(2025, 9, 22), at(2025, 11, 3), days) == 26 * 8


def test_units_round_each_day_up():
    days = {D(2025, 10, 8): duty(D(2025, 10, 8))}
    two_hours = (at(2025, 10, 8, 8), at(2025, 10, 8, 10))
    five_hours = (at(2025, 10, 8, 8), at(2025, 10, 8, 14))
    assert length(*two_hours, days, unit=LeaveUnit.HALF_DAY) == 4
    assert length(*five_hours, days, unit=LeaveUnit.HALF_DAY) == 8
    assert length(*two_hours, days, unit=LeaveUnit.DAY) == 8


def test_an_end_at_midnight_belongs_to_the_day_before():
    assert R.span_dates(at(2025, 10, 8), at(2025, 10, 9)) == (D(2025, 10, 8), D(2025, 10, 8))
    assert R.span_dates(at(2025, 10, 8, 8), at(2025, 10, 9, 10)) == (D(2025, 10, 8), D(2025, 10, 9))


# --- Rounding once per request -------------------------------------------------------------------


def test_a_span_over_several_days_is_rounded_once_not_day_by_day():
    # 職員 07:30–16:30 (lunch 12:00–13:00); Sat 8 Feb 2025 is a make-up working day.
    # Fri 7 Feb 13:00 – Mon 10 Feb 12:00: Friday afternoon 3.5 h, Saturday 8 h, Monday morning 4.5 h.
    # The afternoon and the morning are each a whole half day (4 h): 4 + 8 + 4 = 16 h = 2 days. Rounding
    # each day up on its own would have charged 4 + 8 + 5 = 17 h.
    days = week(D(2025, 2, 7), D(2025, 2, 10), workdays={D(2025, 2, 8)})
    lengths = R.leave_length(start=at(2025, 2, 7, 13), end=at(2025, 2, 10, 12), duty=days, unit=LeaveUnit.HOUR,
                             counts_non_working_days=False)
    assert [(d.day, d.hours) for d in lengths] == [(D(2025, 2, 7), 4), (D(2025, 2, 8), 8), (D(2025, 2, 10), 4)]
    assert format_days_hours(sum(d.hours for d in lengths)) == "2日0小時"
    # Parts of days in real minutes: Fri 14:00–16:30 is 2.5 h, Mon 07:30–09:00 is 1.5 h: 2.5 + 8 + 1.5 = 12 h
    # in all, where day by day it was 3 + 8 + 2 = 13 h.
    assert length(at(2025, 2, 7, 14), at(2025, 2, 10, 9), days) == 12
    # Under an hour counts as one hour once per request: Fri 16:00–16:30 and Mon 07:30–08:00 are one hour,
    # charged on the day it starts; Monday is still a day of the leave, with nothing left to charge.
    lengths = R.leave_length(start=at(2025, 2, 7, 16), end=at(2025, 2, 10, 8), duty=days, unit=LeaveUnit.HOUR,
                             counts_non_working_days=False)
    assert [(d.day, d.hours) for d in lengths] == [(D(2025, 2, 7), 1), (D(2025, 2, 8), 8), (D(2025, 2, 10), 0)]
    assert sum(d.hours for d in lengths) == 9


@pytest.mark.parametrize(
    ("window", "morning", "afternoon"),
    [
        (((7, 30), (16, 30)), ((7, 30), (12, 0)), ((13, 0), (16, 30))),  # 職員: 4.5 h + 3.5 h around lunch
        (((8, 0), (16, 0)), ((8, 0), (12, 0)), ((12, 0), (16, 0))),  # a teacher's day, no break: split midway
    ],
)
def test_a_morning_and_an_afternoon_add_up_to_the_whole_day(window, morning, afternoon):
    d = D(2025, 10, 8)
    with_lunch = DutyDay(d, True, "workday", "", dt.time(*window[0]), dt.time(*window[1]))
    without_break = DutyDay(d, True, "workday", "", dt.time(*window[0]), dt.time(*window[1]), breaks=())
    days = {d: with_lunch if window[0] == (7, 30) else without_break}
    whole = length(at(2025, 10, 8, *window[0]), at(2025, 10, 8, *window[1]), days)
    first = length(at(2025, 10, 8, *morning[0]), at(2025, 10, 8, *morning[1]), days)
    second = length(at(2025, 10, 8, *afternoon[0]), at(2025, 10, 8, *afternoon[1]), days)
    assert (first, second, whole) == (4, 4, 8)
    # Blank times on the form (the whole date) are the same whole day.
    assert length(at(2025, 10, 8), at(2025, 10, 9), days) == 8
    # A part of a half never costs more than the whole half: 職員 07:30–11:45 is 4 h 15 min of work → 4 h.
    assert length(at(2025, 10, 8, 7, 30), at(2025, 10, 8, 11, 45), days) == 4


def test_a_leave_over_the_lunch_break_does_not_count_the_break():
    d = D(2025, 10, 8)
    days = {d: duty(d)}  # 職員 07:30–16:30, lunch 12:00–13:00
    # 11:30–13:30 is 30 + 30 minutes of work: one hour, not two and a half.
    assert length(at(2025, 10, 8, 11, 30), at(2025, 10, 8, 13, 30), days) == 1
    # A morning half day plus an hour of the afternoon: 4 + 1 = 5 h (the break between is free).
    assert length(at(2025, 10, 8, 7, 30), at(2025, 10, 8, 14), days) == 5
    # Over two days, each day's lunch is left out: Wed 11:00 – Thu 14:00 is 1 + 3.5 on Wednesday and
    # 4 (the whole morning) + 1 on Thursday = 9.5 h → 10 h once.
    days = week(d, D(2025, 10, 9))
    assert length(at(2025, 10, 8, 11), at(2025, 10, 9, 14), days) == 10


def test_the_early_arrival_is_not_needed_to_take_the_morning_off():
    # 國中部導師 on a class day: arrival 07:30 (早自習), schedule 08:00–16:00, no break.
    d = D(2025, 10, 8)
    days = {d: DutyDay(d, True, "workday", "", dt.time(7, 30), dt.time(16, 0), breaks=(),
                       scheduled_start=dt.time(8, 0))}
    assert length(at(2025, 10, 8, 8), at(2025, 10, 8, 12), days) == 4
    assert length(at(2025, 10, 8, 7, 30), at(2025, 10, 8, 16), days) == 8
    assert length(at(2025, 10, 8, 12), at(2025, 10, 8, 16), days) == 4


def test_half_day_and_day_units_round_the_whole_request_once():
    # Mon 13:00 – Tue 12:00 for a 職員: an afternoon and a morning, 8 h.
    days = week(D(2025, 10, 13), D(2025, 10, 14))
    span = (at(2025, 10, 13, 13), at(2025, 10, 14, 12))
    assert length(*span, days, unit=LeaveUnit.HALF_DAY) == 8
    assert length(*span, days, unit=LeaveUnit.DAY) == 8
    # Mon 15:00 – Tue 09:00: 1.5 + 1.5 = 3 h → one half day, or one day.
    short = (at(2025, 10, 13, 15), at(2025, 10, 14, 9))
    assert length(*short, days, unit=LeaveUnit.HALF_DAY) == 4
    assert length(*short, days, unit=LeaveUnit.DAY) == 8
    # Each started unit is charged on the day it starts: the day unit falls on Monday.
    lengths = R.leave_length(start=short[0], end=short[1], duty=days, unit=LeaveUnit.DAY,
                             counts_non_working_days=False)
    assert [(d.day, d.hours) for d in lengths] == [(D(2025, 10, 13), 8), (D(2025, 10, 14), 0)]
    # Calendar-day types still count every day of the span as a day.
    assert length(at(2025, 10, 10, 13), at(2025, 10, 14, 12), week(D(2025, 10, 10), D(2025, 10, 14)),
                  unit=LeaveUnit.DAY, calendar=True) == 5 * 8


def test_a_day_cut_by_a_disaster_stop_counts_what_is_left_of_its_halves():
    # An afternoon stop from 13:00 (下午停班): the calendar leaves 職員 07:30–13:00 (lunch 12:00–13:00).
    d = D(2025, 10, 8)
    afternoon_off = {d: DutyDay(d, True, "workday", "", dt.time(7, 30), dt.time(13, 0),
                                work_off=((dt.time(13, 0), dt.time.max),), usual_window=(dt.time(7, 30),
                                                                                          dt.time(16, 30)))}
    # A whole-day leave is charged the morning only: 4 h, the afternoon's 4 h are not leave.
    assert length(at(2025, 10, 8), at(2025, 10, 9), afternoon_off) == 4
    # From 15:00 instead: the morning (4 h) and what is left of the afternoon, 13:00–15:00 (2 h).
    from_three = {d: DutyDay(d, True, "workday", "", dt.time(7, 30), dt.time(15, 0),
                             work_off=((dt.time(15, 0), dt.time.max),), usual_window=(dt.time(7, 30),
                                                                                       dt.time(16, 30)))}
    assert length(at(2025, 10, 8), at(2025, 10, 9), from_three) == 6
    # A morning stop until 10:00 (上午停班) for a teacher (08:00–16:00, no break): 10:00–12:00 and the
    # whole afternoon, 2 + 4 = 6 h.
    morning_off = {d: DutyDay(d, True, "workday", "", dt.time(10, 0), dt.time(16, 0), breaks=(),
                              scheduled_start=dt.time(10, 0), work_off=((dt.time.min, dt.time(10, 0)),),
                              usual_window=(dt.time(8, 0), dt.time(16, 0)))}
    assert length(at(2025, 10, 8), at(2025, 10, 9), morning_off) == 6
    # A stop inside the afternoon, 14:00–15:00, is taken out like a break: 4 + (1 + 1.5) = 6.5 → 7 h.
    inside = {d: DutyDay(d, True, "workday", "", dt.time(7, 30), dt.time(16, 30),
                         breaks=((dt.time(12, 0), dt.time(13, 0)), (dt.time(14, 0), dt.time(15, 0))),
                         work_off=((dt.time(14, 0), dt.time(15, 0)),), usual_window=(dt.time(7, 30),
                                                                                     dt.time(16, 30)))}
    assert length(at(2025, 10, 8), at(2025, 10, 9), inside) == 7


# --- Periods and entitlements --------------------------------------------------------------------


def test_the_school_year_turns_on_the_first_of_august():
    assert R.period_bounds(Period.SCHOOL_YEAR, D(2025, 7, 31)) == (D(2024, 8, 1), D(2025, 7, 31))
    assert R.period_bounds(Period.SCHOOL_YEAR, D(2025, 8, 1)) == (D(2025, 8, 1), D(2026, 7, 31))
    assert R.period_bounds(Period.CALENDAR_YEAR, D(2025, 8, 1)) == (D(2025, 1, 1), D(2025, 12, 31))


@pytest.mark.parametrize(
    ("raw", "rounded"),
    [("3.5", "3.5"), ("5.8333", "6"), ("1.1667", "1.5"), ("14", "14"), ("0.2", "0.5"), ("2.51", "3")],
)
def test_pro_rata_rounding_to_half_days(raw, rounded):
    # Less than half a day rounds up to half a day, more than half to a whole day.
    assert R.round_to_half_day(Decimal(raw)) == Decimal(rounded)


def _fixed(quota, period=Period.SCHOOL_YEAR, **kw) -> LeaveRule:
    return LeaveRule(leave_type_id=1, grant_kind=GrantKind.FIXED, quota_days=Decimal(quota), period=period, **kw)


def test_mid_year_starters_get_fixed_quotas_by_months_served():
    # A teacher hired 10 Feb 2025 serves Feb–Jul of school year 113 (2024-08-01 – 2025-07-31): 6 months.
    # 事假 7 × 6/12 = 3.5 days = 28 h; 病假 28 × 6/12 = 14 days = 112 h.
    hired = D(2025, 2, 10)
    assert R.granted_hours(_fixed(7), hire_date=hired, day=D(2025, 3, 3)) == 28
    assert R.granted_hours(_fixed(28), hire_date=hired, day=D(2025, 3, 3)) == 112
    # From the next school year the whole quota.
    assert R.granted_hours(_fixed(7), hire_date=hired, day=D(2025, 8, 1)) == 56
    # 職員 hired 15 Nov 2025 (calendar year): Nov–Dec = 2 months, 7 × 2/12 = 1.17 → 1.5 days = 12 h.
    assert R.granted_hours(_fixed(7, Period.CALENDAR_YEAR), hire_date=D(2025, 11, 15), day=D(2025, 12, 1)) == 12


SENIORITY = [[1, 7], [3, 14], [6, 21], [9, 28], [14, 30]]


@pytest.mark.parametrize(
    ("year", "days"),
    [
        (2015, 0),  # the year of hiring (1 Jan 2015): nothing yet
        (2016, 7),  # 1 year completed on 1 Jan 2016: from the 2nd year, 7 days
        (2017, 7),
        (2018, 14),  # 3 years: from the 4th year, 14 days
        (2020, 14),
        (2021, 21),  # 6 years: from the 7th year
        (2023, 21),
        (2024, 28),  # 9 years: from the 10th year
        (2028, 28),
        (2029, 30),  # 14 years: from the 15th year
        (2040, 30),
    ],
)
def test_vacation_by_seniority_for_staff(year, days):
    start = D(year, 1, 1)
    assert R.seniority_days(SENIORITY, hire_date=D(2015, 1, 1), period_start=start) == days


@pytest.mark.parametrize(
    ("hired", "days"),
    [
        (D(2024, 3, 1), Decimal("6")),  # Mar–Dec 2024 = 10 months: 7 × 10/12 = 5.83 → 6 days in 2025
        (D(2024, 7, 20), Decimal("3.5")),  # Jul–Dec = 6 months: 3.5 days
        (D(2024, 11, 15), Decimal("1.5")),  # Nov–Dec = 2 months: 1.17 → 1.5 days
        (D(2024, 1, 1), Decimal("7")),  # a full first year: 7 days
    ],
)
def test_vacation_pro_rata_for_the_first_year(hired, days):
    # 公務人員請假規則 §7: hired after January, the first year's months earn 7 days pro rata,
    # granted from the following 1 January.
    assert R.seniority_days(SENIORITY, hire_date=hired, period_start=D(2025, 1, 1)) == days
    assert R.seniority_days(SENIORITY, hire_date=hired, period_start=D(2024, 1, 1)) == 0


def test_vacation_for_teachers_with_posts_counts_school_years():
    # Hired 1 Aug 2024: school year 114 (from 1 Aug 2025) is the second: 7 days = 56 h.
    rule = LeaveRule(leave_type_id=1, grant_kind=GrantKind.SENIORITY, seniority_steps=SENIORITY,
                     period=Period.SCHOOL_YEAR)
    assert R.granted_hours(rule, hire_date=D(2024, 8, 1), day=D(2025, 9, 1)) == 56
    assert R.granted_hours(rule, hire_date=D(2024, 8, 1), day=D(2025, 7, 1)) == 0
    # Hired 1 Feb 2025: Feb–Jul = 6 months → 3.5 days (28 h) in school year 114.
    assert R.granted_hours(rule, hire_date=D(2025, 2, 1), day=D(2025, 9, 1)) == 28
    assert format_days_hours(28) == "3日4小時"


# --- Charges ---------------------------------------------------------------------------------------

PERSONAL, FAMILY, SICK, MENSTRUAL, COMP, VACATION = 1, 2, 3, 4, 5, 6


def _rules() -> dict[int, LeaveRule]:
    common = {"period": Period.SCHOOL_YEAR, "categories": ["subject_teacher"], "effective_from": D(2000, 1, 1)}
    return {
        PERSONAL: LeaveRule(leave_type_id=PERSONAL, grant_kind=GrantKind.FIXED, quota_days=7,
                            over_quota=OverQuota.UNPAID, **common),
        FAMILY: LeaveRule(leave_type_id=FAMILY, grant_kind=GrantKind.FIXED, quota_days=7, draws_from_id=PERSONAL,
                          over_quota=OverQuota.REFUSE, **common),
        SICK: LeaveRule(leave_type_id=SICK, grant_kind=GrantKind.FIXED, quota_days=28,
                        over_quota=OverQuota.OVERFLOW, overflow_to_id=PERSONAL, **common),
        MENSTRUAL: LeaveRule(leave_type_id=MENSTRUAL, grant_kind=GrantKind.AS_APPROVED, draws_from_id=SICK,
                             draws_from_free_days=3, **common),
        COMP: LeaveRule(leave_type_id=COMP, grant_kind=GrantKind.OVERTIME, over_quota=OverQuota.REFUSE, **common),
        VACATION: LeaveRule(leave_type_id=VACATION, grant_kind=GrantKind.FIXED, quota_days=2,
                            over_quota=OverQuota.REFUSE, **common),
    }


def _ledger(credits=()) -> R.Ledger:
    rules = _rules()
    return R.Ledger(hire_date=D(2015, 8, 1), rule_for=lambda type_id, day: rules.get(type_id),
                    type_names={COMP: "補休"}, credits=list(credits))


def _item(key, type_id, *days, strict=True, hours=8):
    return R.Item(key=key, rule=_rules()[type_id], start=at(days[0].year, days[0].month, days[0].day),
                  days=[R.DayLength(d, hours) for d in days], strict=strict)


def _totals(charges) -> dict[tuple[int, bool], int]:
    out: dict[tuple[int, bool], int] = {}
    for c in charges:
        out[(c.leave_type_id, c.unpaid)] = out.get((c.leave_type_id, c.unpaid), 0) + c.hours
    return out


def test_family_care_draws_from_personal_leave():
    ledger = _ledger()
    plan = ledger.allocate([
        _item("care", FAMILY, D(2025, 9, 1), D(2025, 9, 2)),  # 2 days of 家庭照顧假
        _item("personal", PERSONAL, *[D(2025, 10, d) for d in (1, 2, 3, 6, 7, 8)]),  # then 6 days of 事假
    ])
    # 家庭照顧假 2 days = 16 h from its own 7 days and 16 h from 事假's 7 days.
    assert _totals(plan["care"]) == {(FAMILY, False): 16, (PERSONAL, False): 16}
    # 事假 has 56 − 16 = 40 h left: of the 48 h asked, 40 h are paid and 8 h (one day) unpaid.
    assert _totals(plan["personal"]) == {(PERSONAL, False): 40, (PERSONAL, True): 8}
    assert ledger.used[(PERSONAL, "P2025-08-01")] == 56


def test_sick_leave_beyond_28_days_spills_into_personal_leave():
    ledger = _ledger()
    ledger.preload([(SICK, "P2025-08-01", 28 * 8, False)])  # 28 days of 病假 already taken
    plan = ledger.allocate([_item("sick", SICK, D(2026, 3, 2), D(2026, 3, 3))])
    # Two more sick days: 16 h charged to 事假 (which has 56 h).
    assert _totals(plan["sick"]) == {(PERSONAL, False): 16}
    ledger.preload([(PERSONAL, "P2025-08-01", 40, False)])  # 事假 now fully used (16 + 40 = 56)
    plan = ledger.allocate([_item("more", SICK, D(2026, 3, 4))])
    # And once 事假 is used up too, the day is unpaid 事假.
    assert _totals(plan["more"]) == {(PERSONAL, True): 8}


def test_menstrual_leave_counts_as_sick_after_three_days_a_year():
    plan = _ledger().allocate([_item(n, MENSTRUAL, D(2025, 8 + n, 4)) for n in range(1, 5)])
    for n in (1, 2, 3):
        assert _totals(plan[n]) == {(MENSTRUAL, False): 8}
    assert _totals(plan[4]) == {(MENSTRUAL, False): 8, (SICK, False): 8}


def test_comp_time_is_spent_oldest_first_and_expires():
    credits = [
        R.Credit(overtime_id=11, work_date=D(2024, 1, 10), expires_on=D(2026, 1, 9), hours=3),
        R.Credit(overtime_id=12, work_date=D(2024, 5, 2), expires_on=D(2026, 5, 1), hours=4),
    ]
    plan = _ledger(credits).allocate([_item("comp", COMP, D(2025, 12, 1), hours=5)])
    assert [(c.bucket, c.hours) for c in plan["comp"]] == [("OT:11", 3), ("OT:12", 2)]
    # On 12 Jan 2026 the first credit has expired: only credit 12's 4 h are left.
    with pytest.raises(LeaveError) as refused:
        _ledger(credits).allocate([_item("late", COMP, D(2026, 1, 12), hours=5)])
    assert refused.value.code == "insufficient_balance"
    plan = _ledger(credits).allocate([_item("ok", COMP, D(2026, 1, 12), hours=4)])
    assert [(c.bucket, c.hours) for c in plan["ok"]] == [("OT:12", 4)]


def test_charges_follow_the_school_year_across_the_first_of_august():
    plan = _ledger().allocate([_item("span", PERSONAL, D(2025, 7, 31), D(2025, 8, 1))])
    assert [(c.bucket, c.hours) for c in plan["span"]] == [("P2024-08-01", 8), ("P2025-08-01", 8)]


def test_an_earlier_request_that_no_longer_fits_is_kept_as_unpaid_not_refused():
    plan = _ledger().allocate([_item("old", COMP, D(2025, 12, 1), strict=False)])
    assert _totals(plan["old"]) == {(COMP, True): 8}


def test_a_new_request_may_not_take_the_quota_of_requests_already_made():
    # Two days of a two-day quota are taken on 10 and 11 Dec; a new request for 1 Dec, earlier in
    # date, must not squeeze them out: it is refused, whatever the order of the dates.
    made = [_item("a", VACATION, D(2025, 12, 10), strict=False), _item("b", VACATION, D(2025, 12, 11), strict=False)]
    with pytest.raises(LeaveError) as refused:
        _ledger().allocate([*made, _item("new", VACATION, D(2025, 12, 1))], strict_last=True)
    assert refused.value.code == "insufficient_balance"
    # In plain date order the early day would have fitted and pushed "b" over: the check must not use it.
    plan = _ledger().allocate([*made, _item("new", VACATION, D(2025, 12, 1))])
    assert _totals(plan["b"]) == {(VACATION, True): 8}
