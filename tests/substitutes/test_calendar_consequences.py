"""A calendar change reaches leave, coverage and pay in its own transaction, and tells each person once.

The world (tests/substitutes/conftest.py) on Thursday 9 October 2025:
- 王老師 (teacher): approved 事假 for the whole day; her P1 is covered by 林主任 (other_head), P3 is open;
- 李導師 (other_teacher): a pending 事假 for the morning (P2, P3);
- 趙代課 (hourly): an absence recorded by 教學組 for P4.
Periods (standard bells): P1 08:10–09:00, P2 09:10–10:00, P3 10:10–11:00, P4 11:10–12:00.
"""

import datetime as dt

import pytest
import time_machine

from audit.models import AuditEntry
from leave.models import LeaveRequest, LeaveStatus, LeaveType
from leave.selectors import leave_balances
from leave.services import approval_chains_seed, leave_request_submit, leave_step_approve, leave_types_seed
from notifications.models import Notification
from schedules.models import TyphoonDay
from schedules.services import (
    office_calendar_import,
    typhoon_day_change,
    typhoon_day_declare,
    typhoon_day_preview,
    typhoon_day_withdraw,
)
from staff.models import District
from substitutes.models import CoverageAssignment, CoverageNeed
from substitutes.selectors import pay_report
from substitutes.services import absence_record, coverage_assign
from tests.substitutes.conftest import THU, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(school_setup):
    s = school_setup
    leave_types_seed(school=s["school"])
    approval_chains_seed(school=s["school"])
    personal = LeaveType.objects.get(school=s["school"], code="personal")
    with time_machine.travel(at(dt.date(2025, 10, 1), "09:00"), tick=False):
        approved = leave_request_submit(
            applicant=s["teacher"], leave_type=personal, start=at(THU, "08:00"), end=at(THU, "16:00"),
            deputy=s["other_teacher"], reason="家中有事", class_arrangement="請教學組安排代課",
        )
        for actor in (s["other_teacher"], s["unit_head"]):
            leave_step_approve(request=approved, actor=actor)
        pending = leave_request_submit(
            applicant=s["other_teacher"], leave_type=personal, start=at(THU, "08:00"), end=at(THU, "12:00"),
            deputy=s["unit_head"], reason="看病", class_arrangement="請教學組安排代課",
        )
        absence_record(actor=s["academic"], teacher=s["hourly"], start=at(THU, "11:00"), end=at(THU, "12:00"))
        p1 = CoverageNeed.objects.get(teacher=s["teacher"], date=THU, period_number=1)
        assignment = coverage_assign(need_id=p1.pk, substitute_id=s["other_head"].pk, actor=s["academic"])
    approved.refresh_from_db()
    pending.refresh_from_db()
    assert approved.status == LeaveStatus.APPROVED and approved.hours == 8
    assert pending.status == LeaveStatus.PENDING and pending.hours == 4
    Notification.objects.all().delete()
    return {**s, "approved": approved, "pending": pending, "assignment": assignment, "personal": personal}


def live_needs(school) -> set[tuple[str, int]]:
    return set(
        CoverageNeed.objects.filter(school=school, date=THU)
        .exclude(status=CoverageNeed.Status.CANCELLED)
        .values_list("teacher__name", "period_number")
    )


def personal_used(world, who) -> tuple[int, int]:
    """(used, pending) hours of 事假 in the school year."""
    rows = leave_balances(staff_members=[world[who]], on=THU)[world[who].pk]
    row = next(r for r in rows if r.leave_type.code == "personal")
    return row.used, row.pending


def kinds(staff) -> list[str]:
    return sorted(Notification.objects.filter(recipient=staff.user).values_list("kind", flat=True))


ALL_NEEDS = {("王老師", 1), ("王老師", 3), ("李導師", 2), ("李導師", 3), ("趙代課", 4)}


def test_the_world_before_any_change(world):
    assert live_needs(world["school"]) == ALL_NEEDS
    assert personal_used(world, "teacher") == (8, 0)
    assert personal_used(world, "other_teacher") == (0, 4)
    report = pay_report(school=world["school"], year=2025, month=10)
    assert report.total_periods == 1


