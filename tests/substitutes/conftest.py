"""A school with a timetable, and a way to say what the leave module would say.

The contract with the leave module is ``publish_leave_changed(LeaveEvent)`` (leave/events.py): most
tests here publish events by hand to pin down each case; test_leave_integration.py, test_worker.py and
the browser journey go through the real leave services instead.
"""

import datetime as dt

import pytest
from django.utils import timezone

from leave.events import LeaveEvent, publish_leave_changed
from schedules.calendar import is_school_day
from schedules.models import BellPeriod, Division, Semester, TimetableEntry
from schedules.timetables_services import bell_schedule_ensure_standard
from staff.models import StaffCategory
from substitutes.models import CoverageNeed, CoverageSettings
from substitutes.services import coverage_assign
from tests.clock import at
from tests.factories import make_staff

THU = dt.date(2025, 10, 9)  # a Thursday; Friday 10/10 is 國慶日
FRI = dt.date(2025, 10, 10)


def next_school_thursday(school) -> dt.date:
    """The first Thursday after today with classes (browser tests run at the real date)."""
    day = timezone.localdate() + dt.timedelta(days=1)
    while day.isoweekday() != 4 or not is_school_day(school, day):
        day += dt.timedelta(days=1)
    return day


def classes_on_next_thursday(setup) -> dt.date:
    """Move the fixture's semester (114-1) around the coming Thursday with classes (browser tests run at
    the real date) and return that Thursday."""
    thursday = next_school_thursday(setup["school"])
    semester = setup["semester"]
    semester.start_date, semester.end_date = thursday - dt.timedelta(days=60), thursday + dt.timedelta(days=60)
    semester.save()
    return thursday


def add_class(semester, teacher, weekday, number, class_name, subject, division=Division.SENIOR, room=""):
    period = BellPeriod.objects.get(school=semester.school, division=division, number=number)
    return TimetableEntry.objects.create(
        semester=semester, teacher=teacher, weekday=weekday, period=period, class_name=class_name,
        subject=subject, room=room,
    )



@pytest.fixture
def school_setup(people):
    """people + 114-1 semester + the standard bells + timetables:

    王老師 (teacher, 國文): Thu P1 高一 3 班, Thu P3 高一 5 班, Fri P2 高一 3 班, Mon P1 高一 3 班
    李導師 (other_teacher, 國文): Thu P2 高二 1 班, Thu P3 高二 1 班
    陳主任 (unit_head, 數學): Thu P1 高三 2 班
    林主任 (other_head, 英文): no classes on Thursday
    趙代課 (hourly, 國文): Thu P4 高一 3 班 (an hourly 代課教師, the outside pool)
    """
    school = people["school"]
    bell_schedule_ensure_standard(school=school)
    semester = Semester.objects.create(
        school=school, school_year=114, term=1, start_date=dt.date(2025, 8, 30), end_date=dt.date(2026, 1, 20)
    )
    hourly = make_staff(
        school, category=StaffCategory.HOURLY_SUBSTITUTE, name="趙代課", username="hourly", title="代課教師"
    )
    t, o = people["teacher"], people["other_teacher"]
    add_class(semester, t, 4, 1, "高一 3 班", "國文", room="301")
    add_class(semester, t, 4, 3, "高一 5 班", "國文", room="305")
    add_class(semester, t, 5, 2, "高一 3 班", "國文", room="301")
    add_class(semester, t, 1, 1, "高一 3 班", "國文", room="301")
    add_class(semester, o, 4, 2, "高二 1 班", "國文")
    add_class(semester, o, 4, 3, "高二 1 班", "國文")
    add_class(semester, people["unit_head"], 4, 1, "高三 2 班", "數學")
    add_class(semester, hourly, 4, 4, "高一 3 班", "國文")
    return {**people, "semester": semester, "hourly": hourly}


