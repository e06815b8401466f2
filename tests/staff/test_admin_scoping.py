"""The one SchoolScopedAdmin every app's admin builds on: rows and choices of the person's own school."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from leave.models import LeaveType
from leave.services import leave_types_seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def personnel_admin(people, client):
    user = people["personnel"].user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["leave", "staff"]))
    client.force_login(user)
    return client


def _choices(response, field: str) -> set[int]:
    """The primary keys an admin add form offers for a foreign key."""
    return set(response.context["adminform"].form.fields[field].queryset.values_list("pk", flat=True))


def test_leave_admin_rows_and_choices_stay_in_the_school(people, personnel_admin):
    mine, theirs = people["school"], people["outsider"].school
    leave_types_seed(school=mine)
    leave_types_seed(school=theirs)
    listing = personnel_admin.get(reverse("admin:leave_leavetype_changelist"))
    assert listing.status_code == 200
    shown = {t.pk for t in listing.context["cl"].queryset}
    assert shown == set(LeaveType.objects.filter(school=mine).values_list("pk", flat=True))

    rule = personnel_admin.get(reverse("admin:leave_leaverule_add"))
    assert _choices(rule, "leave_type") == set(LeaveType.objects.filter(school=mine).values_list("pk", flat=True))
    assert _choices(personnel_admin.get(reverse("admin:staff_unit_add")), "school") == {mine.pk}
    deputies = _choices(personnel_admin.get(reverse("admin:staff_unit_add")), "head")
    assert people["teacher"].pk in deputies and people["outsider"].pk not in deputies


def test_a_superuser_sees_every_school(people, admin_client):
    leave_types_seed(school=people["school"])
    leave_types_seed(school=people["outsider"].school)
    listing = admin_client.get(reverse("admin:leave_leavetype_changelist"))
    assert {t.school_id for t in listing.context["cl"].queryset} == {people["school"].pk, people["outsider"].school_id}


def test_personnel_cannot_hand_out_the_system_admin_role(people, personnel_admin):
    from staff.models import Role, RoleAssignment

    form = personnel_admin.get(reverse("admin:staff_roleassignment_add")).context["adminform"].form
    offered = {value for value, _label in form.fields["role"].choices}
    assert Role.PERSONNEL in offered and Role.SYSTEM_ADMIN not in offered

    response = personnel_admin.post(
        reverse("admin:staff_roleassignment_add"), {"staff": people["teacher"].pk, "role": Role.SYSTEM_ADMIN}
    )
    assert response.status_code == 200  # the form again, with its error
    assert "role" in response.context["adminform"].form.errors
    assert not RoleAssignment.objects.filter(staff=people["teacher"], role=Role.SYSTEM_ADMIN).exists()


def test_a_superuser_may_hand_out_the_system_admin_role(people, admin_client):
    from staff.models import Role, RoleAssignment

    response = admin_client.post(
        reverse("admin:staff_roleassignment_add"), {"staff": people["teacher"].pk, "role": Role.SYSTEM_ADMIN}
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(staff=people["teacher"], role=Role.SYSTEM_ADMIN).exists()


def test_the_push_queue_admin_shows_the_schools_messages_without_the_devices_address(people, client):
    """Read-only: what was sent or failed, to whom and on which device — never the push address (a secret)."""
    from notifications.models import Notification, PushMessage, PushSubscription

    secret = "https://push.example.test/send/secret-endpoint-token"
    messages = []
    for who, endpoint in (("teacher", secret), ("outsider", "https://push.example.test/send/other")):
        user = people[who].user
        device = PushSubscription.objects.create(user=user, endpoint=endpoint, p256dh="k", auth="a", device="手機")
        notice = Notification.objects.create(recipient=user, kind="leave.decided", title=f"{who} 假單已核准")
        messages.append(PushMessage.objects.create(notification=notice, subscription=device, last_error="HTTP 500"))
    user = people["personnel"].user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="notifications"))
    client.force_login(user)
    listing = client.get(reverse("admin:notifications_pushmessage_changelist"))
    assert listing.status_code == 200
    assert {m.pk for m in listing.context["cl"].queryset} == {messages[0].pk}  # the school's own
    detail = client.get(reverse("admin:notifications_pushmessage_change", args=[messages[0].pk]))
    body = detail.content.decode()
    assert detail.status_code == 200 and "teacher 假單已核准" in body and "HTTP 500" in body
    assert "secret-endpoint-token" not in listing.content.decode() + body
    assert client.post(reverse("admin:notifications_pushmessage_change", args=[messages[0].pk]), {}).status_code == 403
    assert client.get(reverse("admin:notifications_pushmessage_add")).status_code == 403
