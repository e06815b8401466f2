"""Counting a request's length through the services, the real calendar, the pages and the API:
rounded once per request (docs/leave.md, "Length of a request")."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from leave.models import LeaveCharge, LeaveDay
from leave.services import leave_request_preview, leave_request_submit
from schedules.models import TyphoonDay
from staff.models import StaffCategory
from tests.factories import make_staff
from tests.leave.conftest import at

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
