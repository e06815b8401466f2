"""The proposal's page and API twin: thin over coverage_proposal and coverage_proposal_confirm; only 教學組 of
the school; nothing assigned before the confirmation; queries constant in the number of needs."""

import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from staff.models import Role, StaffCategory
from substitutes.models import CoverageAssignment
from substitutes.services import coverage_assign, coverage_policy_set
from tests.factories import make_staff
from tests.substitutes.conftest import THU, at

pytestmark = pytest.mark.django_db

URL = "/substitutes/propose/"
CONFIRM = "/substitutes/propose/confirm/"
DAY = {"start": THU.isoformat(), "end": THU.isoformat()}


def posted_grid(html: str) -> dict[str, object]:
    """The confirmation form as the browser would post it: hidden fields and each select's selected option."""
    data: dict[str, object] = {"need": re.findall(r'name="need" value="(\d+)"', html)}
    for name, value in re.findall(r'name="(start|end|absence|fp_\d+)" value="([^"]*)"', html):
        data[name] = value
    for name, options in re.findall(r'<select name="(sub_\d+)"[^>]*>(.*?)</select>', html, re.S):
        picked = re.search(r'<option value="(\d*)" selected>', options)
        data[name] = picked.group(1) if picked else ""
    return data


def test_the_page_shows_the_grid_with_reasons_and_assigns_nothing(proposal_world, client_for):
    world = proposal_world
    response = client_for(world["academic"]).get(URL, {"absence": world["needs"][0].absence_id})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="proposal-cell"') == 3
    assert "提案理由：同科，本月已代 1 節" in html  # 乙老師 on P1
    assert "提案理由：同處室" in html  # 丙老師 on P3
    grid = posted_grid(html)
    assert [grid[f"sub_{n.pk}"] for n in world["needs"]] == [
        str(world["yi"].pk), str(world["jia"].pk), str(world["bing"].pk)
    ]
    assert grid["start"] == grid["end"] == THU.isoformat()  # the leave's open days
    assert not CoverageAssignment.objects.filter(need__in=world["needs"]).exists()


def test_the_page_confirms_the_grid_with_one_cell_changed(proposal_world, client_for):
    world = proposal_world
    client = client_for(world["academic"])
    grid = posted_grid(client.get(URL, DAY).content.decode())
    p3 = world["needs"][2]
    grid[f"sub_{p3.pk}"] = str(world["pool"].pk)
    response = client.post(CONFIRM, grid)
    assert response.status_code == 302 and response.url == "/substitutes/"
    assert "已依提案安排 3 節代課" in [str(m) for m in get_messages(response.wsgi_request)]
    assert dict(CoverageAssignment.objects.filter(need__in=world["needs"]).values_list("need_id", "substitute_id")) == {
        world["needs"][0].pk: world["yi"].pk, world["needs"][1].pk: world["jia"].pk, p3.pk: world["pool"].pk,
    }


def test_with_offers_on_the_confirmed_grid_is_offered_and_said_so(proposal_world, client_for):
    world = proposal_world
    coverage_policy_set(actor=world["academic"], offers_enabled=True)
    client = client_for(world["academic"])
    response = client.post(CONFIRM, posted_grid(client.get(URL, DAY).content.decode()))
    assert response.status_code == 302
    assert "已依提案提供 3 節代課，等待回覆" in [str(m) for m in get_messages(response.wsgi_request)]
    assert dict(CoverageAssignment.objects.filter(need__in=world["needs"]).values_list("need_id", "status")) == {
        n.pk: "offered" for n in world["needs"]
    }


def test_a_need_changed_meanwhile_sends_back_to_a_new_proposal_with_the_reason(proposal_world, client_for):
    world = proposal_world
    client = client_for(world["academic"])
    grid = posted_grid(client.get(URL, DAY).content.decode())
    coverage_assign(actor=world["academic"], need_id=world["needs"][1].pk, substitute_id=world["pool"].pk)
    response = client.post(CONFIRM, grid)
    assert response.status_code == 302 and response.url.startswith(URL + "?start=2025-10-09&end=2025-10-09")
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "已有變動" in message and "高一 5 班" in message
    assert CoverageAssignment.objects.filter(need__in=world["needs"]).count() == 1  # only the one by hand


