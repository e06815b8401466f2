"""/api/notifications/: my notices only, unread filter and count, mark read; session and token auth."""

import pytest
from rest_framework.authtoken.models import Token

from notifications.models import Notification
from notifications.services import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def notices(people):
    mine = notify([people["teacher"]], "system.test", {"title": "甲"}, email=False)
    mine += notify([people["teacher"]], "system.test", {"title": "乙"}, email=False)
    theirs = notify([people["unit_head"]], "system.test", {"title": "別人的"}, email=False)
    return {"mine": mine, "theirs": theirs}


def test_lists_only_my_notifications(people, notices, client_for):
    body = client_for(people["teacher"]).get("/api/notifications/").json()
    assert body["count"] == 2
    assert [n["title"] for n in body["results"]] == ["系統測試通知：乙", "系統測試通知：甲"]
    assert all(n["is_read"] is False for n in body["results"])
    assert {"id", "kind", "title", "body", "url", "created_at", "read_at", "is_read"} == set(body["results"][0])


def test_unread_filter_count_and_mark_read(people, notices, client_for):
    client = client_for(people["teacher"])
    first = notices["mine"][0]
    assert client.get("/api/notifications/unread-count/").json() == {"unread": 2}

    response = client.post(
        "/api/notifications/read/", {"ids": [first.pk, notices["theirs"][0].pk]}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unread": 1}
    assert Notification.objects.get(pk=notices["theirs"][0].pk).read_at is None

    unread = client.get("/api/notifications/", {"unread": "true"}).json()
    assert [n["id"] for n in unread["results"]] == [notices["mine"][1].pk]
    read = client.get("/api/notifications/", {"unread": "false"}).json()
    assert [n["id"] for n in read["results"]] == [first.pk]

    response = client.post("/api/notifications/read/", {"all": True}, content_type="application/json")
    assert response.json() == {"marked": 1, "unread": 0}


def test_mark_read_needs_ids_or_all(people, client_for):
    response = client_for(people["teacher"]).post("/api/notifications/read/", {}, content_type="application/json")
    assert response.status_code == 400
    assert "all" in str(response.json())


def test_token_authentication(people, notices, client):
    token = Token.objects.create(user=people["teacher"].user)
    response = client.get("/api/notifications/", headers={"Authorization": f"Token {token.key}"})
    assert response.status_code == 200
    assert response.json()["count"] == 2

    assert client.get("/api/notifications/", headers={"Authorization": "Token not-a-real-token"}).status_code == 403
    assert client.get("/api/notifications/").status_code == 403
    assert client.post("/api/notifications/read/", {"all": True}).status_code == 403
