"""GET /api/me/."""

import pytest

from tests.sso.oidc_provider import bound_identity

pytestmark = pytest.mark.django_db


def test_me_returns_the_signed_in_person(client_for, people, django_assert_max_num_queries):
    academic = people["academic"]
    bound_identity(academic, "s")
    client = client_for(academic)
    # savepoint and release (ATOMIC_REQUESTS), session, user, staff joined with school and unit,
    # roles, whether a portal identity exists
    with django_assert_max_num_queries(7):
        response = client.get("/api/me/")
    assert response.status_code == 200
    assert response.json() == {
        "username": "academic",
        "name": "吳組長",
        "title": "教學組長",
        "email": "academic@example.test",
        "school": {"code": "563401", "name": "高雄市立示範高級中學"},
        "unit": {"id": people["units"]["teaching"].pk, "name": "教學組"},
        "category": {"code": "admin_teacher", "label": "行政教師"},
        "roles": ["academic_affairs"],
        "portal_bound": True,
    }


def test_me_for_personnel_lists_the_role_and_no_binding(client_for, people):
    data = client_for(people["personnel"]).get("/api/me/").json()
    assert data["roles"] == ["personnel"] and data["portal_bound"] is False


def test_me_for_an_account_without_staff_record(client, django_user_model):
    admin = django_user_model.objects.create_user("sysadmin", password="x")
    client.force_login(admin)
    data = client.get("/api/me/").json()
    assert data["school"] is None and data["roles"] == [] and data["name"] == "sysadmin"


def test_me_refuses_anonymous(client):
    response = client.get("/api/me/")
    assert response.status_code in (401, 403)
    assert "name" not in response.json()


def test_me_is_in_the_openapi_schema(client_for, people):
    schema = client_for(people["teacher"]).get("/api/schema/", {"format": "json"}).json()
    assert "/api/me/" in schema["paths"]
    assert "MeOut" in schema["components"]["schemas"]
