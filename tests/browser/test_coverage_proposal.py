"""At phone width, academic affairs cover a four-day leave with one proposal (自動排代): open the leave's
periods from a need's page, propose, change one cell, confirm; the cover board then shows the first day's
periods. The accept step by the substitute is not here: offers (提供) are not on this branch's main yet."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from schedules.calendar import calendar_days
from substitutes.models import CoverageAssignment, CoverageNeed
from substitutes.selectors import board_days
from tests.substitutes.conftest import add_class, at, leave, school_setup  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


def test_academic_affairs_propose_change_one_and_confirm_a_four_day_leave(phone, live_server, sign_in, request):
    setup, publish_leave = request.getfixturevalue("school_setup"), request.getfixturevalue("leave")
    school, teacher, semester = setup["school"], setup["teacher"], setup["semester"]
    today = dt.date.today()
    semester.start_date, semester.end_date = today - dt.timedelta(days=60), today + dt.timedelta(days=60)
    semester.save()
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
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # fits a phone
    assert "提案理由" in cells.first.inner_text()

    # Change the first period: the second allowed person instead of the proposed one.
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
    expect(page.locator(".messages")).to_contain_text(f"已依提案安排 {len(needs)} 節代課")

    assigned = dict(
        CoverageAssignment.objects.filter(need__in=needs, status="active").values_list("need_id", "substitute_id")
    )
    assert assigned == {pk: int(v) for pk, v in chosen.items()}  # exactly the grid shown
    assert assigned[needs[0].pk] == int(other)

    # The cover board: the first day's periods with who covers them.
    page.goto(f"{live_server.url}/substitutes/board/")
    board = page.locator("main").inner_text()
    for need in [n for n in needs if n.date == days[0]]:
        substitute = CoverageAssignment.objects.get(need=need, status="active").substitute
        assert need.class_name in board and substitute.name in board
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
