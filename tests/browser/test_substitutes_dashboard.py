"""An academic affairs user arranges cover in a real browser."""

import datetime as dt

import pytest

from substitutes.models import CoverageNeed
from tests.substitutes.conftest import at, leave, next_school_thursday, school_setup  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


def test_academic_affairs_assigns_a_substitute_from_the_dashboard(phone, live_server, sign_in, request):
    # The coverage tests' fixtures (tests/substitutes/conftest.py), imported above.
    setup, publish_leave = request.getfixturevalue("school_setup"), request.getfixturevalue("leave")
    school = setup["school"]
    thursday = next_school_thursday(school)
    semester = setup["semester"]
    semester.start_date, semester.end_date = thursday - dt.timedelta(days=60), thursday + dt.timedelta(days=60)
    semester.save()
    # 王老師's leave that Thursday, as the leave module publishes it.
    publish_leave(setup["teacher"], [(at(thursday, "07:30"), at(thursday, "17:00"))])
    need = CoverageNeed.objects.get(teacher=setup["teacher"], period_number=1)

    sign_in(phone, live_server, "academic")
    phone.goto(f"{live_server.url}/substitutes/")
    row = phone.locator(f"#need-{need.pk}")
    assert "高一 3 班" in row.inner_text() and "未安排" in row.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # fits a phone

    row.get_by_role("link", name="安排").click()
    first = phone.get_by_test_id("candidate").first
    assert "李導師" in first.inner_text() and "同科" in first.inner_text()  # same subject, free, first
    first.get_by_test_id("assign").click()
    phone.wait_for_url(f"**/substitutes/#need-{need.pk}")

    assert "已安排 李導師" in phone.locator(".messages").inner_text()
    covered = phone.locator(f"#need-{need.pk}").get_by_test_id("covered-by")
    assert covered.inner_text() == "代課：李導師"
    need.refresh_from_db()
    assert need.status == "covered"
