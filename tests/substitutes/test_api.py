"""The REST API: same rules as the pages, errors with codes, filters, and the OpenAPI schema."""

import pytest
from rest_framework.test import APIClient

from substitutes.models import CoverageNeed
from tests.substitutes.conftest import THU, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def _for(staff):
        client = APIClient()
        client.force_authenticate(staff.user)
        return client

    return _for


@pytest.fixture
def needs(school_setup, leave):
    leave(school_setup["teacher"], [(at(THU, "07:30"), at(THU, "17:00"))], paid_by="teacher")
    return school_setup


def test_needs_list_filters_and_assign_flow(needs, api, django_assert_max_num_queries):
    client = api(needs["academic"])
    # staff (auth user's staff), roles, school, needs, active assignments
    with django_assert_max_num_queries(6):
        r = client.get("/api/substitutes/needs/", {"date_from": "2025-10-09", "status": "open"})
    assert r.status_code == 200
    results = r.json()["results"]
    assert [(n["period_number"], n["class_name"], n["paid_by"], n["assignment"]) for n in results] == [
        (1, "高一 3 班", "teacher", None), (3, "高一 5 班", "teacher", None),
    ]
    assert client.get("/api/substitutes/needs/", {"date_from": "2025-10-10"}).json()["count"] == 0

    need_id = results[0]["id"]
    candidates = client.get(f"/api/substitutes/needs/{need_id}/candidates/").json()
    assert candidates["internal"][0]["staff"]["name"] == "李導師"
    assert candidates["pool"][0]["staff"]["name"] == "趙代課"

    clash = client.post(f"/api/substitutes/needs/{need_id}/assign/", {"substitute_id": needs["unit_head"].pk},
                        format="json")
    assert clash.status_code == 400 and clash.json()["code"] == "teaching"
    ok = client.post(f"/api/substitutes/needs/{need_id}/assign/", {"substitute_id": needs["other_teacher"].pk},
                     format="json")
    assert ok.status_code == 201 and ok.json()["paid_by"] == "teacher"
    assert CoverageNeed.objects.get(pk=need_id).status == "covered"
    listed = client.get("/api/substitutes/assignments/", {"substitute": needs["other_teacher"].pk}).json()
    assert listed["count"] == 1

    cancelled = client.post(f"/api/substitutes/assignments/{ok.json()['id']}/cancel/", {"reason": "x"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = client.post(f"/api/substitutes/assignments/{ok.json()['id']}/cancel/", {}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "already_cancelled"


def test_api_denials(needs, api):
    need = CoverageNeed.objects.first()
    for who in ("teacher", "unit_head", "personnel", "principal", "outsider"):
        client = api(needs[who])
        assert client.get("/api/substitutes/needs/").status_code == 403, who
        r = client.post(f"/api/substitutes/needs/{need.pk}/assign/", {"substitute_id": needs["other_head"].pk},
                        format="json")
        assert r.status_code == 403, who
    assert APIClient().get("/api/substitutes/needs/").status_code in (401, 403)
    for who in ("teacher", "other_teacher"):
        assert api(needs[who]).get("/api/substitutes/pay-report/").status_code == 403
    assert api(needs["personnel"]).get("/api/substitutes/pay-report/", {"month": "2025-10"}).status_code == 200
    assert api(needs["academic"]).get("/api/substitutes/pay-report/", {"month": "2025-13"}).status_code == 400


def test_pay_report_api(needs, api):
    client = api(needs["academic"])
    need = CoverageNeed.objects.get(period_number=1)
    client.post(f"/api/substitutes/needs/{need.pk}/assign/", {"substitute_id": needs["other_head"].pk}, format="json")
    report = client.get("/api/substitutes/pay-report/", {"month": "2025-10"}).json()
    assert report["rows"] == [
        {"substitute_id": needs["other_head"].pk, "employee_no": needs["other_head"].employee_no, "name": "林主任",
         "paid_by": "teacher", "periods": 1, "amount": 505},
    ]
    assert (report["teacher_total"], report["school_total"], report["total_amount"]) == (505, 0, 505)


def test_endpoints_are_in_the_openapi_schema(people, client_for):
    r = client_for(people["academic"]).get("/api/schema/")
    assert r.status_code == 200
    text = r.content.decode()
    for path in ("/api/substitutes/needs/", "/api/substitutes/needs/{id}/assign/",
                 "/api/substitutes/needs/{id}/candidates/", "/api/substitutes/assignments/",
                 "/api/substitutes/pay-report/"):
        assert path in text, path
    assert "date_from" in text
