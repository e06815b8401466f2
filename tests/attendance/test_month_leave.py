"""我的出勤 months show approved and pending leave (read through leave's contract, leave.selectors.leave_spans)."""

import datetime as dt

import pytest
from django.urls import reverse

from leave.models import LeaveType
from leave.services import approval_chains_seed, leave_request_submit, leave_step_approve, leave_types_seed
from tests.attendance.conftest import at

pytestmark = pytest.mark.django_db


def leave_of(people, day: dt.date, *, approve: bool):
    leave_types_seed(school=people["school"])
    approval_chains_seed(school=people["school"])
    personal = LeaveType.objects.get(school=people["school"], code="personal")
    request = leave_request_submit(
        applicant=people["teacher"], leave_type=personal, start=at(day, "08:00:00"), end=at(day, "16:00:00"),
        deputy=people["other_teacher"], reason="家中有事", class_arrangement="無課務",
    )
    if approve:
        leave_step_approve(request=request, actor=people["other_teacher"])
        leave_step_approve(request=request, actor=people["unit_head"])
    return request


def test_the_month_shows_approved_and_pending_leave(people, client_for, clock):
    clock(at(dt.date(2025, 10, 1), "09:00:00"))
    approved = leave_of(people, dt.date(2025, 10, 8), approve=True)
    pending = leave_of(people, dt.date(2025, 10, 14), approve=False)
    clock(at(dt.date(2025, 10, 15), "20:00:00"))
    html = client_for(people["teacher"]).get(reverse("attendance:my_month_of", args=[2025, 10])).content.decode()
    cell = html[html.index('data-testid="day-2025-10-08"'):]
    cell = cell[: cell.index("</td>")]
    assert 'class="cal-leave"' in cell and "事假" in cell
    cell = html[html.index('data-testid="day-2025-10-14"'):]
    cell = cell[: cell.index("</td>")]
    assert 'class="cal-leave is-pending"' in cell and "（簽核中）" in cell
    listed = html[html.index('data-testid="month-leave"'):]
    for request in (approved, pending):
        assert reverse("leave:detail", args=[request.pk]) in listed
    # Another month, another person: nothing of it.
    html = client_for(people["teacher"]).get(reverse("attendance:my_month_of", args=[2025, 11])).content.decode()
    assert 'data-testid="month-leave"' not in html and "cal-leave" not in html
    html = client_for(people["other_teacher"]).get(reverse("attendance:my_month_of", args=[2025, 10])).content.decode()
    assert "cal-leave" not in html


def test_a_head_sees_the_leave_on_a_members_month_without_links(people, client_for, clock):
    clock(at(dt.date(2025, 10, 1), "09:00:00"))
    leave_of(people, dt.date(2025, 10, 8), approve=True)
    url = reverse("attendance:staff_month", args=[people["teacher"].pk, 2025, 10])
    html = client_for(people["unit_head"]).get(url).content.decode()
    assert 'class="cal-leave"' in html and "/leave/requests/" not in html


def test_the_home_card_names_my_next_leave(people, client_for, clock):
    clock(at(dt.date(2025, 10, 1), "09:00:00"))
    request = leave_of(people, dt.date(2025, 10, 8), approve=False)
    html = client_for(people["teacher"]).get(reverse("home")).content.decode()
    line = html[html.index('data-testid="next-leave"'):]
    assert reverse("leave:detail", args=[request.pk]) in line[:400] and "簽核中" in line[:600]
    clock(at(dt.date(2025, 10, 9), "09:00:00"))  # past: no next leave
    html = client_for(people["teacher"]).get(reverse("home")).content.decode()
    assert 'data-testid="next-leave"' not in html
