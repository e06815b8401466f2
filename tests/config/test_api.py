"""The API base: OpenAPI schema and docs, token authentication, one exception handler for domain errors."""

import json

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.utils import translation
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token

from staff.models import User

pytestmark = pytest.mark.django_db


def test_schema_loads_and_is_valid_openapi(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate_schema(schema)  # raises on an invalid OpenAPI document
    assert schema["info"]["title"] == "校園差勤 Campus Attendance API"
    assert "/api/notifications/" in schema["paths"]
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_docs_page_loads_with_its_own_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "SwaggerUIBundle" in html or "swagger-ui" in html
    # Served from our static files, not a CDN: works on a school intranet.
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn.jsdelivr.net" not in html
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_a_token_from_the_admin_authenticates(people, client):
    root = User.objects.create_superuser("root", "root@example.test", "x")
    client.force_login(root)
    # The admin is where a token is issued (Auth Token › Tokens › Add).
    page = client.get("/admin/authtoken/tokenproxy/add/")
    assert page.status_code == 200
    response = client.post("/admin/authtoken/tokenproxy/add/", {"user": people["teacher"].user.pk})
    assert response.status_code == 302
    token = Token.objects.get(user=people["teacher"].user)
    client.logout()

    response = client.get("/api/notifications/unread-count/", headers={"Authorization": f"Token {token.key}"})
    assert response.status_code == 200 and response.json() == {"unread": 0}
    assert client.get("/api/notifications/unread-count/").status_code == 403


@pytest.mark.urls("tests.config.api_error_urls")
def test_a_domain_error_is_a_400_with_message_and_code(people, client_for):
    client = client_for(people["teacher"])
    response = client.post("/api/domain-error/")
    assert response.status_code == 400
    assert response.json() == {"detail": "餘額不足", "code": "insufficient_balance"}

    with translation.override("en"):
        response = client.post("/api/domain-error/", headers={"Accept-Language": "en"})
    assert response.status_code == 400 and response.json()["code"] == "insufficient_balance"


@pytest.mark.urls("tests.config.api_error_urls")
def test_a_model_validation_error_is_a_400_per_field(people, client_for):
    response = client_for(people["teacher"]).post("/api/validation-error/")
    assert response.status_code == 400
    assert response.json() == {"end": ["結束時間須晚於開始時間"]}


@pytest.mark.urls("tests.config.api_error_urls")
def test_other_errors_keep_drf_behaviour(people, client, client_for):
    assert client.get("/api/ok/").status_code == 403  # not signed in
    assert client_for(people["teacher"]).get("/api/ok/").json() == {"ok": True}
    assert client_for(people["teacher"]).delete("/api/ok/").status_code == 405


def test_the_schema_names_each_input_once_and_times_as_they_are(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    # Two different inputs used to share the name CancelInput (one overwrote the other).
    assert set(components["CancelInput"]["properties"]) == {"start", "end", "reason"}
    assert "AssignmentCancelInput" in components
    text = json.dumps(schema)
    assert '"format": "time"' not in text  # times of day carry no offset: not RFC 3339 full-time
    assert '"format": "date-time"' in text  # datetimes do


def test_a_token_reads_its_account_and_person_in_one_query(people, client, django_assert_num_queries):
    """The token authentication reads the person with the account (staff.authentication), so the view's
    staff_for_request reads nothing more; a bad, inactive or expired token is refused as before."""
    from staff.authentication import StaffTokenAuthentication
    from staff.selectors import staff_for_request

    teacher = people["teacher"]
    token = Token.objects.create(user=teacher.user)
    with django_assert_num_queries(1):
        user, _token = StaffTokenAuthentication().authenticate_credentials(token.key)
        request = type("Request", (), {"user": user})()
        person = staff_for_request(request)
        assert (person.pk, person.school.code, person.unit.name) == (teacher.pk, teacher.school.code,
                                                                     teacher.unit.name)
    nobody = Token.objects.create(user=type(teacher.user).objects.create(username="no-staff"))
    with django_assert_num_queries(1):
        user, _token = StaffTokenAuthentication().authenticate_credentials(nobody.key)
        assert staff_for_request(type("Request", (), {"user": user})()) is None
