"""Counting a request's length through the services, the real calendar, the pages and the API:
rounded once per request (docs/leave.md, "Length of a request")."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from leave.models import LeaveCharge, LeaveDay
from leave.selectors import leave_balances
from leave.services import leave_request_preview, leave_request_submit
from schedules.models import TyphoonDay
from staff.models import StaffCategory
from tests.clock import at
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def clerk(school):
    """A 職員 (calendar-year quotas, 07:30–16:30 with lunch 12:00–13:00) in the personnel office."""
    return make_staff(school["school"], unit=school["units"]["personnel"], category=StaffCategory.CIVIL_STAFF,
                      name="趙幹事", hire_date=D(2015, 1, 5))


def _submit(clerk, deputy, leave_type, start, end):
    return leave_request_submit(applicant=clerk, leave_type=leave_type, start=start, end=end, deputy=deputy,
                                reason="家中有事")


def test_friday_to_monday_over_a_make_up_saturday_is_two_days(school, types, clerk):
    # Sat 8 Feb 2025 is the make-up working day for 27 Jan. Fri 13:00 – Mon 12:00 is Friday's afternoon,
    # all of Saturday and Monday's morning: 3.5 + 8 + 4.5 = 16 h = 2日0小時 (day by day it was 17 h).
    start, end = at(2025, 2, 7, 13), at(2025, 2, 10, 12)
    with time_machine.travel(at(2025, 2, 3, 9), tick=False):
        preview = leave_request_preview(applicant=clerk, leave_type=types["personal"], start=start, end=end)
        assert preview.hours == 16
        assert [(d.day, d.hours) for d in preview.plan.days] == [(D(2025, 2, 7), 4), (D(2025, 2, 8), 8),
                                                                 (D(2025, 2, 10), 4)]
        (balance,) = preview.balances
        assert (balance.remaining_before, balance.remaining_after) == (56, 40)

        api = APIClient()
        api.force_authenticate(clerk.user)
        body = api.post("/api/leave/requests/preview/", {
            "leave_type": types["personal"].pk, "start": start.isoformat(), "end": end.isoformat()}).json()
        assert (body["hours"], body["length"]) == (16, "2日0小時")
        assert [d["hours"] for d in body["days"]] == [4, 8, 4]

        request = _submit(clerk, school["personnel"], types["personal"], start, end)
    # What is stored says the same: the request, its days and its charges.
    assert request.hours == 16
    assert sum(LeaveDay.objects.filter(request=request).values_list("hours", flat=True)) == 16
    assert sum(LeaveCharge.objects.filter(request=request).values_list("hours", flat=True)) == 16
    api = APIClient()
    api.force_authenticate(clerk.user)
    detail = api.get(f"/api/leave/requests/{request.pk}/").json()
    assert (detail["hours"], detail["length"]) == (16, "2日0小時")


def test_a_morning_and_an_afternoon_cost_what_the_whole_day_costs(school, types, clerk):
    deputy = school["personnel"]
    with time_machine.travel(at(2025, 10, 1, 9), tick=False):
        morning = _submit(clerk, deputy, types["personal"], at(2025, 10, 8, 7, 30), at(2025, 10, 8, 12))
        afternoon = _submit(clerk, deputy, types["personal"], at(2025, 10, 8, 13), at(2025, 10, 8, 16, 30))
        whole = _submit(clerk, deputy, types["personal"], at(2025, 10, 9, 7, 30), at(2025, 10, 9, 16, 30))
    assert (morning.hours, afternoon.hours, whole.hours) == (4, 4, 8)
    # Both halves together draw exactly one day from the 56 h of 事假, as the whole day does.
    assert sum(LeaveCharge.objects.filter(request__in=[morning, afternoon]).values_list("hours", flat=True)) == 8
    assert sum(LeaveCharge.objects.filter(request=whole).values_list("hours", flat=True)) == 8


def test_a_leave_over_the_lunch_break_does_not_count_it(school, types, clerk, client_for):
    with time_machine.travel(at(2025, 10, 1, 9), tick=False):
        # 10:00–14:00: 2 h before lunch, 1 h after it.
        preview = leave_request_preview(applicant=clerk, leave_type=types["personal"], start=at(2025, 10, 8, 10),
                                        end=at(2025, 10, 8, 14))
        assert preview.hours == 3
        # The page's live preview reads the same (times typed in the form).
        page = client_for(clerk).get("/leave/preview/", {
            "leave_type": types["personal"].pk, "start_date": "2025-10-08", "start_time": "11:30",
            "end_date": "2025-10-08", "end_time": "13:30"})
        assert page.status_code == 200
        # 11:30–13:30 is half an hour on each side of lunch: one hour.
        assert '<span data-testid="preview-length">0日1小時</span>' in page.content.decode()
        request = _submit(clerk, school["personnel"], types["personal"], at(2025, 10, 8, 11, 30),
                          at(2025, 10, 8, 13, 30))
    assert request.hours == 1


def test_an_afternoon_stop_leaves_the_morning_to_count(school, types, clerk):
    # Kaohsiung stops work from 13:00 on Wed 8 Oct 2025 (下午停班停課). A whole-day request for that
    # day is the morning's half day; the afternoon is not leave.
    TyphoonDay.objects.create(date=D(2025, 10, 8), scope=TyphoonDay.Scope.CITY, start_time=dt.time(13, 0))
    with time_machine.travel(at(2025, 10, 1, 9), tick=False):
        day = leave_request_preview(applicant=clerk, leave_type=types["personal"], start=at(2025, 10, 8),
                                    end=at(2025, 10, 9))
        assert day.hours == 4
        # Over two days, the stopped afternoon is left out and the rest rounded once: Tue 15:00 – Wed 16:30
        # is 1.5 h + the morning's 4 h = 5.5 h → 6 h.
        two = leave_request_preview(applicant=clerk, leave_type=types["personal"], start=at(2025, 10, 7, 15),
                                    end=at(2025, 10, 8, 16, 30))
        assert [(d.day, d.hours) for d in two.plan.days] == [(D(2025, 10, 7), 2), (D(2025, 10, 8), 4)]


# --- The preview over a period boundary -------------------------------------------------------------


def _balances(preview) -> list[tuple[str, str, int | None, int | None]]:
    return [(b.leave_type.code, b.period_text, b.remaining_before, b.remaining_after) for b in preview.balances]


def _stored_remaining(staff, code: str, on: dt.date) -> int | None:
    rows = leave_balances(staff_members=[staff], on=on)[staff.pk]
    return next(r.remaining for r in rows if r.leave_type.code == code)


def test_a_teachers_preview_over_the_first_of_august_shows_each_school_year(school, types, client_for):
    teacher, deputy = school["teacher"], school["other_teacher"]

    def submit(start, end):
        return leave_request_submit(applicant=teacher, leave_type=types["personal"], start=start, end=end,
                                    deputy=deputy, class_arrangement="調課")

    with time_machine.travel(at(2025, 7, 1, 9), tick=False):
        submit(at(2025, 7, 14, 8), at(2025, 7, 15, 16))  # 2 days of 113 學年度: 5 days left there
        submit(at(2025, 8, 11, 8), at(2025, 8, 11, 16))  # 1 day of 114 學年度: 6 days left there
        # Thu 31 Jul 08:00 – Fri 1 Aug 12:00: a day of 113's quota and half a day of 114's.
        start, end = at(2025, 7, 31, 8), at(2025, 8, 1, 12)
        preview = leave_request_preview(applicant=teacher, leave_type=types["personal"], start=start, end=end)
        assert preview.hours == 12
        assert _balances(preview) == [("personal", "113 學年度", 40, 32), ("personal", "114 學年度", 48, 44)]
        page = client_for(teacher).get("/leave/preview/", {
            "leave_type": types["personal"].pk, "start_date": "2025-07-31", "start_time": "08:00",
            "end_date": "2025-08-01", "end_time": "12:00"}).content.decode()
        rows = page.split('<li data-testid="preview-balance">')[1:]
        assert rows[0].startswith('事假（<span data-testid="preview-period">113 學年度</span>）：')
        assert "剩餘：4日0小時" in rows[0] and "剩餘：5日4小時" in rows[1]
        api = APIClient()
        api.force_authenticate(teacher.user)
        body = api.post("/api/leave/requests/preview/", {
            "leave_type": types["personal"].pk, "start": start.isoformat(), "end": end.isoformat()}).json()
        assert [(b["period_start"], b["remaining_before"], b["remaining_after"]) for b in body["balances"]] == [
            ("2024-08-01", 40, 32), ("2025-08-01", 48, 44)]
        submit(start, end)
    # What the preview said is what the stored charges leave in each school year.
    assert _stored_remaining(teacher, "personal", dt.date(2025, 7, 31)) == 32
    assert _stored_remaining(teacher, "personal", dt.date(2025, 8, 1)) == 44


def test_a_clerks_preview_over_the_first_of_january_shows_each_year(school, types):
    # Hired 1 Mar 2016: 8 completed years on 1 Jan 2025 (休假 21 days), 9 on 1 Jan 2026 (28 days).
    clerk = make_staff(school["school"], unit=school["units"]["personnel"], category=StaffCategory.CIVIL_STAFF,
                       name="錢幹事", hire_date=D(2016, 3, 1))
    with time_machine.travel(at(2025, 12, 1, 9), tick=False):
        # Wed 31 Dec 13:00 – Fri 2 Jan 12:00 (1 Jan is a holiday): an afternoon of 2025, a morning of 2026.
        start, end = at(2025, 12, 31, 13), at(2026, 1, 2, 12)
        preview = leave_request_preview(applicant=clerk, leave_type=types["vacation"], start=start, end=end)
        assert preview.hours == 8
        assert _balances(preview) == [("vacation", "114 年", 21 * 8, 21 * 8 - 4),
                                      ("vacation", "115 年", 28 * 8, 28 * 8 - 4)]
        assert preview.spans_periods
        leave_request_submit(applicant=clerk, leave_type=types["vacation"], start=start, end=end,
                             deputy=school["personnel"])
    assert _stored_remaining(clerk, "vacation", dt.date(2025, 12, 31)) == 21 * 8 - 4
    assert _stored_remaining(clerk, "vacation", dt.date(2026, 1, 2)) == 28 * 8 - 4


def test_a_preview_inside_one_period_names_no_period(school, types, clerk):
    with time_machine.travel(at(2025, 10, 1, 9), tick=False):
        preview = leave_request_preview(applicant=clerk, leave_type=types["personal"], start=at(2025, 10, 8, 8),
                                        end=at(2025, 10, 8, 10))
    assert not preview.spans_periods
    assert _balances(preview) == [("personal", "114 年", 56, 54)]
