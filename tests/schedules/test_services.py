"""Calendar and schedule changes: rules, audit, and the calendar_changed event."""

import datetime as dt

import pytest
import time_machine

from audit.models import AuditEntry
from schedules.calendar import Reason, duty_day
from schedules.models import CategorySchedule, PersonalSchedule, SchoolDay, Semester, TyphoonDay, WorkSchedule
from schedules.services import (
    ScheduleError,
    category_schedule_assign,
    personal_schedule_delete,
    personal_schedule_save,
    school_day_create,
    school_day_delete,
    school_day_update,
    semester_save,
    typhoon_day_declare,
    typhoon_day_withdraw,
    work_schedule_save,
    work_schedules_seed_defaults,
)
from staff.models import StaffCategory
from tests.factories import make_school, make_staff

T = dt.time
DAY = dt.date(2026, 11, 23)
TODAY = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def school(db):
    return make_school()


def test_typhoon_for_one_school_is_audited_and_announced(school, calendar_events):
    clerk = make_staff(school, category=StaffCategory.CIVIL_STAFF)
    typhoon = typhoon_day_declare(actor=clerk.user, day=DAY, school=school, label="")
    assert typhoon.label == "颱風停班停課"
    assert duty_day(clerk, DAY).reason == Reason.TYPHOON
    entry = AuditEntry.objects.get(action="schedules.typhoon_declared")
    assert entry.school == school and entry.actor == clerk.user and entry.data["scope"] == school.code
    [event] = calendar_events
    assert event == {
        "sender": TyphoonDay, "in_transaction": True, "signal": event["signal"], "school_ids": [school.pk],
        "start": DAY, "end": DAY, "staff_ids": None, "reason": "typhoon_declared",
        "cause": f"{DAY.month}/{DAY.day} 颱風停班停課宣布", "actor": clerk.user,
    }


def test_typhoon_for_all_schools_then_withdrawn(school, calendar_events):
    there = make_staff(make_school(), category=StaffCategory.CIVIL_STAFF)
    typhoon = typhoon_day_declare(actor=None, day=DAY, school=None, label="凱米颱風停班停課")
    assert duty_day(there, DAY).label == "凱米颱風停班停課"
    assert calendar_events[-1]["school_ids"] is None

    typhoon_day_withdraw(actor=None, typhoon=typhoon)
    assert duty_day(there, DAY).has_duty
    assert not TyphoonDay.objects.exists()
    assert AuditEntry.objects.filter(action="schedules.typhoon_withdrawn").exists()
    assert [e["reason"] for e in calendar_events] == ["typhoon_declared", "typhoon_withdrawn"]


def test_typhoon_cannot_be_declared_twice(school):
    typhoon_day_declare(actor=None, day=DAY, school=school)
    with pytest.raises(ScheduleError) as caught:
        typhoon_day_declare(actor=None, day=DAY, school=school)
    assert caught.value.code == "typhoon_already_declared"
    typhoon_day_declare(actor=None, day=DAY, school=None)  # the city's declaration covers everyone
    with pytest.raises(ScheduleError) as caught:
        typhoon_day_declare(actor=None, day=DAY, school=make_school())
    assert caught.value.code == "typhoon_already_citywide"
    assert TyphoonDay.objects.count() == 2


def test_school_day_rules(school, calendar_events):
    saturday = dt.date(2026, 11, 28)
    with pytest.raises(ScheduleError) as caught:
        school_day_create(actor=None, school=school, day=DAY, kind=SchoolDay.Kind.MAKEUP_DAY, label="補課")
    assert caught.value.code == "makeup_on_workday"
    with pytest.raises(ScheduleError) as caught:
        school_day_create(actor=None, school=school, day=saturday, kind=SchoolDay.Kind.DAY_OFF, label="校慶補假")
    assert caught.value.code == "day_off_on_day_off"
    with pytest.raises(ScheduleError) as caught:
        school_day_create(actor=None, school=school, day=DAY, kind=SchoolDay.Kind.EXAM, label="  ")
    assert caught.value.code == "label_required"
    assert calendar_events == [] and not SchoolDay.objects.exists()

    entry = school_day_create(actor=None, school=school, day=DAY, kind=SchoolDay.Kind.DAY_OFF, label="校慶補假")
    with pytest.raises(ScheduleError) as caught:
        school_day_create(actor=None, school=school, day=DAY, kind=SchoolDay.Kind.EXAM, label="期中考")
    assert caught.value.code == "school_day_exists"

    school_day_update(actor=None, school_day=entry, day=DAY + dt.timedelta(days=1), kind=SchoolDay.Kind.DAY_OFF,
                      label="校慶補假")
    assert (calendar_events[-1]["start"], calendar_events[-1]["end"]) == (DAY, DAY + dt.timedelta(days=1))
    school_day_delete(actor=None, school_day=entry)
    assert [e["reason"] for e in calendar_events] == ["school_day_created", "school_day_updated", "school_day_deleted"]
    assert AuditEntry.objects.filter(action__startswith="schedules.school_day_").count() == 3


def test_semester_must_lie_in_its_school_year_and_not_overlap(school, calendar_events):
    with pytest.raises(Exception, match="學年度之內"):
        semester_save(actor=None, semester=Semester(school=school, school_year=115, term=1,
                                                    start_date=dt.date(2026, 7, 1), end_date=dt.date(2027, 1, 20)))
    first = semester_save(actor=None, semester=Semester(school=school, school_year=115, term=1,
                                                        start_date=dt.date(2026, 8, 31), end_date=dt.date(2027, 1, 20)))
    with pytest.raises(Exception, match="重疊"):
        semester_save(actor=None, semester=Semester(school=school, school_year=115, term=2,
                                                    start_date=dt.date(2027, 1, 15), end_date=dt.date(2027, 6, 30)))
    assert list(Semester.objects.all()) == [first]
    [event] = calendar_events
    assert (event["start"], event["end"]) == (dt.date(2026, 8, 1), dt.date(2027, 7, 31))