def test_a_typhoon_day_releases_the_leave_drops_the_cover_and_tells_everyone_once(world):
    personnel = world["personnel"]
    typhoon = typhoon_day_declare(actor=personnel.user, day=THU, school=world["school"], label="颱風停班停課")

    # Leave: nothing is counted on a day without work, and the hours are back in the balance.
    approved, pending = world["approved"], world["pending"]
    approved.refresh_from_db()
    pending.refresh_from_db()
    assert (approved.status, approved.hours, approved.days.count()) == (LeaveStatus.APPROVED, 0, 0)
    assert (pending.status, pending.hours) == (LeaveStatus.PENDING, 0)
    assert personal_used(world, "teacher") == (0, 0)
    assert personal_used(world, "other_teacher") == (0, 0)
    history = AuditEntry.objects.get(action="leave.recounted", target_id=str(approved.pk))
    assert history.data["before_hours"] == 8 and history.data["after_hours"] == 0
    assert history.data["cause"] == "10/9 颱風停班停課宣布"
    assert "少計 1日0小時" in history.data["comment"]

    # Coverage and pay: no class, no cover, no pay.
    assert live_needs(world["school"]) == set()
    world["assignment"].refresh_from_db()
    assert world["assignment"].status == CoverageAssignment.Status.CANCELLED
    assert pay_report(school=world["school"], year=2025, month=10).total_periods == 0

    # Each person told once.
    assert kinds(world["teacher"]) == ["leave.recounted"]
    assert kinds(world["other_teacher"]) == ["leave.recounted"]
    assert kinds(world["other_head"]) == ["substitutes.calendar_cancelled"]
    assert kinds(world["academic"]) == ["substitutes.calendar_changed"]
    notice = Notification.objects.get(recipient=world["teacher"].user)
    assert "10/9 颱風停班停課宣布" in notice.title and "少計 1日0小時" in notice.body
    told = Notification.objects.get(recipient=world["academic"].user)
    assert told.body.count("\n- ") == 5  # the five periods dropped, listed

    # Withdrawn: all of it comes back (the cover must be arranged again), and everyone hears once more.
    Notification.objects.all().delete()
    typhoon_day_withdraw(actor=personnel.user, typhoon=typhoon)
    approved.refresh_from_db()
    pending.refresh_from_db()
    assert (approved.hours, pending.hours) == (8, 4)
    assert personal_used(world, "teacher") == (8, 0)
    assert personal_used(world, "other_teacher") == (0, 4)
    assert live_needs(world["school"]) == ALL_NEEDS
    assert kinds(world["teacher"]) == ["leave.recounted"]
    assert kinds(world["academic"]) == ["substitutes.calendar_changed"]
    assert "恢復上課" in Notification.objects.get(recipient=world["academic"].user).body
    assert kinds(world["other_head"]) == []  # nothing is assigned to them any more


def test_an_afternoon_stop_releases_only_the_afternoon(world):
    typhoon_day_declare(
        actor=None, day=THU, school=world["school"], start_time=dt.time(10, 0), label="颱風停班停課"
    )
    world["approved"].refresh_from_db()
    world["pending"].refresh_from_db()
    # 王老師's day is 08:00–16:00: from 10:00 nothing counts, 08:00–10:00 is 2 hours.
    assert world["approved"].hours == 2
    assert world["pending"].hours == 2
    # P1 and P2 are before 10:00 and still held; P3 and P4 are not.
    assert live_needs(world["school"]) == {("王老師", 1), ("李導師", 2)}
    world["assignment"].refresh_from_db()
    assert world["assignment"].status == CoverageAssignment.Status.ACTIVE


def test_a_morning_stop_releases_only_the_morning(world):
    typhoon_day_declare(actor=None, day=THU, school=world["school"], end_time=dt.time(12, 0))
    world["approved"].refresh_from_db()
    world["pending"].refresh_from_db()
    assert world["pending"].hours == 0  # her leave was in the morning only
    assert world["approved"].hours == 4  # a teacher's day has no lunch break: 12:00–16:00
    assert live_needs(world["school"]) == set()


def test_classes_stopped_but_not_work_drop_the_cover_and_keep_the_leave(world):
    typhoon_day_declare(actor=None, day=THU, school=world["school"], stops_work=False, stops_classes=True)
    world["approved"].refresh_from_db()
    assert world["approved"].hours == 8
    assert personal_used(world, "teacher") == (8, 0)
    assert live_needs(world["school"]) == set()
    assert pay_report(school=world["school"], year=2025, month=10).total_periods == 0
    assert kinds(world["teacher"]) == []


def test_work_stopped_but_classes_held_keeps_the_cover(world):
    typhoon_day_declare(actor=None, day=THU, school=world["school"], stops_work=True, stops_classes=False)
    world["approved"].refresh_from_db()
    assert world["approved"].hours == 0
    # Without work nobody teaches: a whole day without work is no school day either.
    assert live_needs(world["school"]) == set()


def test_a_district_declaration_reaches_the_schools_of_the_district_only(world):
    lingya, qianzhen = District.objects.create(name="苓雅區"), District.objects.create(name="前鎮區")
    school = world["school"]
    school.district = lingya
    school.save()
    typhoon = typhoon_day_declare(actor=None, day=THU, districts=[qianzhen])
    world["approved"].refresh_from_db()
    assert world["approved"].hours == 8 and live_needs(school) == ALL_NEEDS

    typhoon_day_change(actor=None, typhoon=typhoon, districts=[qianzhen, lingya])
    world["approved"].refresh_from_db()
    assert world["approved"].hours == 0 and live_needs(school) == set()
    assert TyphoonDay.objects.get().scope == TyphoonDay.Scope.DISTRICTS


