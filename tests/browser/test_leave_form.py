"""The new-request form's small script: event fields per type, and the live preview."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from leave.services import approval_chains_seed, leave_types_seed
from tests.browser.test_leave_journey import _next_working_day

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_event_fields_follow_the_type_and_the_preview_follows_the_fields(phone, live_server, people, sign_in):
    leave_types_seed(school=people["school"])
    approval_chains_seed(school=people["school"])
    day = _next_working_day(people["teacher"], timezone.localdate() + dt.timedelta(days=1))
    page = phone
    sign_in(page, live_server, "teacher")
    page.goto(f"{live_server.url}/leave/new/")
    events = page.locator(".leave-event-fields")
    page.select_option("select[name=leave_type]", label="事假")
    expect(events).to_be_hidden()
    page.select_option("select[name=leave_type]", label="喪假")
    expect(events).to_be_visible()
    offered = page.locator("select[name=event_key] optgroup:not([disabled]) option").all_inner_texts()
    assert offered == ["父母、配偶喪亡", "繼父母、配偶之父母、子女喪亡", "曾祖父母、祖父母、配偶之祖父母、兄弟姊妹喪亡"]
    # Without the event the preview says what is missing; with it, the length.
    page.fill("input[name=start_date]", day.isoformat())
    page.fill("input[name=end_date]", day.isoformat())
    expect(page.get_by_test_id("preview-error")).to_contain_text("請選擇「喪假」的事由")
    page.select_option("select[name=event_key]", label="父母、配偶喪亡")
    page.fill("input[name=event_date]", (day - dt.timedelta(days=2)).isoformat())
    expect(page.get_by_test_id("preview-length")).to_have_text("1日0小時")
    # 15 days for a parent's death, one of them asked for now.
    expect(page.get_by_test_id("preview-balance")).to_contain_text(re.compile(r"喪假：\s*送出後 剩餘：14日0小時"))
