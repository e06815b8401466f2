"""Overtime (加班) hours from the actual punches: attendance's punch_span, settled by the nightly task and
again when a punch or an approved 補登 for the day arrives later.

The clerk (職員) has duty 07:30–16:30 on a workday. Overtime counts whole hours, the rest dropped:
- workday: the approved span ∩ [16:30 (end of the duty window), last 下班];
- day off: the approved span ∩ [first 上班, last 下班].
"""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from attendance.models import PunchKind
from attendance.selectors import PunchSpan, punch_span, punch_spans
from attendance.services import punch_correction_approve, punch_correction_request, punch_record
from audit.models import AuditEntry
from config.celery import app
from leave.models import OvertimeRequest
from leave.services import overtime_decide, overtime_settle, overtime_submit, overtimes_settle_due
from leave.tasks import settle_overtime
from staff.models import StaffCategory
from tests.factories import make_staff
from tests.leave.conftest import at

pytestmark = pytest.mark.django_db

WORKDAY = dt.date(2025, 10, 8)  # Wednesday
DAY_OFF = dt.date(2025, 10, 11)  # Saturday
Settlement = OvertimeRequest.Settlement


@pytest.fixture
def clerk(school):
    return make_staff(school["school"], unit=school["units"]["personnel"], category=StaffCategory.CIVIL_STAFF,
                      name="趙幹事")


def approved(school, staff, day: dt.date, start: tuple[int, int], end: tuple[int, int]) -> OvertimeRequest:
    with time_machine.travel(at(day.year, day.month, day.day, 7), tick=False):
        overtime = overtime_submit(staff=staff, planned_start=at(day.year, day.month, day.day, *start),
                                   planned_end=at(day.year, day.month, day.day, *end), reason="校慶籌備")
        return overtime_decide(overtime=overtime, actor=school["personnel"], approve=True)


def punch(staff, kind: str, day: dt.date, hour: int, minute: int) -> None:
    moment = at(day.year, day.month, day.day, hour, minute)
    with time_machine.travel(moment, tick=False):
        punch_record(staff=staff, kind=kind, ip="10.0.0.1", now=moment)


def settle_nightly(day: dt.date) -> int:
    """The beat task as it runs at 00:30 the next night."""
    after = day + dt.timedelta(days=1)
    with time_machine.travel(at(after.year, after.month, after.day, 0, 30), tick=False):
        return settle_overtime.delay().get()


def day_off_settled(school, staff, planned: tuple[tuple[int, int], tuple[int, int]],
                    punched: tuple[tuple[int, int], tuple[int, int]]) -> OvertimeRequest:
    """Overtime approved for DAY_OFF, punched in and out, settled by the nightly task."""
    overtime = approved(school, staff, DAY_OFF, *planned)
    punch(staff, PunchKind.IN, DAY_OFF, *punched[0])
    punch(staff, PunchKind.OUT, DAY_OFF, *punched[1])
    settle_nightly(DAY_OFF)
    overtime.refresh_from_db()
    return overtime



def test_the_nightly_task_is_on_the_beat_schedule():
    entry = app.conf.beat_schedule["leave-settle-overtime"]
    assert entry["task"] == settle_overtime.name == "leave.tasks.settle_overtime"


def test_punch_span_reads_the_kept_punches_in_one_query(clerk, django_assert_num_queries):
    punch(clerk, PunchKind.IN, WORKDAY, 7, 25)
    punch(clerk, PunchKind.OUT, WORKDAY, 17, 0)
    punch(clerk, PunchKind.OUT, WORKDAY, 18, 40)  # the last 下班 is the one kept
    punch(clerk, PunchKind.OUT, DAY_OFF, 12, 0)
    with django_assert_num_queries(1):  # the punches of the people and days asked for
        spans = punch_spans([(clerk.pk, WORKDAY), (clerk.pk, DAY_OFF), (clerk.pk, dt.date(2025, 10, 9))])
    assert spans == {
        (clerk.pk, WORKDAY): PunchSpan(first_in=at(2025, 10, 8, 7, 25), last_out=at(2025, 10, 8, 18, 40)),
        (clerk.pk, DAY_OFF): PunchSpan(first_in=None, last_out=at(2025, 10, 11, 12)),
    }
    assert punch_span(clerk.pk, dt.date(2025, 10, 9)) is None


