"""The REST API: punch, my punches, daily results with filters, corrections — same permissions as the pages."""

import datetime as dt

import pytest
from django.urls import reverse

from attendance.models import Punch, PunchCorrection, PunchKind, PunchRefusal
from attendance.services import daily_results_recompute
from tests.attendance.conftest import WORKDAY, at

PUNCHES = reverse("attendance_api:punches")
RESULTS = reverse("attendance_api:daily_results")
CORRECTIONS = reverse("attendance_api:corrections")


@pytest.fixture
def api_for(client_for):
    return client_for


def test_punch_and_repeat(people, api_for, clock):
    api = api_for(people["teacher"])
    clock(at(WORKDAY, "07:58:30"))
    first = api.post(PUNCHES, {"kind": "in"}, content_type="application/json", HTTP_USER_AGENT="App/1.0")
    assert first.status_code == 201
    assert first.json()["kind"] == "in"
    assert first.json()["at"].startswith("2025-10-08T07:58:30")
    clock(at(WORKDAY, "07:58:31"))
    repeat = api.post(PUNCHES, {"kind": "in"}, content_type="application/json")
    assert repeat.status_code == 200
    assert repeat.json()["id"] == first.json()["id"]
    assert Punch.objects.count() == 1
    assert Punch.objects.get().user_agent == "App/1.0"


def test_punch_bad_input_and_outside_network(people, api_for, clock):
    api = api_for(people["teacher"])
    assert api.post(PUNCHES, {"kind": "lunch"}, content_type="application/json").status_code == 400
    school = people["school"]
    school.enforce_punch_networks, school.punch_networks = True, "203.64.10.0/24"
    school.save()
    clock(at(WORKDAY, "07:58:30"))
    refused = api.post(PUNCHES, {"kind": "in"}, content_type="application/json", REMOTE_ADDR="198.51.100.1")
    assert refused.status_code == 400
    assert refused.json() == {"detail": "不在學校允許的網路範圍內，無法打卡", "code": "network_refused"}
    assert not Punch.objects.exists()
    assert PunchRefusal.objects.filter(source_ip="198.51.100.1").exists()  # logged despite the 400


def test_my_punches_only(people, api_for):
    for who, time in (("teacher", "07:50:00"), ("other_teacher", "07:51:00")):
        Punch.objects.create(staff=people[who], work_date=WORKDAY, kind=PunchKind.IN, at=at(WORKDAY, time))
    body = api_for(people["teacher"]).get(PUNCHES, {"date_after": "2025-10-01", "date_before": "2025-10-31"}).json()
    assert [p["at"][11:19] for p in body["results"]] == ["07:50:00"]
    assert api_for(people["teacher"]).get(PUNCHES, {"date_after": "2025-11-01"}).json()["results"] == []


@pytest.fixture
def october(people, clock):
    clock(at(dt.date(2025, 11, 3), "09:00:00"))
    Punch.objects.create(staff=people["teacher"], work_date=WORKDAY, kind=PunchKind.IN, at=at(WORKDAY, "08:04:00"))
    Punch.objects.create(staff=people["teacher"], work_date=WORKDAY, kind=PunchKind.OUT, at=at(WORKDAY, "16:01:00"))
    daily_results_recompute(school=people["school"], start=dt.date(2025, 10, 1), end=dt.date(2025, 10, 31))


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        ("teacher", {"王老師"}),
        ("unit_head", {"王老師", "陳主任", "吳組長"}),
        ("other_head", {"林主任", "李導師"}),
        ("personnel", {"王老師", "陳主任", "吳組長", "林主任", "李導師", "張人事", "黃校長"}),
        ("outsider", set()),
    ],
)
def test_daily_results_are_scoped_like_the_pages(people, api_for, october, viewer, expected):
    body = api_for(people[viewer]).get(RESULTS, {"date_after": "2025-10-08", "date_before": "2025-10-08"}).json()
    assert {r["staff"]["name"] for r in body["results"]} == expected
    assert {r["date"] for r in body["results"]} <= {"2025-10-08"}
    assert body["count"] == len(expected)


def test_daily_results_filters(people, api_for, october):
    api = api_for(people["personnel"])
    late = api.get(RESULTS, {"date_after": "2025-10-08", "date_before": "2025-10-08", "result": "late"}).json()
    assert [(r["staff"]["name"], r["late_minutes"]) for r in late["results"]] == [("王老師", 4)]
    absent = api.get(RESULTS, {"date_after": "2025-10-08", "date_before": "2025-10-08", "result": "absent",
                               "category": "admin_teacher"}).json()
    assert {r["staff"]["name"] for r in absent["results"]} == {"陳主任", "吳組長", "林主任", "黃校長"}
    by_unit = api.get(RESULTS, {"date_after": "2025-10-08", "date_before": "2025-10-08",
                                "unit": people["units"]["student"].pk}).json()
    assert {r["staff"]["name"] for r in by_unit["results"]} == {"林主任", "李導師"}


def test_corrections_ask_and_decide(people, api_for, clock):
    clock(at(WORKDAY, "18:00:00"))
    teacher = api_for(people["teacher"])
    created = teacher.post(
        CORRECTIONS, {"date": "2025-10-08", "kind": "out", "time": "16:05", "reason": "忘記刷卡"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    approve = reverse("attendance_api:correction_approve", args=[pk])
    reject = reverse("attendance_api:correction_reject", args=[pk])

    assert teacher.post(approve, {}, content_type="application/json").status_code == 403  # one's own
    for who in ("other_head", "outsider", "academic"):
        assert api_for(people[who]).post(approve, {}, content_type="application/json").status_code == 404
        assert api_for(people[who]).post(reject, {}, content_type="application/json").status_code == 404
        assert api_for(people[who]).get(CORRECTIONS).json()["results"] == []

    head = api_for(people["unit_head"])
    assert [c["id"] for c in head.get(CORRECTIONS, {"status": "pending"}).json()["results"]] == [pk]
    done = head.post(approve, {"note": "同意"}, content_type="application/json")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["decided_by"]) == ("approved", "陳主任")
    again = head.post(reject, {}, content_type="application/json")
    assert again.status_code == 400 and again.json()["code"] == "not_pending"
    assert Punch.objects.get(staff=people["teacher"]).is_correction


def test_correction_refusal_has_a_code(people, api_for, clock):
    clock(at(WORKDAY, "18:00:00"))
    response = api_for(people["teacher"]).post(
        CORRECTIONS, {"date": "2025-10-09", "kind": "in", "time": "07:50", "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "future"
    assert not PunchCorrection.objects.exists()


def test_api_needs_a_staff_member(people, client):
    assert client.get(PUNCHES).status_code == 403
    from staff.models import User

    client.force_login(User.objects.create_user(username="robot", password="x"),
                       backend="staff.backends.AccountBackend")
    assert client.get(RESULTS).status_code == 403
    assert client.post(PUNCHES, {"kind": "in"}, content_type="application/json").status_code == 403


def test_endpoints_are_in_the_openapi_schema(people, client_for):
    schema = client_for(people["teacher"]).get("/api/schema/").content.decode()
    for path in ("/api/attendance/punches/", "/api/attendance/daily-results/", "/api/attendance/corrections/",
                 "/api/attendance/corrections/{id}/approve/", "/api/attendance/corrections/{id}/reject/"):
        assert path in schema
