"""A teacher clocks in on a phone and finds the punch on their month — real time, real browser."""

import re

import pytest
from django.utils import timezone

from attendance.models import Punch

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_WIDTH = 390


def test_teacher_clocks_in_and_sees_the_punch_on_the_month(phone, live_server, people, sign_in):
    sign_in(phone, live_server, "teacher")
    phone.goto(f"{live_server.url}/")
    phone.get_by_test_id("card-clock").click()
    phone.wait_for_load_state()
    assert phone.url.endswith("/attendance/")

    # The server's time, today's window (or why there is none), and 上班 as the big button.
    assert re.fullmatch(r"\d{2}:\d{2}:\d{2}", phone.get_by_test_id("server-time").inner_text().strip())
    window = phone.get_by_test_id("window").inner_text()
    assert re.search(r"今日應到 08:00、應退 16:00|今日無需打卡（.+）", window), window
    main = phone.get_by_test_id("punch-main")
    assert main.inner_text() == "上班"
    assert phone.get_by_test_id("punch-in").inner_text() == "—"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    main.click()
    phone.wait_for_load_state()
    shown = phone.get_by_test_id("punch-in").inner_text().strip()
    assert re.fullmatch(r"\d{2}:\d{2}:\d{2}", shown)
    assert phone.get_by_test_id("punch-main").inner_text() == "下班"  # the sensible next one
    assert "已打上班卡" in phone.locator(".messages").inner_text()

    punch = Punch.objects.get(staff=people["teacher"])
    assert timezone.localtime(punch.at).strftime("%H:%M:%S") == shown  # the server's time, as shown
    day = punch.work_date

    phone.goto(f"{live_server.url}/attendance/month/{day.year}/{day.month}/")
    assert phone.get_by_test_id("month-title").inner_text() == f"民國 {day.year - 1911} 年 {day.month} 月"
    cell = phone.get_by_test_id(f"day-{day.isoformat()}")
    assert cell.get_by_test_id("first-in").inner_text() == shown[:5]
    assert "is-today" in cell.get_attribute("class")
    assert re.search(r"result-\w+", cell.get_attribute("class"))
    row = phone.get_by_test_id(f"row-{day.isoformat()}")
    assert shown[:5] in row.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