def test_workday_overtime_counts_from_the_end_of_duty_to_the_last_punch_out(school, clerk):
    overtime = approved(school, clerk, WORKDAY, (16, 30), (19, 0))
    punch(clerk, PunchKind.IN, WORKDAY, 7, 25)
    punch(clerk, PunchKind.OUT, WORKDAY, 18, 40)
    overtime.refresh_from_db()
    assert overtime.settled_at is None  # the day has not ended: nothing settled while it runs
    assert settle_nightly(WORKDAY) == 1
    overtime.refresh_from_db()
    # [16:30, 19:00] ∩ [16:30, 18:40] = 2 h 10 min → 2 whole hours.
    assert (overtime.settlement, overtime.credited_hours) == (Settlement.PUNCHES, 2)
    assert (overtime.worked_start, overtime.worked_end) == (at(2025, 10, 8, 16, 30), at(2025, 10, 8, 18, 40))
    assert overtime.expires_on == dt.date(2027, 10, 7)
    entry = AuditEntry.objects.get(action="leave.overtime_settled")
    assert entry.actor is None and entry.data["credited"] == 2 and entry.data["settlement"] == "punches"


def test_day_off_overtime_counts_from_the_first_punch_in_to_the_last_punch_out(school, clerk):
    overtime = day_off_settled(school, clerk, ((9, 0), (13, 0)), ((9, 10), (12, 55)))
    # [09:00, 13:00] ∩ [09:10, 12:55] = 3 h 45 min → 3 whole hours (under the 8 h day-off cap).
    assert (overtime.settlement, overtime.credited_hours) == (Settlement.PUNCHES, 3)
    assert overtime.is_credit


def test_no_punch_settles_zero_hours_marked_missing(school, clerk):
    overtime = approved(school, clerk, DAY_OFF, (9, 0), (13, 0))
    settle_nightly(DAY_OFF)
    overtime.refresh_from_db()
    assert (overtime.settlement, overtime.credited_hours) == (Settlement.MISSING_PUNCH, 0)
    assert overtime.settled_at is not None and not overtime.is_credit
    assert overtime.get_settlement_display() == "缺刷卡紀錄，核計 0 小時"


def test_a_day_off_with_only_a_punch_in_is_missing_a_punch(school, clerk):
    overtime = approved(school, clerk, DAY_OFF, (9, 0), (13, 0))
    punch(clerk, PunchKind.IN, DAY_OFF, 8, 55)
    settle_nightly(DAY_OFF)
    overtime.refresh_from_db()
    assert (overtime.settlement, overtime.credited_hours) == (Settlement.MISSING_PUNCH, 0)


def test_settling_twice_changes_nothing(school, clerk):
    overtime = approved(school, clerk, WORKDAY, (16, 30), (19, 0))
    punch(clerk, PunchKind.OUT, WORKDAY, 18, 40)
    assert settle_nightly(WORKDAY) == 1
    overtime.refresh_from_db()
    first = (overtime.settled_at, overtime.credited_hours, overtime.worked_end)
    audited = AuditEntry.objects.filter(action="leave.overtime_settled").count()
    assert settle_nightly(WORKDAY) == 0  # settled already: not picked again
    with time_machine.travel(at(2025, 10, 9, 9), tick=False):
        assert overtimes_settle_due(staff_id=clerk.pk, day=WORKDAY) == 0  # same punches: same result
    overtime.refresh_from_db()
    assert (overtime.settled_at, overtime.credited_hours, overtime.worked_end) == first
    assert AuditEntry.objects.filter(action="leave.overtime_settled").count() == audited == 1


def test_a_correction_approved_later_settles_again(school, clerk):
    overtime = approved(school, clerk, WORKDAY, (16, 30), (19, 0))
    punch(clerk, PunchKind.IN, WORKDAY, 7, 25)  # and forgot to punch out
    settle_nightly(WORKDAY)
    overtime.refresh_from_db()
    assert (overtime.settlement, overtime.credited_hours) == (Settlement.MISSING_PUNCH, 0)
    now = at(2025, 10, 9, 9)
    with time_machine.travel(now, tick=False):
        correction = punch_correction_request(staff=clerk, date=WORKDAY, kind=PunchKind.OUT, time=dt.time(19, 10),
                                              reason="加班後忘記刷退", now=now)
        punch_correction_approve(correction_id=correction.pk, approver=school["principal"], now=now)
    overtime.refresh_from_db()
    # [16:30, 19:00] ∩ [16:30, 19:10] = 2 h 30 min → 2 whole hours.
    assert (overtime.settlement, overtime.credited_hours) == (Settlement.PUNCHES, 2)
    assert AuditEntry.objects.filter(action="leave.overtime_settled").count() == 2