def test_moving_a_declaration_to_the_afternoon_counts_the_morning_again(world):
    typhoon = typhoon_day_declare(actor=None, day=THU, school=world["school"])
    Notification.objects.all().delete()
    typhoon_day_change(actor=None, typhoon=typhoon, start_time=dt.time(10, 0))
    world["approved"].refresh_from_db()
    assert world["approved"].hours == 2
    assert live_needs(world["school"]) == {("王老師", 1), ("李導師", 2)}
    assert kinds(world["teacher"]) == ["leave.recounted"]


def test_the_preview_shows_the_consequences_and_changes_nothing(world):
    consequences = typhoon_day_preview(actor=world["personnel"].user, day=THU, school=world["school"])
    assert {c["applicant"] for c in consequences["leave_recounted"]} == {"王老師", "李導師"}
    assert len(consequences["period_dropped"]) == 5
    assert [c["substitute"] for c in consequences["assignment_cancelled"]] == ["林主任"]
    # Nothing happened.
    assert not TyphoonDay.objects.exists()
    world["approved"].refresh_from_db()
    assert world["approved"].hours == 8 and live_needs(world["school"]) == ALL_NEEDS
    assert not Notification.objects.exists()
    assert not AuditEntry.objects.filter(action__in=["leave.recounted", "schedules.typhoon_declared"]).exists()


def test_an_office_calendar_import_that_makes_a_holiday_does_what_a_typhoon_day_does(world):
    rows = ["西元日期,星期,是否放假,備註"]
    day = dt.date(2025, 1, 1)
    while day.year == 2025:
        off = day.weekday() >= 5 or day == THU
        note = "調整放假" if day == THU else ""
        rows.append(f"{day:%Y%m%d},{'一二三四五六日'[day.weekday()]},{2 if off else 0},{note}")
        day += dt.timedelta(days=1)
    office_calendar_import(actor=world["personnel"].user, content="\n".join(rows).encode(), source_name="115.csv")
    world["approved"].refresh_from_db()
    assert world["approved"].hours == 0
    assert live_needs(world["school"]) == set()
    assert kinds(world["teacher"]) == ["leave.recounted"]
    assert kinds(world["academic"]) == ["substitutes.calendar_changed"]


def test_a_recount_twice_changes_nothing_more(world):
    from leave.services.recount import leave_recount_for_calendar

    assert leave_recount_for_calendar(school_ids=[world["school"].pk], start=THU, end=THU) == []
    assert LeaveRequest.objects.get(pk=world["approved"].pk).hours == 8


def test_a_school_day_off_does_what_a_typhoon_day_does_and_deleting_it_undoes_it(world):
    from schedules.models import SchoolDay
    from schedules.services import school_day_create, school_day_delete

    entry = school_day_create(actor=world["personnel"].user, school=world["school"], day=THU,
                              kind=SchoolDay.Kind.DAY_OFF, label="校慶補假")
    world["approved"].refresh_from_db()
    assert world["approved"].hours == 0 and live_needs(world["school"]) == set()
    assert kinds(world["teacher"]) == ["leave.recounted"]
    school_day_delete(actor=world["personnel"].user, school_day=entry)
    world["approved"].refresh_from_db()
    assert world["approved"].hours == 8 and live_needs(world["school"]) == ALL_NEEDS


def test_a_semester_that_ends_earlier_drops_the_classes_after_it(world):
    from schedules.services import semester_save

    semester = world["semester"]
    semester.end_date = THU - dt.timedelta(days=1)  # Thursday's classes are no longer in the semester
    semester_save(actor=world["personnel"].user, semester=semester)
    assert live_needs(world["school"]) == set()
    world["assignment"].refresh_from_db()
    assert world["assignment"].status == CoverageAssignment.Status.CANCELLED
    assert pay_report(school=world["school"], year=2025, month=10).total_periods == 0


def test_the_recount_reads_the_calendar_once_whatever_the_number_of_requests(world):
    """A recount's queries do not grow with the requests it counts: the applicants, their lock, the requests
    with their days, and the calendar once for all of them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from leave.services.recount import leave_recount_for_calendar

    def recount_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert leave_recount_for_calendar(school_ids=[world["school"].pk], start=THU, end=THU) == []
        return len(ctx.captured_queries)

    two = recount_queries()
    with time_machine.travel(at(dt.date(2025, 10, 1), "09:00"), tick=False):
        for who in ("unit_head", "principal", "personnel", "academic"):
            leave_request_submit(
                applicant=world[who], leave_type=world["personal"], start=at(THU, "13:00"), end=at(THU, "15:00"),
                deputy=world["other_head"], reason="事", class_arrangement="無課務",
            )
    assert LeaveRequest.objects.filter(start__date=THU).count() == 6
    assert recount_queries() == two
