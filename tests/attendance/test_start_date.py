"""The school's 啟用日: nothing before it is absent, nobody is reminded about it, no 補登 reaches it, and the
month sheet shows those days as 未啟用."""

import datetime as dt

import pytest
from django.urls import reverse

from attendance.models import DailyResult, DailyStatus, PunchReminder
from attendance.services import (
    AttendanceError,
    attendance_start_set,
    daily_results_ensure,
    daily_results_finalise,
    daily_results_recompute,
    missing_punch_reminders_send,
    punch_correction_request,
)
from attendance.sheet import month_sheet
from audit.models import AuditEntry
from tests.attendance.conftest import at

START = dt.date(2025, 10, 15)  # a Wednesday
BEFORE = dt.date(2025, 10, 14)
LATER = at(dt.date(2025, 11, 3), "09:00:00")


@pytest.fixture
def started(people, clock):
    clock(at(dt.date(2025, 10, 20), "09:00:00"))
    attendance_start_set(actor=people["personnel"], start=START)
    people["school"].refresh_from_db()
    return people


def test_no_result_before_the_start_date_and_nobody_absent(started):
    school = started["school"]
    daily_results_recompute(school=school, start=dt.date(2025, 10, 1), end=dt.date(2025, 10, 31), now=LATER)
    assert not DailyResult.objects.filter(school=school, date__lt=START).exists()
    assert DailyResult.objects.filter(school=school, date=START, status=DailyStatus.ABSENT).count() == 7
    # ensure does not keep asking for the missing days (two queries when all is there)
    assert daily_results_ensure(school=school, start=dt.date(2025, 10, 1), end=dt.date(2025, 10, 17),
                                now=at(dt.date(2025, 10, 20), "09:00:00")) is False


def test_setting_it_removes_results_already_stored_before_it(people, clock):
    clock(at(dt.date(2025, 10, 20), "09:00:00"))
    school = people["school"]
    daily_results_recompute(school=school, start=dt.date(2025, 10, 13), end=dt.date(2025, 10, 16), now=LATER)
    assert DailyResult.objects.filter(school=school, date=BEFORE, status=DailyStatus.ABSENT).exists()
    attendance_start_set(actor=people["personnel"], start=START)
    assert not DailyResult.objects.filter(school=school, date__lt=START).exists()
    assert DailyResult.objects.filter(school=school, date=START).exists()
    assert AuditEntry.objects.filter(action="staff.school_updated").count() == 1


def test_no_reminder_before_the_start_date(started):
    school = started["school"]
    # only the other school (no start date) has someone to remind: its personnel officer
    assert missing_punch_reminders_send(day=BEFORE, now=at(BEFORE, "18:00:00")) == 1
    assert list(PunchReminder.objects.values_list("staff", flat=True)) == [started["outsider"].pk]
    assert not DailyResult.objects.filter(school=school, date=BEFORE).exists()
    assert daily_results_finalise(schools=[school], day=BEFORE, now=at(BEFORE, "18:00:00")) == 0
    # the same evening after the start: everyone of the school who did not punch is reminded
    assert missing_punch_reminders_send(day=START, now=at(START, "18:00:00")) >= 7


def test_no_correction_before_the_start_date(started):
    with pytest.raises(AttendanceError) as refused:
        punch_correction_request(staff=started["teacher"], date=BEFORE, kind="in", time=dt.time(7, 30),
                                 reason="忘了", now=at(dt.date(2025, 10, 20), "09:00:00"))
    assert refused.value.code == "before_start"
    punch_correction_request(staff=started["teacher"], date=START, kind="in", time=dt.time(7, 30),
                             reason="忘了", now=at(dt.date(2025, 10, 20), "09:00:00"))


def test_the_sheet_shows_not_started_not_absent(started):
    daily_results_recompute(school=started["school"], start=dt.date(2025, 10, 1), end=dt.date(2025, 10, 31),
                            now=LATER)
    personnel = started["personnel"]
    personnel.school.refresh_from_db()
    row = next(r for r in month_sheet(personnel, 2025, 10).rows if r.person.pk == personnel.pk)
    cells = {cell.day: cell for cell in row.cells}
    assert {cells[dt.date(2025, 10, d)].key for d in range(1, 15)} == {"not_started"}
    assert cells[BEFORE].text == "—"
    assert cells[START].key == "absent"
    assert row.totals.absent == len([d for d in cells if d >= START and cells[d].key == "absent"])


def test_the_page_sets_it_for_personnel_only(people, client_for, clock):
    clock(at(dt.date(2025, 10, 20), "09:00:00"))
    url = reverse("attendance:start_date")
    for who in ("teacher", "unit_head", "principal"):
        assert client_for(people[who]).post(url, {"attendance_start": "2025-10-01"}).status_code == 403
    client = client_for(people["personnel"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"attendance_start": "2025-11-01"})  # after today
    assert response.status_code == 200 and "啟用日不能晚於今天" in response.content.decode()
    assert client.post(url, {"attendance_start": "2025-10-01"}).status_code == 302
    people["school"].refresh_from_db()
    assert people["school"].attendance_start == dt.date(2025, 10, 1)
    assert people["outsider"].school.attendance_start is None  # another school untouched
