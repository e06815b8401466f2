"""At phone width (390 px), the whole coverage journey of a four-day leave: 教學組 opens the leave's periods from
a need's page, proposes them (自動排代), changes one cell and confirms; the school offers cover first (提供), so
each substitute accepts from their home page; the cover board then shows the first day's periods, and the
dashboard, narrowed to the teacher by typing a name, fits the phone without sideways scrolling."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from schedules.calendar import calendar_days
from substitutes.models import CoverageAssignment, CoverageNeed
from substitutes.selectors import board_days
from substitutes.services import coverage_policy_set
from tests.substitutes.conftest import add_class, at, leave, school_setup  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_WIDTH = 390


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, page.url


def test_academic_affairs_propose_change_one_and_confirm_a_four_day_leave_then_substitutes_accept(
    phone, live_server, sign_in, request
):
    setup, publish_leave = request.getfixturevalue("school_setup"), request.getfixturevalue("leave")
    school, teacher, semester = setup["school"], setup["teacher"], setup["semester"]
    today = dt.date.today()
    semester.start_date, semester.end_date = today - dt.timedelta(days=60), today + dt.timedelta(days=60)
    semester.save()
    coverage_policy_set(actor=setup["academic"], offers_enabled=True)  # offers (提供): the substitute answers
    # 王老師 also teaches P2 from Monday to Thursday (Friday's P2 is already his): a class every school day.
    for weekday in (1, 2, 3, 4):
        add_class(semester, teacher, weekday, 2, "高一 9 班", "國文", room="309")
    # Four school days from the next one the cover board shows.
    first = board_days(school=school, today=today)[1]
    days = [c.day for c in calendar_days(school.pk, first, first + dt.timedelta(days=14)) if c.school_day][:4]
    publish_leave(teacher, [(at(days[0], "07:30"), at(days[-1], "17:00"))])
    needs = list(CoverageNeed.objects.filter(teacher=teacher, status="open").order_by("starts_at"))
    assert {n.date for n in needs} == set(days)

    page = phone
    sign_in(page, live_server, "academic")
    page.goto(f"{live_server.url}/substitutes/needs/{needs[0].pk}/")
    page.get_by_test_id("propose-absence").click()
    page.get_by_test_id("propose-submit").click()  # the leave's days are filled in: propose them
    cells = page.get_by_test_id("proposal-cell")
    expect(cells).to_have_count(len(needs))
    _fits(page)
    assert "提案理由" in cells.first.inner_text()

    # Change the first period: another allowed person instead of the proposed one.
    select = cells.first.get_by_test_id("proposal-choice")
    proposed = select.input_value()
    other = next(v for v in select.locator("option").evaluate_all("os => os.map(o => o.value)") if v and v != proposed)
    select.select_option(other)
    chosen = {}
    for i in range(len(needs)):
        chosen[needs[i].pk] = cells.nth(i).get_by_test_id("proposal-choice").input_value()
    assert all(chosen.values()), "every period of the leave has someone proposed"
    page.get_by_test_id("proposal-confirm").click()
    page.wait_for_url("**/substitutes/")
    expect(page.locator(".messages")).to_contain_text(f"已依提案提供 {len(needs)} 節代課，等待回覆")

    offered = dict(
        CoverageAssignment.objects.filter(need__in=needs, status="offered").values_list("need_id", "substitute_id")
    )
    assert offered == {pk: int(v) for pk, v in chosen.items()}  # exactly the grid shown, offered
    assert offered[needs[0].pk] == int(other)
    # Who has not answered: every period, on the dashboard.
    expect(page.get_by_test_id("not-answered").locator("li")).to_have_count(len(needs))
    _fits(page)

    # Each substitute accepts from the home page.
    substitutes = CoverageAssignment.objects.filter(need__in=needs).select_related("substitute__user")
    for person in {a.substitute for a in substitutes}:
        page.context.clear_cookies()
        sign_in(page, live_server, person.user.username)
        page.goto(f"{live_server.url}/")
        mine = sum(1 for a in substitutes if a.substitute_id == person.pk)
        offers = page.get_by_test_id("home-offer")
        expect(offers).to_have_count(mine)
        _fits(page)
        for left in range(mine, 0, -1):
            offers.first.get_by_test_id("accept").click()
            page.wait_for_load_state()
            expect(page.locator(".messages")).to_contain_text("已接受代課 1 節")
            expect(page.get_by_test_id("home-offer")).to_have_count(left - 1)
    assert set(CoverageAssignment.objects.filter(need__in=needs).values_list("status", flat=True)) == {"active"}

    # The cover board (anyone of the school: the absent teacher here): the first day's periods, who covers them.
    page.context.clear_cookies()
    sign_in(page, live_server, teacher.user.username)
    page.goto(f"{live_server.url}/substitutes/board/")
    day = page.locator(f'[data-date="{days[0]:%Y-%m-%d}"]')
    rows = day.get_by_test_id("board-row")
    first_day = [n for n in needs if n.date == days[0]]
    expect(rows).to_have_count(len(first_day))
    for need in first_day:
        substitute = CoverageAssignment.objects.get(need=need, status="active").substitute
        expect(day).to_contain_text(need.class_name)
        expect(day).to_contain_text(substitute.name)
    _fits(page)

    # 教學組's dashboard, narrowed to the absent teacher by typing part of his name: his periods, covered.
    page.context.clear_cookies()
    sign_in(page, live_server, "academic")
    page.goto(f"{live_server.url}/substitutes/")
    page.get_by_test_id("cover-filter").locator("summary").click()  # the filter is folded until used
    page.get_by_test_id("filter-teacher").fill(teacher.name[:1])
    page.get_by_test_id("filter-submit").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("need")).to_have_count(len(needs))
    expect(page.get_by_test_id("covered-by")).to_have_count(len(needs))
    _fits(page)
