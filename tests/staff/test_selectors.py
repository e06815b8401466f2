"""staff_for_request: the signed-in person, read once per request with school and unit."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from staff.models import User
from staff.selectors import staff_for_request, staff_required_for

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_one_query_with_school_and_unit_shared_by_every_reader(people, django_assert_num_queries):
    user = User.objects.get(pk=people["teacher"].user_id)
    request = _request(user)
    # Expect 1 query: the staff record joined with its school and unit.
    with django_assert_num_queries(1):
        me = staff_for_request(request)
        assert (me.school.name, me.unit.name) == (people["school"].name, people["teacher"].unit.name)
        assert staff_required_for(request) is me and user.staff_or_none is me and user.staff is me
        assert me.user is user


def test_no_staff_record_is_none_or_403_and_asked_once(people, django_assert_num_queries):
    user = User.objects.create_user("visitor")
    request = _request(user)
    # Expect 1 query: the (missing) staff record; the answer "none" is cached too.
    with django_assert_num_queries(1):
        assert staff_for_request(request) is None
        assert user.staff_or_none is None
        with pytest.raises(PermissionDenied):
            staff_required_for(request)


def test_anonymous_is_none_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert staff_for_request(_request(AnonymousUser())) is None
        assert staff_for_request(RequestFactory().get("/")) is None


# --- What other apps ask (staff's boundary) -----------------------------------------------------


def test_a_person_by_id_only_within_the_callers_school(people):
    from staff.selectors import person_by_id, person_in_school

    school_id = people["school"].pk
    assert person_in_school(staff_id=people["teacher"].pk, school_id=school_id) == people["teacher"]
    assert person_in_school(staff_id=people["outsider"].pk, school_id=school_id) is None
    assert person_in_school(staff_id=10**6, school_id=school_id) is None
    assert person_by_id(people["outsider"].pk) == people["outsider"]
    assert person_by_id(10**6) is None


def test_role_holders_are_the_active_people_of_the_school_holding_it_once_each(people):
    from staff.models import Role
    from staff.selectors import role_holders

    personnel = people["personnel"]
    assert list(role_holders(school_id=people["school"].pk, role=Role.PERSONNEL)) == [personnel]
    personnel.is_active = False
    personnel.save(update_fields=["is_active"])
    assert list(role_holders(school_id=people["school"].pk, role=Role.PERSONNEL)) == []


def test_a_schools_units_by_name_and_none_without_a_school(people):
    from staff.selectors import school_units

    names = [unit.name for unit in school_units(school_id=people["school"].pk)]
    assert names == sorted(names) and "教務處" in names and "人事室" in names
    assert not school_units(school_id=people["outsider"].school_id).filter(school=people["school"]).exists()
    assert list(school_units(school_id=None)) == []


def test_people_by_ids_keeps_a_queryset_as_a_subquery(people, django_assert_num_queries):
    from staff.models import RoleAssignment
    from staff.selectors import people_by_ids

    holders = RoleAssignment.objects.filter(staff__school=people["school"]).values("staff_id")
    # Expect 1 query: the people, with the role rows as a subquery.
    with django_assert_num_queries(1):
        found = set(people_by_ids(holders))
    assert people["personnel"] in found and people["teacher"] not in found


def test_staff_lock_returns_the_locked_people_by_id_in_one_query(people, django_assert_num_queries):
    from django.db import connection, transaction

    from staff.selectors import staff_lock, staff_lock_of_user

    teacher, head = people["teacher"], people["unit_head"]
    with transaction.atomic():
        # Expect 1 query: SELECT … FOR NO KEY UPDATE OF staff_staffmember (a plain read on SQLite).
        with django_assert_num_queries(1) as captured:
            locked = staff_lock(head.pk, teacher.pk, teacher.pk, related=("school",))
        assert locked == {teacher.pk: teacher, head.pk: head}
        assert locked[teacher.pk].school == people["school"]
        assert staff_lock_of_user(teacher.user_id) == teacher
    sql = captured.captured_queries[0]["sql"]
    assert 'ORDER BY "staff_staffmember"."id" ASC' in sql  # one order everywhere: no deadlock between lockers
    if connection.vendor == "postgresql":
        assert 'FOR NO KEY UPDATE OF "staff_staffmember"' in sql
