"""A teacher asks for a day of 事假 naming a deputy; the deputy accepts, the unit head approves, and the
teacher sees the new balance. Real browser at phone size, real server, four sign-ins."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from leave.models import LeaveRequest, LeaveStatus
from leave.services import approval_chains_seed, leave_types_seed
from schedules.calendar import duty_day

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _next_working_day(staff, after: dt.date) -> dt.date:
    day = after + dt.timedelta(days=1)
    while not duty_day(staff, day).has_duty:
        day += dt.timedelta(days=1)
    return day


def _sign_out(page):
    page.get_by_role("button", name="登出").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def test_teacher_requests_deputy_accepts_head_approves_teacher_sees_balance(phone, live_server, people, sign_in):
    school = people["school"]
    leave_types_seed(school=school)
    approval_chains_seed(school=school)
    teacher = people["teacher"]
    day = _next_working_day(teacher, timezone.localdate() + dt.timedelta(days=1))
    page = phone

    # The teacher asks for one whole day of 事假 with 李導師 as deputy.
    sign_in(page, live_server, "teacher")
    page.goto(f"{live_server.url}/leave/")
    expect(page.get_by_test_id("remaining-personal")).to_have_text(re.compile(r"剩餘：\d+日0小時"))
    before = page.get_by_test_id("remaining-personal").inner_text()
    page.get_by_test_id("new-leave").click()
    page.select_option("select[name=leave_type]", label="事假")
    page.fill("input[name=start_date]", day.isoformat())
    page.fill("input[name=end_date]", day.isoformat())
    page.fill("textarea[name=reason]", "陪家人就醫")
    page.select_option("select[name=deputy]", label="李導師（學務處）")
    page.fill("textarea[name=class_arrangement]", "第 2、3 節與李老師調課")
    # The computed length and the balance after it show before anything is sent.
    expect(page.get_by_test_id("preview-length")).to_have_text("1日0小時")
    expect(page.get_by_test_id("preview-balance")).to_contain_text("送出後 剩餘：6日0小時")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("current-step")).to_contain_text("職務代理人（李導師）")
    request = LeaveRequest.objects.get()
    assert request.status == LeaveStatus.PENDING
    _sign_out(page)

    # The deputy finds it in their inbox and accepts.
    sign_in(page, live_server, "otherteacher")
    page.goto(f"{live_server.url}/leave/inbox/")
    page.get_by_test_id("inbox-item").get_by_role("link").click()
    page.fill("textarea[name=comment]", "沒問題")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("current-step")).to_contain_text("單位主管（陳主任）")
    _sign_out(page)

    # The unit head approves.
    sign_in(page, live_server, "head")
    page.goto(f"{live_server.url}/leave/inbox/")
    expect(page.get_by_test_id("inbox-item")).to_contain_text("王老師")
    page.get_by_test_id("inbox-item").get_by_role("link").click()
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("status")).to_have_text("已核准")
    _sign_out(page)

    # The teacher sees the approved leave and the new balance.
    sign_in(page, live_server, "teacher")
    page.goto(f"{live_server.url}/leave/")
    expect(page.get_by_test_id("remaining-personal")).to_have_text("剩餘：6日0小時")
    assert before == "剩餘：7日0小時"
    expect(page.get_by_test_id("my-requests")).to_contain_text("已核准")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
