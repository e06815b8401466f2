"""Someone whose category files no leave (代課教師) is told why and where their absence is handled,
on the pages and in the API, in zh-Hant and English; nothing is written."""

import pytest
from rest_framework.test import APIClient

from leave.models import LeaveRequest
from staff.models import StaffCategory
from tests.clock import at
from tests.factories import make_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_1_september_2025")]


@pytest.fixture
def hourly(school):
    return make_staff(school["school"], unit=school["units"]["academic"], category=StaffCategory.HOURLY_SUBSTITUTE,
                      name="趙代課", username="hourly")


def _english(staff):
    staff.user.language = "en"
    staff.user.save(update_fields=["language"])


def _api(staff) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff.user)
    return client


def test_the_leave_form_tells_a_substitute_teacher_where_to_turn(school, types, hourly, client_for):
    client = client_for(hourly)
    page = client.get("/leave/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-code="not_on_leave_system"' in html
    assert "不使用線上請假" in html and "教務處教學組" in html
    # Who to tell: the school's 教學組 (吳組長 holds the role).
    assert '<span data-testid="leave-unavailable-contacts">吳組長</span>' in html
    assert 'name="leave_type"' not in html  # no empty type list
    # My leave says the same, without a 「我要請假」 button leading nowhere.
    mine = client.get("/leave/").content.decode()
    assert 'data-code="not_on_leave_system"' in mine and 'data-testid="new-leave"' not in mine
    # Posting the form anyway is refused and writes nothing.
    posted = client.post("/leave/new/", {
        "leave_type": types["personal"].pk, "start_date": "2025-09-10", "end_date": "2025-09-10",
        "reason": "家中有事", "deputy": school["teacher"].pk})
    assert posted.status_code == 403
    assert not LeaveRequest.objects.exists()
    # The live preview explains it too.
    fragment = client.get("/leave/preview/", {"leave_type": types["personal"].pk, "start_date": "2025-09-10",
                                              "end_date": "2025-09-10"}).content.decode()
    assert 'data-code="category_not_allowed"' in fragment and "教務處教學組" in fragment


def test_in_english(school, types, hourly, client_for):
    _english(hourly)
    html = client_for(hourly).get("/leave/new/").content.decode()
    assert "do not file leave online" in html
    assert "Teaching section, Academic Affairs" in html and "Handled by" in html
    assert "See who covers my classes" in html
    # The API in the signed-in person's language, or in the one an API client asks for.
    for body in (client_for(hourly).get("/api/leave/types/").json(),
                 _api(hourly).get("/api/leave/types/", headers={"Accept-Language": "en"}).json()):
        assert body["code"] == "not_on_leave_system"
        assert body["detail"].startswith("Hourly substitute teachers are paid by the period")
        assert body["handled_by"] == "Teaching section, Academic Affairs"


def test_the_api_says_it_instead_of_an_empty_list(school, types, hourly):
    response = _api(hourly).get("/api/leave/types/")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "not_on_leave_system"
    assert "教務處教學組" in body["detail"]
    assert body["contacts"] == [{"id": school["academic"].pk, "name": "吳組長", "title": "教學組長"}]
    refused = _api(hourly).post("/api/leave/requests/preview/", {
        "leave_type": types["personal"].pk, "start": at(2025, 9, 10, 8).isoformat(),
        "end": at(2025, 9, 10, 12).isoformat()})
    assert refused.status_code == 400
    assert refused.json()["code"] == "category_not_allowed"
    assert "教務處教學組" in refused.json()["detail"]
    # Everyone else still gets their types.
    assert _api(school["teacher"]).get("/api/leave/types/").status_code == 200


def test_a_category_the_school_set_no_types_for_is_sent_to_personnel(people, client_for):
    # No leave types seeded at all: the teacher is told to ask the personnel office (張人事), not shown
    # an empty form.
    html = client_for(people["teacher"]).get("/leave/new/").content.decode()
    assert 'data-code="no_leave_types"' in html
    assert "學校尚未設定「專任教師」可請的假別" in html
    assert '<span data-testid="leave-unavailable-contacts">張人事</span>' in html
    assert _api(people["teacher"]).get("/api/leave/types/").json()["code"] == "no_leave_types"
