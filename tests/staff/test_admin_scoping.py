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
