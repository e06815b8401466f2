"""我的行事曆 and the unit's calendar: what each holds, who may open which unit's, and their query counts."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from leave.services import leave_request_submit, leave_step_approve
from offices.calendars import personal_month, unit_month
from substitutes.models import CoverageNeed
from substitutes.services import coverage_assign
from tests.clock import at
from tests.factories import make_staff, make_unit
from tests.substitutes.conftest import THU

pytestmark = pytest.mark.django_db

TUE = dt.date(2025, 10, 14)
WED = dt.date(2025, 10, 15)


@pytest.fixture(autouse=True)
def _on_1_october_2025():
    with time_machine.travel(at(2025, 10, 1, 9), tick=False):
        yield


@pytest.fixture
def world(school_setup, types):
    return school_setup


def request_for(world, types, day: dt.date, who="teacher", deputy="other_teacher", hours=(8, 12)):
    return leave_request_submit(
        applicant=world[who], leave_type=types["personal"], start=at(day, hours[0]), end=at(day, hours[1]),
        deputy=world[deputy], reason="家中有事", class_arrangement="無課務",
    )


def approved(world, types, day: dt.date, **kw):
    request = request_for(world, types, day, **kw)
    leave_step_approve(request=request, actor=world[kw.get("deputy", "other_teacher")])
    leave_step_approve(request=request, actor=world["unit_head"])
    return request


def cover_thursdays(world, published_leave, thursdays: list[dt.date], by="hourly") -> list:
    """王老師 away on those Thursdays (as leave would say); 趙代課 (or ``by``) covers each first period."""
    duties = []
    for n, day in enumerate(thursdays):
        published_leave(world["teacher"], [(at(day, "07:30"), at(day, "17:00"))], request_id=500 + n)
        need = CoverageNeed.objects.get(teacher=world["teacher"], date=day, period_number=1)
        duties.append(coverage_assign(actor=world["academic"], need_id=need.pk, substitute_id=world[by].pk))
    return duties


def entries(month, day: dt.date, kind: str) -> list:
    return [e for d in month.days if d.day == day for e in d.entries if e.kind == kind]


def test_my_month_holds_my_leave_my_cover_and_my_days_off(world, types, published_leave):
    pending = request_for(world, types, TUE)
    done = approved(world, types, WED, hours=(8, 17))
    [duty] = cover_thursdays(world, published_leave, [THU])

    mine = personal_month(world["teacher"], 2025, 10)
    [on_tue] = entries(mine, TUE, "leave")
    assert (on_tue.text, on_tue.pending, on_tue.when) == ("事假", True, "08:00–12:00")
    assert on_tue.url == reverse("leave:detail", args=[pending.pk])
    [on_wed] = entries(mine, WED, "leave")
    assert (on_wed.pending, on_wed.url) == (False, reverse("leave:detail", args=[done.pk]))
    [national_day] = entries(mine, dt.date(2025, 10, 10), "off")
    assert national_day.text == "國慶日" and national_day.url.endswith("?month=2025-10")
    assert not entries(mine, THU, "cover")  # 王老師 is covered, not covering
    assert next(d for d in mine.days if d.day == dt.date(2025, 10, 11)).weekend

    substitute = personal_month(world["hourly"], 2025, 10)
    [cover] = entries(substitute, THU, "cover")
    assert "高一 3 班" in cover.text and "國文" in cover.text and cover.who == "王老師"
    assert cover.url == f"{reverse('substitutes:mine')}#duty-{duty.pk}"
    assert not entries(substitute, TUE, "leave")  # someone else's leave is not on my calendar


def test_a_leave_over_several_days_shows_on_each_with_its_hours_at_the_ends(world, types):
    request = leave_request_submit(
        applicant=world["teacher"], leave_type=types["personal"], start=at(TUE, 13), end=at(dt.date(2025, 10, 16), 12),
        deputy=world["other_teacher"], reason="家中有事", class_arrangement="無課務",
    )
    mine = personal_month(world["teacher"], 2025, 10)
    whens = [(d.day.day, e.when) for d in mine.days for e in d.entries if e.kind == "leave"]
    assert whens == [(14, "13:00–"), (15, ""), (16, "–12:00")]
    assert request.pk


def test_my_calendar_page_links_each_entry_and_pages_by_month(world, types, published_leave, client_for):
    pending = request_for(world, types, TUE)
    client = client_for(world["teacher"])
    page = client.get(reverse("offices:my_calendar"), {"month": "2025-10"})
    assert page.status_code == 200
    text = page.content.decode()
    assert reverse("leave:detail", args=[pending.pk]) in text
    assert "簽核中" in text and "國慶日" in text
    assert 'href="?month=2025-09"' in text and 'href="?month=2025-11"' in text
    # A stale or hand-edited month shows this month, not an error.
    for bad in ("2025-13", "abc", "9999-99"):
        again = client.get(reverse("offices:my_calendar"), {"month": bad})
        assert again.status_code == 200 and "2025-10" in again.context["cal"].value
    # Reachable from the menu and from 我的出勤.
    assert reverse("offices:my_calendar") in client.get(reverse("home")).content.decode()
    assert reverse("offices:my_calendar") in client.get(reverse("attendance:my_month")).content.decode()


def test_the_unit_calendar_shows_who_is_away_approved_and_pending_told_apart_in_words(world, types, client_for):
    approved(world, types, WED, who="teacher")
    request_for(world, types, TUE, who="academic", deputy="teacher")  # 教學組 is a section of 教務處
    request_for(world, types, TUE, who="other_teacher", deputy="other_head")  # 學務處: another unit

    office = unit_month(world["units"]["academic"], 2025, 10)
    assert [(e.who, e.pending) for e in entries(office, WED, "leave")] == [("王老師", False)]
    assert entries(office, TUE, "leave") == []  # the section's and the other unit's people are not members
    section = unit_month(world["units"]["teaching"], 2025, 10)
    assert [(e.who, e.pending) for e in entries(section, TUE, "leave")] == [(world["academic"].name, True)]

    page = client_for(world["unit_head"]).get(reverse("offices:unit_calendar_of", args=[world["units"]["teaching"].pk]),
                                             {"month": "2025-10"})
    assert page.status_code == 200
    day = page.content.decode().split('data-testid="day-2025-10-14"')[1].split("</li>\n  ")[0]
    assert "簽核中" in day and world["academic"].name in day and "李導師" not in day


@pytest.mark.parametrize(("who", "unit", "status"), [
    ("unit_head", "academic", 200),
    ("unit_head", "teaching", 200),  # the section of the unit they head
    ("unit_head", "student", 404),  # another unit
    ("other_head", "academic", 404),
    ("personnel", "student", 200),  # any unit of their school
    ("principal", "academic", 200),
    ("teacher", "academic", 403),  # heads nothing
    ("academic", "teaching", 200),  # 教學組長 heads the section
    ("academic", "academic", 404),  # not the office above it
    ("outsider", "academic", 404),  # another school's personnel
])
def test_who_may_open_which_units_calendar(world, client_for, who, unit, status):
    make_unit(world["outsider"].school, "人事室")  # the other school has a unit: the refusal is per object
    url = reverse("offices:unit_calendar_of", args=[world["units"][unit].pk])
    assert client_for(world[who]).get(url).status_code == status


def test_the_default_unit_is_my_own_and_the_others_i_may_see_are_offered(world, client_for):
    page = client_for(world["unit_head"]).get(reverse("offices:unit_calendar"))
    assert page.status_code == 200 and page.context["unit"] == world["units"]["academic"]
    assert [u.name for u in page.context["units"]] == ["教務處", "教學組"]
    assert client_for(world["teacher"]).get(reverse("offices:unit_calendar")).status_code == 403
    menu = client_for(world["unit_head"]).get(reverse("home")).content.decode()
    assert reverse("offices:unit_calendar") in menu
    assert reverse("offices:unit_calendar") not in client_for(world["teacher"]).get(reverse("home")).content.decode()


THURSDAYS = [dt.date(2025, 10, 2), THU, dt.date(2025, 10, 16), dt.date(2025, 10, 23)]


@pytest.mark.parametrize("n", [1, 4])
def test_my_calendar_costs_the_same_whatever_the_entries(world, types, published_leave, client_for, n,
                                                          django_assert_num_queries):
    for day in [TUE, WED, dt.date(2025, 10, 21), dt.date(2025, 10, 22)][:n]:
        request_for(world, types, day, who="other_teacher", deputy="other_head")
    cover_thursdays(world, published_leave, THURSDAYS[:n], by="other_teacher")
    client = client_for(world["other_teacher"])
    # 14 queries: savepoint and release; session, user with staff; my leave; my cover duties (with their classes and
    # teachers); the calendar and my days (office days, school and typhoon days, semesters, personal and category
    # schedules); the menu's roles and headed units; the unread count.
    with django_assert_num_queries(14):
        page = client.get(reverse("offices:my_calendar"), {"month": "2025-10"})
    assert page.status_code == 200
    found = [e.kind for d in page.context["cal"].days for e in d.entries]
    assert (found.count("cover"), found.count("leave")) == (n, n)


@pytest.mark.parametrize("n", [2, 12])
def test_the_unit_calendar_costs_the_same_whatever_the_people_and_leave(world, types, client_for, n,
                                                                        django_assert_num_queries):
    unit = world["units"]["student"]
    for i in range(n):
        person = make_staff(world["school"], unit=unit, name=f"教師{i}")
        leave_request_submit(
            applicant=person, leave_type=types["personal"], start=at([TUE, WED][i % 2], 8),
            end=at([TUE, WED][i % 2], 12), deputy=world["other_teacher"], reason="家中有事", class_arrangement="無課務",
        )
    client = client_for(world["principal"])
    # 13 queries: savepoint and release; session, user with staff; roles; the units I may see; the unit's people;
    # their leave; the school's calendar (office days, school and typhoon days, semesters); the menu's headed
    # units; the unread count.
    with django_assert_num_queries(13):
        page = client.get(reverse("offices:unit_calendar_of", args=[unit.pk]), {"month": "2025-10"})
    assert page.status_code == 200 and page.context["away"] == n
