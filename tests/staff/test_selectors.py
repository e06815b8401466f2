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
