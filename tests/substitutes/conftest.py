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
from tests.clock import at  # noqa: F401  (the tests of this app import it from here)
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
