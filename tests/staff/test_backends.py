"""The session's account is read with its person in one query, on the local and the portal sign-in alike."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sso.backends import PortalOIDCBackend
from staff.backends import AccountBackend
from staff.models import User

SESSION_BACKENDS = [AccountBackend, PortalOIDCBackend]


@pytest.mark.parametrize("backend", SESSION_BACKENDS)
def test_the_session_s_account_comes_with_its_person_school_and_unit(people, backend):
    teacher = people["teacher"]
    with CaptureQueriesContext(connection) as ctx:
        user = backend().get_user(str(teacher.user_id))  # the session keeps the id as text
        person = user.staff_or_none
        school, unit = person.school.code, person.unit.name
    assert len(ctx.captured_queries) == 1
    assert (user.pk, person.pk, school, unit) == (teacher.user_id, teacher.pk, teacher.school.code, teacher.unit.name)


@pytest.mark.parametrize("backend", SESSION_BACKENDS)
def test_an_inactive_or_missing_account_is_signed_out(people, backend):
    teacher = people["teacher"]
    User.objects.filter(pk=teacher.user_id).update(is_active=False)
    assert backend().get_user(teacher.user_id) is None
    assert backend().get_user(10**9) is None


def test_an_account_without_a_person_reads_nothing_more(db):
    account = User.objects.create_user("clerk", password="x" * 12)
    with CaptureQueriesContext(connection) as ctx:
        user = AccountBackend().get_user(account.pk)
        assert user.staff_or_none is None
    assert len(ctx.captured_queries) == 1


def test_a_signed_in_page_reads_the_account_and_the_person_in_one_statement(people, client):
    assert "staff.backends.AccountBackend" in settings.AUTHENTICATION_BACKENDS
    client.force_login(people["teacher"].user, backend="staff.backends.AccountBackend")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("attendance:clock")).status_code == 200
    accounts = [q["sql"] for q in ctx.captured_queries if 'FROM "staff_user"' in q["sql"]]
    assert len(accounts) == 1 and '"staff_staffmember"' in accounts[0], accounts
    assert not [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().startswith('SELECT "staff_staffmember"')]