@time_machine.travel(TODAY, tick=False)
def test_personal_schedules_may_not_overlap(school, calendar_events):
    clerk = make_staff(school, category=StaffCategory.CIVIL_STAFF)
    part_time = WorkSchedule.objects.create(school=school, name="部分工時", start=T(9), end=T(13))
    first = personal_schedule_save(actor=None, override=PersonalSchedule(
        staff=clerk, schedule=part_time, start_date=dt.date(2026, 9, 1), end_date=None, reason="部分工時"))
    assert calendar_events[-1]["staff_ids"] == [clerk.pk]
    assert (calendar_events[-1]["start"], calendar_events[-1]["end"]) == (dt.date(2026, 9, 1), dt.date(2026, 11, 22))
    with pytest.raises(Exception, match="已有個人班別"):
        personal_schedule_save(actor=None, override=PersonalSchedule(
            staff=clerk, schedule=part_time, start_date=dt.date(2027, 1, 1), end_date=dt.date(2027, 1, 31), reason="x"))
    first.end_date = dt.date(2026, 12, 31)
    personal_schedule_save(actor=None, override=first)
    second = personal_schedule_save(actor=None, override=PersonalSchedule(
        staff=clerk, schedule=part_time, start_date=dt.date(2027, 1, 1), end_date=dt.date(2027, 1, 31), reason="x"))
    assert duty_day(clerk, dt.date(2027, 1, 4)).start == T(9)
    personal_schedule_delete(actor=None, override=second)
    assert duty_day(clerk, dt.date(2027, 1, 4)).start == T(7, 30)
    assert AuditEntry.objects.filter(action__startswith="schedules.personal_schedule_").count() == 4


def test_personal_schedule_of_another_school_is_refused(school):
    clerk = make_staff(school, category=StaffCategory.CIVIL_STAFF)
    elsewhere = WorkSchedule.objects.create(school=make_school(), name="他校班別", start=T(9), end=T(13))
    with pytest.raises(Exception, match="不屬於此人的學校"):
        personal_schedule_save(actor=None, override=PersonalSchedule(
            staff=clerk, schedule=elsewhere, start_date=dt.date(2026, 9, 1), reason="x"))


@time_machine.travel(TODAY, tick=False)
def test_category_schedule_from_a_date(school, calendar_events):
    work_schedules_seed_defaults(school=school)
    assert calendar_events == []  # the seeded rules are what the calendar already answered
    clerk = make_staff(school, category=StaffCategory.CIVIL_STAFF)
    later = WorkSchedule.objects.create(school=school, name="行政人員 08:00–17:00", start=T(8), end=T(17))
    category_schedule_assign(actor=None, school=school, category=StaffCategory.CIVIL_STAFF, schedule=later,
                             effective_from=dt.date(2027, 8, 1))
    assert duty_day(clerk, dt.date(2027, 7, 30)).start == T(7, 30)
    assert duty_day(clerk, dt.date(2027, 8, 2)).start == T(8)
    [event] = calendar_events
    assert (event["start"], event["end"]) == (dt.date(2027, 8, 1), dt.date(2027, 8, 1))  # future: nothing to redo
    with pytest.raises(ScheduleError) as caught:
        category_schedule_assign(actor=None, school=make_school(), category=StaffCategory.CIVIL_STAFF,
                                 schedule=later, effective_from=dt.date(2027, 8, 1))
    assert caught.value.code == "schedule_other_school"


def test_seed_is_idempotent(school):
    created = work_schedules_seed_defaults(school=school)
    assert len(created) == len(StaffCategory.values)
    assert work_schedules_seed_defaults(school=school) == []
    assert WorkSchedule.objects.filter(school=school).count() == 5
    junior = CategorySchedule.objects.get(school=school, category=StaffCategory.HOMEROOM_JUNIOR).schedule
    assert (junior.start, junior.end, junior.school_day_arrival) == (T(8), T(16), T(7, 30))
    hourly = CategorySchedule.objects.get(school=school, category=StaffCategory.HOURLY_SUBSTITUTE).schedule
    assert not hourly.has_duty


@time_machine.travel(TODAY, tick=False)
def test_times_of_a_schedule_in_effect_cannot_change(school, calendar_events):
    work_schedules_seed_defaults(school=school)
    office = WorkSchedule.objects.get(school=school, name__startswith="行政人員")
    office.start = T(8)
    with pytest.raises(ScheduleError) as caught:
        work_schedule_save(actor=None, schedule=office)
    assert caught.value.code == "schedule_in_effect"
    office.refresh_from_db()
    office.note = "行政教師、職員（說明修改）"
    work_schedule_save(actor=None, schedule=office)  # a note is not history
    fresh = work_schedule_save(actor=None, schedule=WorkSchedule(school=school, name="新班別", start=T(8), end=T(17)))
    fresh.grace_minutes = 10
    work_schedule_save(actor=None, schedule=fresh)  # not in effect yet: may change
    assert WorkSchedule.objects.get(pk=fresh.pk).grace_minutes == 10
    assert [e["reason"] for e in calendar_events] == ["work_schedule_saved", "work_schedule_saved"]
