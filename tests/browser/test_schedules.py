"""The school calendar in a phone-sized browser: personnel records a typhoon day, everyone sees it."""

import pytest

from tests.schedules.helpers import add_semesters_114_115

pytestmark = pytest.mark.django_db(transaction=True)


def test_personnel_declares_a_typhoon_day_and_the_teacher_sees_it(phone, live_server, people, sign_in):
    add_semesters_114_115(people["school"])
    sign_in(phone, live_server, "personnel")
    phone.get_by_text("☰").click()
    phone.get_by_role("link", name="停班停課", exact=True).click()
    phone.fill("input[name=date]", "2026-12-01")
    phone.get_by_role("button", name="登錄停班停課").click()
    assert "人的出勤依停班停課重算" in phone.get_by_test_id("typhoon-preview").inner_text()
    phone.get_by_test_id("typhoon-confirm").click()
    assert "已登錄" in phone.locator(".messages").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # Leave the page first: it polls the recompute's progress, and a poll answered after the cookies are gone
    # fetches the sign-in page and sets a CSRF cookie of its own under the teacher's form (a 403 now and then).
    phone.goto("about:blank")
    phone.context.clear_cookies()
    sign_in(phone, live_server, "teacher")
    phone.goto(f"{live_server.url}/schedules/?month=2026-12")
    assert phone.get_by_test_id("month-title").inner_text() == "民國 115 年 12 月"
    typhoon = phone.locator("[data-date='2026-12-01']")
    assert typhoon.get_attribute("data-reason") == "typhoon"
    assert "颱風停班停課" in typhoon.inner_text()
    monday = phone.locator("[data-date='2026-12-07']")
    assert "08:00–16:00" in monday.inner_text()  # the teacher's own window on a class day
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
