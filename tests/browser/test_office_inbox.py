"""A unit head approves three requests at once from the one inbox, at phone width (390 px) and at desktop width
(1366 px): real browser, real server."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from leave.models import LeaveRequest, LeaveStatus, LeaveType
from leave.services import approval_chains_seed, leave_request_submit, leave_step_approve, leave_types_seed
from schedules.calendar import duty_day

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _working_days(staff, after: dt.date, n: int) -> list[dt.date]:
    days, day = [], after
    while len(days) < n:
        day += dt.timedelta(days=1)
        if duty_day(staff, day).has_duty:
            days.append(day)
    return days


@pytest.mark.parametrize("width", [390, 1366], ids=["phone", "desktop"])
def test_a_unit_head_approves_three_requests_at_once(page, width, live_server, people, sign_in):
    school = people["school"]
    leave_types_seed(school=school)
    approval_chains_seed(school=school)
    teacher, deputy = people["teacher"], people["other_teacher"]
    personal = LeaveType.objects.get(school=school, code="personal")
    requests = []
    for day in _working_days(teacher, timezone.localdate() + dt.timedelta(days=1), 3):
        request = leave_request_submit(
            applicant=teacher, leave_type=personal, deputy=deputy, reason="家中有事", class_arrangement="無課務",
            start=timezone.make_aware(dt.datetime.combine(day, dt.time(8))),
            end=timezone.make_aware(dt.datetime.combine(day, dt.time(12))),
        )
        leave_step_approve(request=request, actor=deputy)  # the deputy accepted: it waits for the head
        requests.append(request)

    page.set_viewport_size({"width": width, "height": 844 if width < 1024 else 900})
    sign_in(page, live_server, "head")
    page.goto(f"{live_server.url}/offices/inbox/")
    items = page.get_by_test_id("office-inbox-item")
    expect(items).to_have_count(3)
    # The oldest is open with what the decision needs; the others open on a tap.
    expect(items.first.get_by_test_id("balance-after")).to_contain_text("剩餘：")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing scrolls sideways
    for i in range(3):
        items.nth(i).locator("input[type=checkbox]").check()
    page.get_by_test_id("bulk-approve").click()
    expect(page.locator(".messages")).to_contain_text("已同意 3 件")
    expect(page.get_by_test_id("office-inbox-item")).to_have_count(0)
    assert LeaveRequest.objects.filter(pk__in=[r.pk for r in requests], status=LeaveStatus.APPROVED).count() == 3
