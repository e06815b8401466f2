"""The disaster-stop operations in the REST API: list, preview, declare, withdraw — with the page's rules."""

import datetime as dt

import pytest

from audit.models import AuditEntry
from schedules.models import TyphoonDay
from schedules.services import typhoon_day_declare
from staff.models import District

pytestmark = pytest.mark.django_db

DAY = "2026-12-01"
URL = "/api/calendar/typhoons/"


def test_personnel_declares_an_afternoon_stop_for_their_school(people, client_for):
    client = client_for(people["personnel"])
    body = {"date": DAY, "scope": "school", "school": people["school"].code, "start_time": "12:00",
            "label": "颱風停班停課"}
    preview = client.post(URL + "preview/", body, content_type="application/json")
    assert preview.status_code == 200, preview.content
    assert preview.json()["people"] == people["school"].staff.filter(is_active=True).count()
    assert not TyphoonDay.objects.exists()  # a preview declares nothing

    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["scope"], data["school"], data["start_time"], data["end_time"]) == (
        "school", people["school"].code, "12:00:00", None
    )
    assert [t["id"] for t in client_for(people["teacher"]).get(URL).json()["results"]] == [data["id"]]
    assert AuditEntry.objects.filter(action="schedules.typhoon_declared").count() == 1

    withdraw = client_for(people["personnel"]).post(f"{URL}{data['id']}/withdraw/")
    assert withdraw.status_code == 204 and not TyphoonDay.objects.exists()


@pytest.mark.parametrize("who", ["teacher", "unit_head", "academic"])
def test_people_without_the_power_cannot_declare(people, client_for, who):
    body = {"date": DAY, "scope": "school", "school": people["school"].code}
    for url in (URL, URL + "preview/"):
        assert client_for(people[who]).post(url, body, content_type="application/json").status_code == 403
    assert not TyphoonDay.objects.exists()


def test_personnel_cannot_declare_for_the_city_districts_or_another_school(people, client_for):
    District.objects.create(name="苓雅區")
    client = client_for(people["personnel"])
    for body in (
        {"date": DAY, "scope": "city"},
        {"date": DAY, "scope": "districts", "districts": ["苓雅區"]},
        {"date": DAY, "scope": "school", "school": people["outsider"].school.code},
    ):
        assert client.post(URL, body, content_type="application/json").status_code == 403
    assert not TyphoonDay.objects.exists()


def test_a_system_admin_declares_for_districts(people, client_for, sysadmin):
    lingya = District.objects.create(name="苓雅區")
    people["school"].district = lingya
    people["school"].save()
    body = {"date": DAY, "scope": "districts", "districts": ["苓雅區"], "stops_work": False}
    response = client_for(sysadmin).post(URL, body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["districts"] == ["苓雅區"] and response.json()["stops_classes"] is True
    # It reaches the school of the district, not the outsider's.
    assert len(client_for(people["teacher"]).get(URL).json()["results"]) == 1
    assert client_for(people["outsider"]).get(URL).json()["results"] == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"start_time": "14:00", "end_time": "10:00"}, "typhoon_bad_times"),
        ({"stops_work": False, "stops_classes": False}, "typhoon_stops_nothing"),
    ],
)
def test_a_declaration_that_makes_no_sense_is_a_400_with_its_code(people, client_for, body, code):
    full = {"date": DAY, "scope": "school", "school": people["school"].code, **body}
    response = client_for(people["personnel"]).post(URL, full, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == code
    assert not TyphoonDay.objects.exists()


def test_nobody_withdraws_another_schools_stop(people, client_for):
    theirs = typhoon_day_declare(actor=None, day=dt.date(2026, 12, 1), school=people["outsider"].school)
    assert client_for(people["personnel"]).post(f"{URL}{theirs.pk}/withdraw/").status_code == 404
    city = typhoon_day_declare(actor=None, day=dt.date(2026, 12, 2), school=None)
    assert client_for(people["personnel"]).post(f"{URL}{city.pk}/withdraw/").status_code == 403
    assert TyphoonDay.objects.count() == 2