@pytest.mark.parametrize("who", ["teacher", "unit_head", "personnel", "principal", "outsider"])
def test_only_academic_affairs_open_the_page_or_confirm(proposal_world, client_for, who):
    world = proposal_world
    grid = posted_grid(client_for(world["academic"]).get(URL, DAY).content.decode())
    client = client_for(world[who])
    assert client.get(URL, DAY).status_code == 403
    assert client.post(CONFIRM, grid).status_code == 403
    assert not CoverageAssignment.objects.filter(need__in=world["needs"]).exists()


def test_academic_affairs_of_another_school_cannot_confirm_this_schools_needs(proposal_world, client_for):
    world = proposal_world
    grid = posted_grid(client_for(world["academic"]).get(URL, DAY).content.decode())
    other = make_staff(world["outsider"].school, name="他校組長", username="otheracademic",
                       category=StaffCategory.ADMIN_TEACHER, roles=(Role.ACADEMIC_AFFAIRS,))
    client = client_for(other)
    assert 'data-testid="proposal-cell"' not in client.get(URL, DAY).content.decode()  # their school has none
    assert client.post(CONFIRM, grid).status_code == 404
    assert not CoverageAssignment.objects.filter(need__in=world["needs"]).exists()


def test_the_page_reads_the_same_number_of_queries_for_more_needs(proposal_world, client_for, leave):
    world = proposal_world
    client = client_for(world["academic"])
    client.get(URL, DAY)
    with CaptureQueriesContext(connection) as three:
        client.get(URL, DAY)
    # 李導師 away the same Thursday: four more periods (P1–P4).
    leave(world["other_teacher"], [(at(THU, "07:30"), at(THU, "17:00"))], request_id=301)
    with CaptureQueriesContext(connection) as seven:
        response = client.get(URL, DAY)
    assert response.content.decode().count('data-testid="proposal-cell"') == 7
    assert len(seven.captured_queries) == len(three.captured_queries)


def test_bad_ranges_are_a_message_not_an_error(proposal_world, client_for):
    client = client_for(proposal_world["academic"])
    for query in ({"start": "2025-10-09", "end": "2025-11-30"}, {"start": "2025-10-09", "end": "2025-10-01"},
                  {"start": "x", "end": "9999-99-99"}):
        response = client.get(URL, query)
        assert response.status_code == 200
        assert 'class="errors"' in response.content.decode() or "errorlist" in response.content.decode()


# --- API -------------------------------------------------------------------------------------------


def test_the_api_proposes_and_confirms_exactly_the_grid(proposal_world, client_for):
    world = proposal_world
    client = client_for(world["academic"])
    response = client.post("/api/substitutes/proposals/", DAY, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["optimal"] is True and body["covered"] == 3
    assert [(c["period_number"], c["substitute"]["name"], c["substitute"]["tier"]) for c in body["cells"]] == [
        (1, "乙老師", "同科"), (2, "甲老師", "同科"), (3, "丙老師", "同處室"),
    ]
    assert not CoverageAssignment.objects.filter(need__in=world["needs"]).exists()
    cells = [
        {"need_id": c["need_id"], "fingerprint": c["fingerprint"], "substitute_id": c["substitute"]["id"]}
        for c in body["cells"]
    ]
    cells[2]["substitute_id"] = None  # P3 left open
    response = client.post("/api/substitutes/proposals/confirm/", {"cells": cells}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["left_open"] == 1 and len(response.json()["assigned"]) == 2
    # The same grid again: both assigned periods changed since the proposal.
    response = client.post("/api/substitutes/proposals/confirm/", {"cells": cells}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "changed"


def test_the_api_refuses_everyone_but_academic_affairs(proposal_world, client_for):
    client = client_for(proposal_world["teacher"])
    assert client.post("/api/substitutes/proposals/", DAY, content_type="application/json").status_code == 403
    response = client.post("/api/substitutes/proposals/confirm/", {"cells": []}, content_type="application/json")
    assert response.status_code == 403
