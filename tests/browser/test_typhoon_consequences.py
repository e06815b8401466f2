"""An afternoon typhoon day in a real browser: personnel declares it from 12:00, sees what it will
change, confirms; the teacher's leave shows the released hours; 教學組's dashboard loses the
afternoon period and keeps the morning ones."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from leave.models import LeaveType
from leave.services import approval_chains_seed, leave_request_submit, leave_types_seed
from schedules.models import TyphoonDay
from substitutes.models import CoverageNeed
from tests.substitutes.conftest import (  # noqa: F401  (school_setup: the fixture with timetables)
    add_class,
    at,
    classes_on_next_thursday,
    school_setup,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_afternoon_typhoon_day_from_declaration_to_leave_and_cover(phone, live_server, sign_in, request):
    setup = request.getfixturevalue("school_setup")
    school, teacher = setup["school"], setup["teacher"]
    leave_types_seed(school=school)
    approval_chains_seed(school=school)
    thursday = classes_on_next_thursday(setup)
    add_class(setup["semester"], teacher, 4, 6, "高一 6 班", "國文")  # 14:10–15:00, in the afternoon
    leave = leave_request_submit(
        applicant=teacher, leave_type=LeaveType.objects.get(school=school, code="personal"),
        start=at(thursday, "08:00"), end=at(thursday, "16:00"), deputy=setup["other_teacher"],
        reason="家中有事", class_arrangement="請教學組安排代課",
    )
    assert leave.hours == 8
    assert CoverageNeed.objects.filter(teacher=teacher, date=thursday).count() == 3  # P1, P3, P6
    page = phone

    # Personnel: 下午停班停課 from 12:00, for the school; first the preview, then the confirmation.
    sign_in(page, live_server, "personnel")
    page.goto(f"{live_server.url}/schedules/typhoons/")
    page.fill("input[name=date]", thursday.isoformat())
    page.get_by_label("從下列時間起（如下午停班停課）").check()
    page.fill("input[name=time]", "12:00")
    page.get_by_role("button", name="登錄停班停課").click()
    preview = page.get_by_test_id("typhoon-preview")
    expect(preview.get_by_test_id("preview-leave")).to_contain_text("1 張假單重新計算時數")
    expect(preview.get_by_test_id("preview-leave")).to_contain_text("王老師 事假：1日0小時 → 0日4小時")
    expect(preview.get_by_test_id("preview-periods")).to_contain_text("1 節代課需求取消")
    expect(preview.get_by_test_id("preview-periods")).to_contain_text("高一 6 班")
    assert not TyphoonDay.objects.exists()  # nothing declared before the confirmation
    page.get_by_test_id("typhoon-confirm").click()
    expect(page.locator(".messages")).to_contain_text("已登錄")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    typhoon = TyphoonDay.objects.get()
    assert typhoon.start_time == dt.time(12, 0) and typhoon.end_time is None
    page.get_by_role("button", name="登出").click()

    # The teacher: the leave now counts the morning only, and says why.
    sign_in(page, live_server, "teacher")
    page.goto(f"{live_server.url}/leave/requests/{leave.pk}/")
    expect(page.get_by_test_id("length")).to_have_text("0日4小時")
    expect(page.locator(".leave-history")).to_contain_text("因行事曆變更重新計算")
    page.get_by_role("button", name="登出").click()

    # 教學組: the afternoon period is gone from the dashboard, the morning ones are still there.
    sign_in(page, live_server, "academic")
    page.goto(f"{live_server.url}/substitutes/")
    p1, p3, p6 = CoverageNeed.objects.filter(teacher=teacher, date=thursday).order_by("starts_at", "pk")[:3]
    expect(page.locator(f"#need-{p1.pk}")).to_contain_text("高一 3 班")
    expect(page.locator(f"#need-{p3.pk}")).to_contain_text("高一 5 班")
    assert p6.status == CoverageNeed.Status.CANCELLED
    expect(page.locator(f"#need-{p6.pk}")).to_have_count(0)
