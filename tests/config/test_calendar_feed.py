"""The personal iCal feed: my leave, my cover duties, my school's days off; secret, revocable (config/feeds.py)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from audit.models import AuditEntry
from leave.models import LeaveType
from leave.services import approval_chains_seed, leave_request_submit, leave_step_approve, leave_types_seed
from staff.models import CalendarFeed
from staff.services import calendar_feed_issue
from substitutes.models import CoverageNeed
from substitutes.services import coverage_assign
from tests.substitutes.conftest import FRI, THU, at, school_setup  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(request):
    base = request.getfixturevalue("school_setup")  # tests/substitutes/conftest.py: a school with timetables
    leave_types_seed(school=base["school"])
    approval_chains_seed(school=base["school"])
    personal = LeaveType.objects.get(school=base["school"], code="personal")
    with time_machine.travel(at(dt.date(2025, 10, 1), "09:00"), tick=False):
        leave = leave_request_submit(
            applicant=base["teacher"], leave_type=personal, start=at(THU, "08:00"), end=at(THU, "16:00"),
            deputy=base["other_teacher"], reason="家中有事", class_arrangement="請教學組安排代課",
        )
        for actor in (base["other_teacher"], base["unit_head"]):
            leave_step_approve(request=leave, actor=actor)
        need = CoverageNeed.objects.get(teacher=base["teacher"], date=THU, period_number=1)
        coverage_assign(actor=base["academic"], need_id=need.pk, substitute_id=base["other_head"].pk)
        yield {**base, "request": leave}


def events(response) -> list:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    return list(Calendar.from_ical(response.content).walk("VEVENT"))


def test_the_feed_parses_and_holds_my_leave_my_cover_and_the_days_off(setup, client):
    teacher_token = calendar_feed_issue(staff=setup["teacher"])
    head_token = calendar_feed_issue(staff=setup["other_head"])
    with time_machine.travel(at(dt.date(2025, 10, 1), "09:00"), tick=False):
        mine = events(client.get(reverse("calendar_feed", args=[teacher_token])))
        theirs = events(client.get(reverse("calendar_feed", args=[head_token])))
    by_uid = {str(e["uid"]): e for e in mine}
    leave = by_uid[f"leave-{setup['request'].pk}@campus-attendance"]
    assert str(leave["summary"]) == "請假：事假" and str(leave["status"]) == "CONFIRMED"
    assert leave.decoded("dtstart") == at(THU, "08:00") and leave.decoded("dtend") == at(THU, "16:00")
    national_day = [e for e in mine if e.decoded("dtstart") == FRI]
    assert len(national_day) == 1 and "國慶" in str(national_day[0]["summary"])
    assert national_day[0].decoded("dtend") == FRI + dt.timedelta(days=1)
    assert not any(str(e["uid"]).startswith("cover-") for e in mine)  # 王老師 covers nobody
    cover = [e for e in theirs if str(e["uid"]).startswith("cover-")]
    assert len(cover) == 1
    assert str(cover[0]["summary"]) == "代課：高一 3 班 國文" and "王老師" in str(cover[0]["description"])
    assert cover[0].decoded("dtstart").date() == THU
    assert not any(str(e["uid"]).startswith("leave-") for e in theirs)


def test_the_feed_speaks_the_persons_language(setup, client):
    user = setup["other_head"].user
    user.language = "en"
    user.save(update_fields=["language"])
    token = calendar_feed_issue(staff=setup["other_head"])
    with time_machine.travel(at(dt.date(2025, 10, 1), "09:00"), tick=False):
        cover = [e for e in events(client.get(reverse("calendar_feed", args=[token])))
                 if str(e["uid"]).startswith("cover-")]
    assert str(cover[0]["summary"]).startswith("Cover:")


def test_a_revoked_or_replaced_address_answers_404_and_only_the_hash_is_kept(setup, client, client_for):
    teacher = setup["teacher"]
    page = client_for(teacher)
    response = page.post(reverse("calendar_feed_manage"), {"action": "issue"})
    url = response.context["url"]
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert CalendarFeed.objects.get(staff=teacher).token_hash == CalendarFeed.hash(token)
    assert token not in CalendarFeed.objects.get(staff=teacher).token_hash
    assert page.get(url).status_code == 200
    # A new address: the old one is dead.
    response = page.post(reverse("calendar_feed_manage"), {"action": "issue"})
    assert page.get(url).status_code == 404
    url = response.context["url"]
    assert page.get(url).status_code == 200
    # Revoked: 404, and the page says there is none.
    response = page.post(reverse("calendar_feed_manage"), {"action": "revoke"})
    assert response.context["since"] is None and 'data-testid="feed-none"' in response.content.decode()
    assert client.get(url).status_code == 404
    assert client.get(reverse("calendar_feed", args=["x" * 500])).status_code == 404
    assert AuditEntry.objects.filter(action="staff.calendar_feed_revoked").count() == 1
    assert AuditEntry.objects.filter(action="staff.calendar_feed_issued").count() == 2


def test_the_manage_page_needs_a_person(client, people, client_for):
    assert client.get(reverse("calendar_feed_manage")).status_code == 302  # to the login page
    html = client_for(people["teacher"]).get(reverse("sso:profile")).content.decode()
    assert reverse("calendar_feed_manage") in html
