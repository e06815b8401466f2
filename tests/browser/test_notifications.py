"""A person's notices on a phone: the badge, the inbox, mark all read; and the language switch."""

import pytest
from playwright.sync_api import expect

from notifications.services import notify

pytestmark = pytest.mark.django_db(transaction=True)


def test_unread_badge_inbox_and_mark_all_read(phone, live_server, people, sign_in):
    notify([people["teacher"]], "system.test", {"title": "請確認代課"}, url="/", email=False)
    notify([people["teacher"]], "system.test", {"title": "第二則"}, email=False)
    notify([people["unit_head"]], "system.test", {"title": "主任的通知"}, email=False)

    sign_in(phone, live_server, "teacher")
    assert phone.get_by_test_id("unread-count").inner_text() == "2"

    phone.locator("details.menu summary").click()
    phone.get_by_role("link", name="通知 (2)").click()
    phone.wait_for_url(f"{live_server.url}/notifications/")
    items = phone.get_by_test_id("notification")
    assert items.count() == 2
    assert "主任的通知" not in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    phone.get_by_test_id("mark-all-read").click()
    # Auto-waiting assertions: the page reloads after the post.
    expect(phone.locator("li.unread")).to_have_count(0)
    expect(phone.get_by_test_id("unread-count")).to_have_count(0)
    expect(phone.get_by_test_id("notification")).to_have_count(2)


def test_switching_the_language_on_a_phone(phone, live_server):
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.select_option("select[name=language]", "en")  # the form submits itself on change
    expect(phone.locator("h1")).to_have_text("Sign in to Campus Attendance")
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    phone.select_option("select[name=language]", "zh-hant")
    expect(phone.locator("h1")).to_have_text("登入校園差勤")
