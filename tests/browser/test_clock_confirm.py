"""At phone width: a 下班 before the day's end asks first; cancel records nothing, confirm records it."""

import pytest
import time_machine

from attendance.models import Punch, PunchKind
from tests.clock import at

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_WIDTH = 390
WORKDAY = "2025-10-08"  # a plain Wednesday: 專任教師 08:00–16:00


@pytest.fixture
def mid_morning():
    """The server's clock at 10:00 on a workday, ticking (the live server runs in this process)."""
    import datetime as dt

    with time_machine.travel(at(dt.date.fromisoformat(WORKDAY), "10:00:00"), tick=True):
        yield


def test_an_early_out_asks_and_cancel_records_nothing_confirm_records_it(
    mid_morning, phone, live_server, people, sign_in
):
    teacher = people["teacher"]
    sign_in(phone, live_server, "teacher")
    phone.goto(f"{live_server.url}/attendance/")
    phone.get_by_test_id("punch-main").click()  # 上班
    phone.wait_for_load_state()
    assert "已打上班卡" in phone.locator(".messages").inner_text()
    # Once the day has a 上班, 下班 is the only button.
    assert phone.locator("[data-testid=punch-form] button").all_inner_texts() == ["下班"]
    assert "上班卡已記錄" in phone.get_by_test_id("punch-status").inner_text()

    phone.get_by_test_id("punch-main").click()  # 下班 at about 10:00: 6 hours early
    phone.wait_for_load_state()
    question = phone.get_by_test_id("early-question")
    assert question.is_visible()
    minutes = int(question.get_attribute("data-early-minutes"))
    assert 355 <= minutes <= 360
    assert question.inner_text() == f"現在下班將記為早退 {minutes} 分，確定？"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    assert not Punch.objects.filter(staff=teacher, kind=PunchKind.OUT).exists()

    phone.get_by_test_id("cancel-early").click()
    phone.wait_for_load_state()
    assert phone.url.endswith("/attendance/")
    assert phone.get_by_test_id("punch-out").inner_text() == "—"
    assert not Punch.objects.filter(staff=teacher, kind=PunchKind.OUT).exists()

    phone.get_by_test_id("punch-main").click()
    phone.wait_for_load_state()
    phone.get_by_test_id("confirm-early").click()
    phone.wait_for_load_state()
    assert phone.url.endswith("/attendance/")
    assert "已打下班卡" in phone.locator(".messages").inner_text()
    punch = Punch.objects.get(staff=teacher, kind=PunchKind.OUT)
    assert phone.get_by_test_id("punch-out").inner_text().strip() != "—"
    assert "早退" in phone.get_by_test_id("today-punches").locator("..").inner_text()
    assert Punch.objects.filter(staff=teacher).count() == 2 and punch.at.date().isoformat() == WORKDAY
