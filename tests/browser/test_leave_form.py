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


def test_three_errors_show_at_once_and_the_file_is_kept(phone, live_server, people, sign_in, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    leave_types_seed(school=people["school"])
    approval_chains_seed(school=people["school"])
    day = _next_working_day(people["teacher"], timezone.localdate() + dt.timedelta(days=1))
    page = phone
    sign_in(page, live_server, "teacher")
    page.goto(f"{live_server.url}/leave/new/")
    page.select_option("select[name=leave_type]", label="事假")
    page.fill("input[name=start_date]", day.isoformat())
    page.fill("input[name=end_date]", day.isoformat())
    page.set_input_files("input[name=attachments]", files=[
        {"name": "證明.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 proof"},
    ])
    # No reason, no deputy, no 課務: all three said at once, each by its field, and the file kept.
    page.get_by_test_id("submit").click()
    page.wait_for_load_state()
    errors = page.get_by_test_id("field-error")
    expect(errors).to_have_count(3)
    assert sorted(errors.evaluate_all("els => els.map(e => e.dataset.field)")) == [
        "class_arrangement", "deputy", "reason"]
    for element in errors.all():
        assert element.is_visible()
    expect(page.get_by_test_id("form-error")).to_contain_text("3")
    expect(page.get_by_test_id("kept-name")).to_have_text("證明.pdf")
    expect(page.locator("input[name=kept_attachment]")).to_be_checked()
    # What was typed is still there, and the preview too.
    expect(page.locator("input[name=start_date]")).to_have_value(day.isoformat())
    expect(page.get_by_test_id("preview-length")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("textarea[name=reason]", "家中有事")
    colleague = people["other_teacher"]
    page.select_option("select[name=deputy]", label=f"{colleague.name}（{colleague.unit.name}）")
    page.fill("textarea[name=class_arrangement]", "無課務")
    page.get_by_test_id("submit").click()
    page.wait_for_url(re.compile(r"/leave/requests/\d+/"))
    expect(page.get_by_text("證明.pdf")).to_be_visible()


def test_the_deputy_picker_finds_a_colleague_by_two_characters(phone, live_server, people, sign_in):
    from tests.factories import make_staff

    leave_types_seed(school=people["school"])
    approval_chains_seed(school=people["school"])
    for name in ("黃大同", "黃美玲", "吳志明"):
        make_staff(people["school"], unit=people["other_teacher"].unit, name=name)
    page = phone
    sign_in(page, live_server, "teacher")
    page.goto(f"{live_server.url}/leave/new/")
    search = page.get_by_test_id("deputy-search")
    expect(search).to_be_visible()
    search.fill("美玲")
    options = page.get_by_test_id("deputy-option")
    expect(options).to_have_count(1)
    expect(options).to_have_text("黃美玲（學務處）")
    options.click()
    chosen = page.locator("select[name=deputy] option:checked")
    expect(chosen).to_have_text("黃美玲（學務處）")
    search.fill("黃")  # one character: everyone with it (the standing school has a 黃 of its own)
    expect(page.get_by_test_id("deputy-results")).to_contain_text("黃大同（學務處）")
    expect(page.get_by_test_id("deputy-results")).to_contain_text("黃美玲（學務處）")
    search.fill("查無此人")
    expect(page.get_by_test_id("deputy-results")).to_contain_text("找不到符合的同仁")
