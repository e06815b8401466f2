"""The calendar API: the same answers and the same rules as the pages."""

import datetime as dt

import pytest
from django.urls import reverse

from schedules.models import SchoolDay, TyphoonDay
from schedules.services import school_day_create, typhoon_day_declare
from staff.models import Role
from tests.factories import make_staff
from tests.schedules.helpers import add_semesters_114_115

URL = "/api/calendar/"


def test_urls():
    assert reverse("api-calendar") == URL
    assert reverse("api-calendar-school") == "/api/calendar/school/"


def test_my_days(people, client_for, django_assert_max_num_queries):
    add_semesters_114_115(people["school"])
    client = client_for(people["teacher"])
    # savepoint and release (ATOMIC_REQUESTS), session, user, staff; office days, school days ∪ typhoons,
    # semesters, personal schedules, category schedules
    with django_assert_max_num_queries(10):
        response = client.get(URL, {"start": "2026-11-20", "end": "2026-11-23"})
    assert response.status_code == 200
    days = {d["date"]: d for d in response.json()}
    assert list(days) == ["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23"]
    monday = days["2026-11-23"]
    assert monday == {
        "date": "2026-11-23", "has_duty": True, "reason": "workday", "label": "上班日", "start": "08:00:00",
        "end": "16:00:00", "scheduled_start": "08:00:00", "arrival_note": "", "grace_minutes": 0, "breaks": [],
        "working_hours": 8.0, "school_day": True, "schedule_name": "專任及代理教師 08:00–16:00",
    }
    assert days["2026-11-21"]["reason"] == "weekend" and not days["2026-11-21"]["has_duty"]


def test_clerk_has_a_lunch_break(people, client_for):
    response = client_for(people["personnel"]).get(URL, {"start": "2026-11-23", "end": "2026-11-23"})
    [day] = response.json()
    assert day["breaks"] == [{"start": "12:00:00", "end": "13:00:00"}]
    assert (day["start"], day["end"], day["working_hours"]) == ("07:30:00", "16:30:00", 8.0)


def test_someone_elses_days_only_when_the_viewer_may_see_them(people, client_for):
    params = {"start": "2026-11-23", "end": "2026-11-23", "staff": people["teacher"].pk}
    assert client_for(people["unit_head"]).get(URL, params).status_code == 200  # their unit
    assert client_for(people["personnel"]).get(URL, params).status_code == 200  # school-wide
    assert client_for(people["other_head"]).get(URL, params).status_code == 404  # another unit
    assert client_for(people["other_teacher"]).get(URL, params).status_code == 404
    assert client_for(people["outsider"]).get(URL, params).status_code == 404  # another school


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"start": "2026-11-23", "end": "2026-11-01"}, "invalid_range"),
        ({"start": "2026-01-01", "end": "2027-01-02"}, "range_too_long"),
    ],
)
def test_bad_ranges(people, client_for, params, code):
    response = client_for(people["teacher"]).get(URL, params)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_missing_dates(people, client_for):
    response = client_for(people["teacher"]).get(URL)
    assert response.status_code == 400
    assert set(response.json()) == {"start", "end"}


def test_anonymous_is_refused(client, db):
    assert client.get(URL, {"start": "2026-11-23", "end": "2026-11-23"}).status_code in (401, 403)


def test_school_calendar(people, client_for):
    school = people["school"]
    add_semesters_114_115(school)
    school_day_create(actor=None, school=school, day=dt.date(2026, 11, 27), kind=SchoolDay.Kind.DAY_OFF,
                      label="校慶補假")
    response = client_for(people["personnel"]).get("/api/calendar/school/", {"start": "2026-11-27",
                                                                              "end": "2026-11-28"})
    assert response.status_code == 200
    friday, saturday = response.json()
    assert friday == {
        "date": "2026-11-27", "working": False, "teachers_working": False, "reason": "school_day_off",
        "label": "校慶補假", "school_day": False, "vacation": "", "entry_kind": "day_off",
    }
    assert saturday["reason"] == "weekend"
    winter = client_for(people["teacher"]).get("/api/calendar/school/", {"start": "2026-01-21", "end": "2026-01-21"})
    assert winter.json()[0]["working"] and not winter.json()[0]["teachers_working"]
    assert winter.json()[0]["vacation"] == "寒假"


def test_school_calendar_of_another_school(people, client_for):
    other = people["outsider"].school
    params = {"start": "2026-11-23", "end": "2026-11-23", "school": other.code}
    assert client_for(people["personnel"]).get("/api/calendar/school/", params).status_code == 404
    sysadmin = make_staff(people["school"], username="sysadmin", roles=(Role.SYSTEM_ADMIN,))
    assert client_for(sysadmin).get("/api/calendar/school/", params).status_code == 200


def test_typhoon_days_of_my_school(people, client_for):
    mine = typhoon_day_declare(actor=None, day=dt.date(2026, 9, 1), school=people["school"])
    citywide = typhoon_day_declare(actor=None, day=dt.date(2026, 10, 1), school=None)
    typhoon_day_declare(actor=None, day=dt.date(2026, 9, 2), school=people["outsider"].school)
    response = client_for(people["teacher"]).get("/api/calendar/typhoons/")
    assert [r["id"] for r in response.json()["results"]] == [citywide.pk, mine.pk]
    assert response.json()["results"][0]["school"] is None
    response = client_for(people["teacher"]).get("/api/calendar/typhoons/", {"start": "2026-09-15"})
    assert [r["id"] for r in response.json()["results"]] == [citywide.pk]
    assert TyphoonDay.objects.count() == 3


def test_listed_in_the_openapi_schema(people, client_for):
    schema = client_for(people["teacher"]).get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/calendar/", "/api/calendar/school/", "/api/calendar/typhoons/"):
        assert "get" in schema["paths"][path]
    assert "DutyDayOutput" in schema["components"]["schemas"]
