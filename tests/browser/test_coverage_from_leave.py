"""Across modules in a real browser: a teacher with classes files a leave (naming a deputy); the
academic affairs office then sees the affected periods on the coverage dashboard, assigns a
substitute, and the period shows as covered. Real server, real leave form, real dashboard."""

import re

import pytest
from playwright.sync_api import expect

from leave.models import LeaveRequest, LeaveStatus
from leave.services import approval_chains_seed, leave_types_seed
from substitutes.models import Absence, CoverageAssignment, CoverageNeed
from tests.substitutes.conftest import (  # noqa: F401  (school_setup: the fixture with timetables)
    classes_on_next_thursday,
    school_setup,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_leave_filed_in_the_browser_reaches_the_dashboard_and_gets_covered(phone, live_server, sign_in, request):
    setup = request.getfixturevalue("school_setup")
    school, teacher = setup["school"], setup["teacher"]
    leave_types_seed(school=school)
    approval_chains_seed(school=school)
    thursday = classes_on_next_thursday(setup)
    page = phone

    # 王老師 (Thu P1 高一 3 班, P3 高一 5 班) asks for that whole Thursday, 李導師 as deputy.
    sign_in(page, live_server, "teacher")
    page.goto(f"{live_server.url}/leave/new/")
    page.select_option("select[name=leave_type]", label="事假")
    page.fill("input[name=start_date]", thursday.isoformat())
    page.fill("input[name=end_date]", thursday.isoformat())
    page.fill("textarea[name=reason]", "家中有事")
    page.select_option("select[name=deputy]", label="李導師（學務處）")
    page.fill("textarea[name=class_arrangement]", "請教學組安排代課")
    expect(page.get_by_test_id("preview-length")).to_have_text("1日0小時")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("current-step")).to_contain_text("職務代理人（李導師）")
    leave_request = LeaveRequest.objects.get(applicant=teacher)
    assert leave_request.status == LeaveStatus.PENDING
    page.get_by_role("button", name="登出").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))

    # 教學組 sees both periods on the dashboard, marked as waiting for the leave's approval.
    absence = Absence.objects.get(leave_request_id=leave_request.pk)
    p1, p3 = CoverageNeed.objects.filter(absence=absence).order_by("starts_at")
    assert (p1.date, p1.period_number, p3.period_number) == (thursday, 1, 3)
    sign_in(page, live_server, "academic")
    page.goto(f"{live_server.url}/substitutes/")
    row = page.locator(f"#need-{p1.pk}")
    expect(row).to_contain_text("高一 3 班")
    expect(row).to_contain_text("原任課：王老師（事假）")
    expect(row).to_contain_text("假單待核")
    expect(row).to_contain_text("未安排")
    expect(page.locator(f"#need-{p3.pk}")).to_contain_text("高一 5 班")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Arrange P1: 李導師 teaches 國文 and is free then, so comes first; assign.
    row.get_by_role("link", name="安排").click()
    first = page.get_by_test_id("candidate").first
    expect(first).to_contain_text("李導師")
    expect(first).to_contain_text("同科")
    first.get_by_test_id("assign").click()
    page.wait_for_url(f"**/substitutes/#need-{p1.pk}")
    expect(page.locator(".messages")).to_contain_text("已安排 李導師")
    expect(page.locator(f"#need-{p1.pk}").get_by_test_id("covered-by")).to_have_text("代課：李導師")
    expect(page.locator(f"#need-{p3.pk}")).to_contain_text("未安排")
    p1.refresh_from_db()
    assert p1.status == CoverageNeed.Status.COVERED
    assignment = CoverageAssignment.objects.get(need=p1, status=CoverageAssignment.Status.ACTIVE)
    assert assignment.substitute == setup["other_teacher"] and assignment.paid_by == "teacher"  # 事假: 自理
