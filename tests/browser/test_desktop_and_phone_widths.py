"""At 1366 px the navigation is a bar in view and the content uses the width; at 390 px no main page
scrolls sideways (wide tables scroll inside their wrapper and say so)."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from leave.models import LeaveType
from leave.services import approval_chains_seed, leave_request_submit, leave_step_approve, leave_types_seed
from tests.browser.test_leave_journey import _next_working_day

pytestmark = pytest.mark.django_db(transaction=True)

MAIN_PAGES = (
    "/", "/attendance/", "/attendance/month/", "/leave/", "/leave/new/", "/leave/inbox/", "/leave/overview/",
    "/leave/overtime/", "/substitutes/mine/", "/notifications/", "/schedules/", "/attendance/unit/",
)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_at_1366_px_the_navigation_is_a_visible_bar(page, live_server, people, sign_in):
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_server, "head")
    bar = page.get_by_test_id("deskbar")
    expect(bar).to_be_visible()
    expect(page.locator("details.menu")).to_be_hidden()
    expect(bar.get_by_role("link", name="我的出勤")).to_be_visible()
    bar.get_by_role("link", name="我的請假").click()
    page.wait_for_url(re.compile(r"/leave/$"))
    # The content is not a narrow column: the main area is most of the window.
    width = page.locator("main.container").evaluate("el => el.getBoundingClientRect().width")
    assert width >= 1100


def test_at_390_px_the_menu_is_the_way_and_no_main_page_scrolls_sideways(phone, live_server, people, sign_in):
    sign_in(phone, live_server, "head")
    expect(phone.get_by_test_id("deskbar")).to_be_hidden()
    expect(phone.locator("details.menu summary")).to_be_visible()
    for path in MAIN_PAGES:
        response = phone.goto(f"{live_server.url}{path}")
        assert response is not None and response.status < 400, path
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path


def test_an_approved_leave_shows_on_the_month(phone, live_server, people, sign_in):
    leave_types_seed(school=people["school"])
    approval_chains_seed(school=people["school"])
    teacher = people["teacher"]
    day = _next_working_day(teacher, timezone.localdate())
    personal = LeaveType.objects.get(school=people["school"], code="personal")
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(8)))
    request = leave_request_submit(
        applicant=teacher, leave_type=personal, start=start, end=start + dt.timedelta(hours=4),
        deputy=people["other_teacher"], reason="家中有事", class_arrangement="無課務",
    )
    leave_step_approve(request=request, actor=people["other_teacher"])
    leave_step_approve(request=request, actor=people["unit_head"])
    sign_in(phone, live_server, "teacher")
    phone.goto(f"{live_server.url}/attendance/month/{day.year}/{day.month}/")
    cell = phone.get_by_test_id(f"day-{day.isoformat()}")
    expect(cell.get_by_test_id("cal-leave")).to_have_text("事假")
    expect(phone.get_by_test_id("month-leave")).to_contain_text("已核准")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


# What a 390 px page may not do: stick out of the window. An element past the right edge is allowed only inside a
# scroll container that clips it (a .table-wrap, or any box that hides its overflow within the window); a
# .table-wrap whose table does not fit scrolls and says so with the line above it (static/js/app.js).
SIDEWAYS = """() => {
  const vw = window.innerWidth;
  const clippedInside = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (p.classList.contains("table-wrap")) return true;
      const style = getComputedStyle(p);
      if (style.overflowX !== "visible" && p.getBoundingClientRect().right <= vw + 1) return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "") +
    (el.dataset.testid ? "[" + el.dataset.testid + "]" : "");
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    // the box itself, or its text running out of it (a long word, a line that does not wrap)
    const spills = getComputedStyle(el).overflowX === "visible" && r.left + el.scrollWidth > vw + 1;
    if (r.right <= vw + 1 && r.left >= -1 && !spills) continue;
    if (clippedInside(el)) continue;
    if (el.parentElement && out.some((o) => o.el === el.parentElement)) continue;
    out.push({el, what: name(el) + " " + Math.round(r.left) + ".." + Math.round(r.right)});
  }
  const problems = out.map((o) => o.what);
  for (const wrap of document.querySelectorAll(".table-wrap")) {
    if (wrap.scrollWidth <= wrap.clientWidth + 1) continue;
    if (!["auto", "scroll"].includes(getComputedStyle(wrap).overflowX)) problems.push(name(wrap) + " does not scroll");
    const hint = wrap.previousElementSibling;
    if (!hint || !hint.classList.contains("scroll-hint") || !hint.getClientRects().length) {
      problems.push(name(wrap) + " scrolls without saying so");
    }
  }
  return {width: document.scrollingElement.scrollWidth, window: vw, problems};
}"""


@pytest.fixture
def world(tmp_path, settings):
    import time_machine
    from django.test import override_settings

    from tests.sweep_world import NOW, build_world

    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(NOW, tick=True), override_settings(MEDIA_ROOT=tmp_path):
        yield build_world(tmp_path)


@pytest.mark.parametrize("role", ["teacher", "unit_head", "personnel", "academic"])
def test_at_390_px_no_page_of_the_main_journeys_scrolls_sideways(world, role, phone, live_server, sign_in):
    """Every page of the main journeys (the English journeys' and the accessibility test's list), as each role:
    the document is no wider than the window; what is wider scrolls inside its .table-wrap, which says so."""
    from tests.config.test_english_journeys import pages

    sign_in(phone, live_server, world.staff(role).user.username)
    found = {}
    for url in pages(world)[role]:
        response = phone.goto(f"{live_server.url}{url}")
        assert response is not None and response.status < 400, url
        phone.wait_for_load_state("load")
        seen = phone.evaluate(SIDEWAYS)
        if seen["width"] > seen["window"] or seen["problems"]:
            found[url] = seen
    assert not found, "\n".join(f"{url}: {seen}" for url, seen in found.items())


COLUMNS = "el => getComputedStyle(el).gridTemplateColumns.split(' ').length"


def test_my_calendar_is_a_list_of_days_on_a_phone_and_a_month_grid_on_a_desk(page, live_server, people, sign_in):
    leave_types_seed(school=people["school"])
    approval_chains_seed(school=people["school"])
    teacher = people["teacher"]
    day = _next_working_day(teacher, timezone.localdate())
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(8)))
    request = leave_request_submit(
        applicant=teacher, leave_type=LeaveType.objects.get(school=people["school"], code="personal"), start=start,
        end=start + dt.timedelta(hours=4), deputy=people["other_teacher"], reason="家中有事",
        class_arrangement="無課務",
    )
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "teacher")
    page.goto(f"{live_server.url}/attendance/month/{day.year}/{day.month}/")
    page.get_by_test_id("my-calendar-link").click()
    cell = page.get_by_test_id(f"day-{day.isoformat()}")
    expect(cell.get_by_test_id("entry-leave")).to_contain_text("事假")
    expect(cell.get_by_test_id("pending")).to_have_text("簽核中")  # in words, not only a colour
    # On a phone: one column, the days without anything left out.
    assert page.get_by_test_id("month-cal").evaluate(COLUMNS) == 1
    empty = page.locator(".mc-day.is-empty:not(.is-today)")
    assert empty.count() and all(not empty.nth(i).is_visible() for i in range(min(empty.count(), 3)))
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    # At a desk: a seven-column month, every day shown.
    page.set_viewport_size({"width": 1366, "height": 900})
    assert page.get_by_test_id("month-cal").evaluate(COLUMNS) == 7
    expect(empty.first).to_be_visible()
    cell.get_by_role("link", name="事假").click()
    page.wait_for_url(re.compile(rf"/leave/requests/{request.pk}/$"))