def test_a_later_punch_of_an_ended_day_settles_again(school, clerk):
    overtime = day_off_settled(school, clerk, ((9, 0), (13, 0)), ((9, 0), (11, 30)))
    assert overtime.credited_hours == 2  # 09:00–11:30 → 2 h
    # A 下班 stamped for that day after the nightly run (a reader's backlog delivered late).
    punch_record(staff=clerk, kind=PunchKind.OUT, ip="10.0.0.1", now=at(2025, 10, 11, 13, 20))
    overtime.refresh_from_db()
    assert overtime.credited_hours == 4  # 09:00–13:00 (the approved end) → 4 h


def test_caps_per_day_and_month(school, clerk, settings):
    settings.LEAVE_OVERTIME_MAX_HOURS_MONTH = 6
    first = approved(school, clerk, WORKDAY, (16, 30), (23, 0))
    second = approved(school, clerk, dt.date(2025, 10, 9), (16, 30), (23, 0))
    punch(clerk, PunchKind.OUT, WORKDAY, 22, 45)
    punch(clerk, PunchKind.OUT, dt.date(2025, 10, 9), 22, 45)
    settle_nightly(dt.date(2025, 10, 9))  # settles both, in date order
    first.refresh_from_db()
    second.refresh_from_db()
    # 16:30–22:45 = 6 h 15 min → 6 h each; the workday cap makes 4, then the month cap leaves 6 − 4 = 2.
    assert (first.credited_hours, second.credited_hours) == (4, 2)
    assert AuditEntry.objects.filter(action="leave.overtime_settled", target_id=str(first.pk)).get().data["hours"] == 6


def test_day_off_cap(school, clerk):
    overtime = day_off_settled(school, clerk, ((8, 0), (20, 0)), ((8, 0), (19, 30)))
    assert overtime.credited_hours == 8  # 11 h 30 min → 11 h, capped at 8 on a day off


def test_personnel_adjust_by_hand_and_the_punches_leave_it_alone(school, clerk):
    overtime = approved(school, clerk, WORKDAY, (16, 30), (19, 0))
    punch(clerk, PunchKind.OUT, WORKDAY, 18, 40)
    settle_nightly(WORKDAY)
    with time_machine.travel(at(2025, 10, 9, 9), tick=False):
        overtime_settle(overtime=overtime, worked_start=at(2025, 10, 8, 16, 30), worked_end=at(2025, 10, 8, 19),
                        actor=school["personnel"])
    overtime.refresh_from_db()
    assert (overtime.settlement, overtime.credited_hours) == (Settlement.MANUAL, 2)
    entry = AuditEntry.objects.filter(action="leave.overtime_settled").latest("id")
    assert entry.actor == school["personnel"].user
    assert entry.data["previous"]["settlement"] == "punches" and entry.data["previous"]["credited"] == 2
    punch_record(staff=clerk, kind=PunchKind.OUT, ip="10.0.0.1", now=at(2025, 10, 8, 19, 0))
    assert settle_nightly(WORKDAY) == 0
    overtime.refresh_from_db()
    assert (overtime.settlement, overtime.worked_end) == (Settlement.MANUAL, at(2025, 10, 8, 19))


def test_pending_or_rejected_overtime_is_not_settled(school, clerk):
    with time_machine.travel(at(2025, 10, 8, 7), tick=False):
        pending = overtime_submit(staff=clerk, planned_start=at(2025, 10, 8, 17), planned_end=at(2025, 10, 8, 19),
                                  reason="整理資料")
    punch(clerk, PunchKind.OUT, WORKDAY, 19, 0)
    assert settle_nightly(WORKDAY) == 0
    pending.refresh_from_db()
    assert pending.settled_at is None and pending.settlement == ""


def test_the_overtime_page_shows_how_it_was_settled(school, clerk, client_for):
    missing = approved(school, clerk, DAY_OFF, (9, 0), (13, 0))
    settle_nightly(DAY_OFF)
    with time_machine.travel(at(2025, 10, 12, 9), tick=False):
        mine = client_for(clerk).get(reverse("leave:overtime")).content.decode()
        assert "核計 0 小時" in mine and "缺刷卡紀錄，核計 0 小時" in mine
        page = client_for(school["personnel"]).get(reverse("leave:overtime")).content.decode()
        # Settled at 0 for want of a punch: listed again for the personnel office to enter the times.
        assert reverse("leave:overtime_settle", args=[missing.pk]) in page
        assert reverse("leave:overtime_settle", args=[missing.pk]) not in client_for(clerk).get(
            reverse("leave:overtime")).content.decode()  # not for the clerk