@pytest.fixture
def leave():
    """leave(teacher, spans, action=..., request_id=..., previous=..., paid_by=...) publishes a LeaveEvent."""

    def _publish(teacher, spans, *, action="submitted", request_id=101, previous=(), paid_by="school",
                 type_code="personal", type_name="事假", actor=None):
        event = LeaveEvent(
            leave_request_id=request_id, staff_id=teacher.pk, school_id=teacher.school_id, action=action,
            leave_type_code=type_code, leave_type_name=type_name, spans=tuple(spans), previous_spans=tuple(previous),
            actor_user_id=(actor or teacher).user_id, substitute_paid_by=paid_by,
        )
        publish_leave_changed(event)
        return event

    return _publish


EARLIER_THU = dt.date(2025, 10, 2)


@pytest.fixture
def proposal_world(people, leave):
    """A school where the greedy choice is not optimal. Rules: 1 cover period a day, 5 a week, runs of 3.

    王老師 (國文, 教務處) is away on Thursday 10/9: P1 高一 3 班, P2 高一 5 班, P3 高一 7 班 need cover.
    甲老師 (國文, 學務處): no class on Thursdays; no cover this month.
    乙老師 (國文, 學務處): teaches P2 and P3 on Thursdays; covered one period on 10/2 (this month).
    丙老師 (數學, 教務處 like 王老師): teaches P1 and P2 on Thursdays.
    李導師 (學務處): teaches P1–P4 on Thursdays (never free).
    趙代課 (hourly, 國文): the outside pool, free.
    The heads of units (陳主任, 林主任, 吳組長) and the principal (黃校長) are free but come last.
    """
    school = people["school"]
    bell_schedule_ensure_standard(school=school)
    semester = Semester.objects.create(
        school=school, school_year=114, term=1, start_date=dt.date(2025, 8, 30), end_date=dt.date(2026, 1, 20)
    )
    units = people["units"]
    jia = make_staff(school, unit=units["student"], name="甲老師", username="jia")
    yi = make_staff(school, unit=units["student"], name="乙老師", username="yi")
    bing = make_staff(school, unit=units["academic"], name="丙老師", username="bing")
    pool = make_staff(school, category=StaffCategory.HOURLY_SUBSTITUTE, name="趙代課", username="zhao")
    wang, li = people["teacher"], people["other_teacher"]
    for number, class_name in ((1, "高一 3 班"), (2, "高一 5 班"), (3, "高一 7 班")):
        add_class(semester, wang, 4, number, class_name, "國文")
    for number in (1, 2, 3, 4):
        add_class(semester, li, 4, number, "高二 1 班", "國文")
    add_class(semester, jia, 1, 1, "高三 1 班", "國文")
    add_class(semester, yi, 4, 2, "高三 2 班", "國文")
    add_class(semester, yi, 4, 3, "高三 2 班", "國文")
    add_class(semester, bing, 4, 1, "高三 3 班", "數學")
    add_class(semester, bing, 4, 2, "高三 3 班", "數學")
    add_class(semester, pool, 1, 2, "高三 4 班", "國文")
    CoverageSettings.objects.create(
        school=school, max_cover_per_day=1, max_cover_per_week=5, max_consecutive_periods=3
    )
    # 乙老師 covered 李導師's P1 on 10/2: one cover period this month.
    leave(li, [(at(EARLIER_THU, "08:00"), at(EARLIER_THU, "09:05"))], request_id=201)
    earlier = CoverageNeed.objects.get(teacher=li, date=EARLIER_THU)
    coverage_assign(actor=people["academic"], need_id=earlier.pk, substitute_id=yi.pk)
    leave(wang, [(at(THU, "07:30"), at(THU, "17:00"))], request_id=202)
    needs = list(CoverageNeed.objects.filter(teacher=wang).order_by("starts_at"))
    assert [n.period_number for n in needs] == [1, 2, 3]
    return {**people, "semester": semester, "jia": jia, "yi": yi, "bing": bing, "pool": pool, "needs": needs}
