"""The personnel office opens the month sheet, taps a late cell and sees that day — at phone width (the names
column stays in view while the days scroll, the page itself does not scroll sideways) and at desktop width."""

import datetime as dt

import pytest
import time_machine

from attendance.models import Punch, PunchKind
from tests.clock import at

pytestmark = pytest.mark.django_db(transaction=True)

LATE_DAY = dt.date(2025, 10, 2)  # a Thursday: 專任教師 08:00–16:00


@pytest.fixture
def november():
    with time_machine.travel(at(dt.date(2025, 11, 3), "09:00:00"), tick=True):
        yield


@pytest.fixture
def late_teacher(people):
    teacher = people["teacher"]
    Punch.objects.create(staff=teacher, work_date=LATE_DAY, kind=PunchKind.IN, at=at(LATE_DAY, "08:10:00"))
    Punch.objects.create(staff=teacher, work_date=LATE_DAY, kind=PunchKind.OUT, at=at(LATE_DAY, "16:05:00"))
    return teacher


def _open_sheet_and_tap_the_late_cell(page, live_server, sign_in, teacher):
    sign_in(page, live_server, "personnel")
    page.goto(f"{live_server.url}/attendance/sheet/?month=2025-10")
    cell = page.get_by_test_id(f"cell-{teacher.pk}-{LATE_DAY.isoformat()}")
    assert cell.get_attribute("data-key") == "late"
    assert cell.inner_text().strip() == "遲10"
    return cell


def test_at_phone_width_the_names_stay_and_a_late_cell_opens_the_day(
    november, phone, live_server, people, late_teacher, sign_in
):
    cell = _open_sheet_and_tap_the_late_cell(phone, live_server, sign_in, late_teacher)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls, not the page
    name = phone.get_by_test_id(f"sheet-row-{late_teacher.pk}").locator("th")
    before = name.bounding_box()
    phone.locator(".sheet-wrap").evaluate("box => { box.scrollLeft = 600; }")
    after = name.bounding_box()
    assert phone.locator(".sheet-wrap").evaluate("box => box.scrollLeft") > 0
    assert abs(after["x"] - before["x"]) < 1  # position: sticky keeps the names in view
    cell.scroll_into_view_if_needed()
    cell.locator("a").click()
    phone.wait_for_load_state()
    assert late_teacher.name in phone.get_by_test_id("sheet-day-title").inner_text()
    assert "遲到 10 分" in phone.get_by_test_id("day-result").inner_text()
    assert "08:10:00" in phone.get_by_test_id("day-punches").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_at_desktop_width_a_late_cell_opens_the_day(november, page, live_server, people, late_teacher, sign_in):
    page.set_viewport_size({"width": 1366, "height": 900})
    cell = _open_sheet_and_tap_the_late_cell(page, live_server, sign_in, late_teacher)
    cell.locator("a").click()
    page.wait_for_load_state()
    assert "遲到 10 分" in page.get_by_test_id("day-result").inner_text()
    assert "16:05:00" in page.get_by_test_id("day-punches").inner_text()
