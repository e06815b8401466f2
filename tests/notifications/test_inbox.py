"""The inbox page: my notices only, the unread badge in the layout, mark read, open a notice."""

import pytest

from notifications.models import Notification
from notifications.services import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def notices(people):
    """Two notices for the teacher, one for the unit head."""
    mine = notify([people["teacher"]], "system.test", {"title": "甲"}, url="/leave/7/")
    mine += notify([people["teacher"]], "system.test", {"title": "乙"})
    theirs = notify([people["unit_head"]], "system.test", {"title": "別人的"}, url="/leave/8/")
    return {"mine": mine, "theirs": theirs}


def test_inbox_lists_only_my_notices_with_the_unread_badge(people, notices, client_for):
    response = client_for(people["teacher"]).get("/notifications/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "系統測試通知：甲" in html and "系統測試通知：乙" in html
    assert "別人的" not in html
    assert html.count('data-testid="notification"') == 2
    assert 'data-testid="unread-count">2<' in html


def test_mark_all_read_clears_the_badge_and_leaves_others_alone(people, notices, client_for):
    client = client_for(people["teacher"])
    response = client.post("/notifications/read/")
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=people["teacher"].user, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=notices["theirs"][0].pk).read_at is None
    assert 'data-testid="unread-count"' not in client.get("/").content.decode()


def test_mark_one_read_by_id_never_touches_someone_elses(people, notices, client_for):
    first, second = notices["mine"]
    client_for(people["teacher"]).post("/notifications/read/", {"id": [first.pk, notices["theirs"][0].pk]})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None
    assert Notification.objects.get(pk=notices["theirs"][0].pk).read_at is None


def test_opening_a_notice_marks_it_read_and_follows_its_link(people, notices, client_for):
    notice = notices["mine"][0]
    client = client_for(people["teacher"])
    response = client.get(f"/notifications/{notice.pk}/")
    assert response.status_code == 302 and response["Location"] == "/leave/7/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    # Someone else's notice does not exist for me.
    assert client.get(f"/notifications/{notices['theirs'][0].pk}/").status_code == 404
    assert Notification.objects.get(pk=notices["theirs"][0].pk).read_at is None


def test_an_off_site_link_is_not_followed(people, client_for):
    notice = Notification.objects.create(
        recipient=people["teacher"].user, kind="x", title="t", url="https://evil.example/"
    )
    response = client_for(people["teacher"]).get(f"/notifications/{notice.pk}/")
    assert response["Location"] == "/notifications/"


def test_signed_out_people_are_sent_to_sign_in(client, notices):
    for response in (client.get("/notifications/"), client.post("/notifications/read/")):
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/notifications/read/").status_code == 405


def test_inbox_queries_do_not_grow_with_the_notices(people, client_for, django_assert_num_queries):
    client = client_for(people["teacher"])
    notify([people["teacher"]], "system.test", {"title": "一"}, email=False)
    # Queries: savepoint + release (ATOMIC_REQUESTS), session, user with its staff record (school and
    # unit), page count, roles, headed units, unread count (context processors), page rows.
    with django_assert_num_queries(9):
        client.get("/notifications/")
    for n in range(20):
        notify([people["teacher"]], "system.test", {"title": str(n)}, email=False)
    with django_assert_num_queries(9):
        response = client.get("/notifications/")
    assert response.content.decode().count('data-testid="notification"') == 21
