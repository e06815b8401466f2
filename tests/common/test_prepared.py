"""A lookup compiled once gives what the ORM gives: the same rows, the same related objects cached, one query; and
so do the rows of a read compiled once for a person and a date."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from common.prepared import PreparedInstances, PreparedLookup
from staff.models import StaffMember

RELATED = ("user", "user__staff", "user__staff__school", "user__staff__unit")


def _values(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def _chain(token: Token) -> list:
    staff = token.user.staff
    return [token, token.user, staff, staff.school, staff.unit]


def test_the_prepared_lookup_gives_the_orm_s_instances_with_their_relations_in_one_query(people):
    tokens = [Token.objects.create(user=people[name].user) for name in ("teacher", "unit_head", "personnel")]
    lookup = PreparedLookup(Token, "key", select_related=RELATED)
    for token in tokens:  # the first compiles, the next ones reuse the statement
        expected = Token.objects.select_related(*RELATED).get(key=token.key)
        with CaptureQueriesContext(connection) as ctx:
            found = lookup.get(token.key)
            # Every related object came with it: reading them queries nothing more.
            got = [_values(obj) for obj in _chain(found)]
        assert len(ctx.captured_queries) == 1
        assert "ORDER BY" not in ctx.captured_queries[0]["sql"]
        assert got == [_values(obj) for obj in _chain(expected)]
        assert [type(obj) for obj in _chain(found)] == [type(obj) for obj in _chain(expected)]
    assert lookup.get("0" * 40) is None


def test_a_foreign_key_is_looked_up_by_the_related_id(people):
    lookup = PreparedLookup(StaffMember, "user", select_related=("school", "unit"))
    teacher = people["teacher"]
    found = lookup.get(teacher.user_id)
    with CaptureQueriesContext(connection) as ctx:
        assert (found.pk, found.school.code, found.unit.name) == (teacher.pk, teacher.school.code, teacher.unit.name)
    assert ctx.captured_queries == []
    assert lookup.get(10**9) is None


def test_only_a_unique_field_can_be_looked_up(db):
    with pytest.raises(ImproperlyConfigured):
        PreparedLookup(StaffMember, "school")


def test_the_api_and_the_pages_read_their_person_through_prepared_lookups(people, client_for, client):
    """The two reads that open every request are the prepared ones: the account's person on a page, and the token
    with its account and person on the API (a refused token is still answered by DRF's own message)."""
    from django.urls import reverse

    page = client_for(people["teacher"])
    with CaptureQueriesContext(connection) as ctx:
        assert page.get(reverse("attendance:clock")).status_code == 200
    # The person comes with the session's account (staff.backends.AccountBackend), without an ORDER BY.
    accounts = [q["sql"] for q in ctx.captured_queries if 'FROM "staff_user"' in q["sql"]]
    assert len(accounts) == 1 and '"staff_staffmember"' in accounts[0] and "ORDER BY" not in accounts[0]
    page.logout()
    token = Token.objects.create(user=people["teacher"].user)
    api = reverse("attendance_api:punches")
    assert client.get(api, HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
    refused = client.get(api, HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert refused.status_code == 403 and refused.json()["detail"]  # refused as before (session auth comes first)


def _hired_either_side(person_id: int, day: dt.date):
    # A UNION with the person in both parts and the date in both: the shape of a leave submission's history read.
    columns = ("pk", "hire_date", "is_active", "school__code")
    return (
        StaffMember.objects.filter(pk=person_id, hire_date__gte=day).values_list(*columns).order_by()
        .union(StaffMember.objects.filter(pk=person_id, hire_date__lt=day).values_list(*columns).order_by(), all=True)
    )


def test_a_prepared_union_gives_the_orm_s_tuples_for_each_person_and_day(people):
    read = PreparedInstances(_hired_either_side)
    for name in ("teacher", "unit_head", "outsider"):  # the first compiles, the next ones reuse the statement
        person = people[name]
        for day in (dt.date(2000, 1, 1), dt.date(2999, 1, 1)):
            with CaptureQueriesContext(connection) as ctx:
                rows = read.tuples(person.pk, day)
            assert len(ctx.captured_queries) == 1
            # Converted as the ORM converts them (dates and booleans, whatever the backend hands back).
            assert sorted(rows) == sorted(_hired_either_side(person.pk, day))
            assert rows and isinstance(rows[0][1], dt.date) and isinstance(rows[0][2], bool)


def test_a_prepared_read_refuses_a_build_that_leaves_a_value_out(people):
    # The day never reaches the statement: its place cannot be found, so the read refuses rather than ignore it.
    read = PreparedInstances(lambda person_id, day: _hired_either_side(person_id, dt.date(2000, 1, 1)))
    with pytest.raises(ImproperlyConfigured):
        read.tuples(people["teacher"].pk, dt.date(2000, 1, 1))


def _colleagues_of_since(ids, school_id, day):
    # Ids in a list, a single id and a date, with select_related, an annotation and the model's ordering.
    return (
        StaffMember.objects.filter(pk__in=ids, school_id=school_id, hire_date__lte=day)
        .select_related("school", "unit").annotate(same_school=Exists(
            StaffMember.objects.filter(school_id=school_id, pk=OuterRef("pk"))
        )).order_by("pk")
    )


def test_prepared_instances_are_the_orm_s_for_every_list_length_and_value(people):
    read = PreparedInstances(_colleagues_of_since)
    school_id = people["teacher"].school_id
    everyone = sorted(p.pk for p in people.values() if isinstance(p, StaffMember) and p.school_id == school_id)
    for ids in (everyone[:1], everyone[:2], everyone[1:3], everyone):  # lengths 1, 2, 2 (reused), n
        for day in (dt.date(1990, 1, 1), dt.date(2999, 1, 1)):
            expected = list(_colleagues_of_since(ids, school_id, day))
            with CaptureQueriesContext(connection) as ctx:
                found = read.rows(ids, school_id, day)
                shown = [(_values(p), _values(p.school), p.unit and _values(p.unit), p.same_school) for p in found]
            assert len(ctx.captured_queries) == 1  # the related rows came with them
            assert shown == [(_values(p), _values(p.school), p.unit and _values(p.unit), p.same_school)
                             for p in expected]
    assert read.rows(everyone, school_id, dt.date(1990, 1, 1)) == []  # hired later: nobody, as the ORM says


def _locked(ids):
    return StaffMember.objects.select_for_update().filter(pk__in=ids).order_by("pk")


def test_prepared_instances_lock_inside_a_transaction(people):
    teacher = people["teacher"]
    with transaction.atomic():
        assert [p.pk for p in PreparedInstances(_locked).rows([teacher.pk])] == [teacher.pk]


@pytest.mark.django_db(transaction=True)
def test_prepared_instances_refuse_to_lock_outside_a_transaction_as_the_orm_does():
    read = PreparedInstances(_locked)
    if not connection.features.has_select_for_update:  # SQLite: a plain read, for the ORM too
        assert read.rows([-1]) == list(_locked([-1])) == []
        return
    with pytest.raises(TransactionManagementError):
        list(_locked([-1]))
    with pytest.raises(TransactionManagementError):
        read.rows([-1])


def test_prepared_instances_refuse_what_they_cannot_replace(people):
    teacher = people["teacher"]
    constant = PreparedInstances(lambda person_id: StaffMember.objects.filter(pk=teacher.pk))  # ignores its value
    with pytest.raises(ImproperlyConfigured):
        constant.rows(teacher.pk)
    with pytest.raises(TypeError):
        PreparedInstances(lambda name: StaffMember.objects.filter(name=name)).rows("王小明")  # ids, dates, moments
    with pytest.raises(ImproperlyConfigured):
        PreparedInstances(lambda ids: StaffMember.objects.filter(pk__in=ids).prefetch_related("roles")).rows([1])


def _joined_since(ids, since):
    return (
        StaffMember.objects.filter(pk__in=ids, user__date_joined__gte=since).order_by("pk")
        .values_list("pk", "user__date_joined", "is_active")
    )


def test_prepared_tuples_are_the_orm_s_values_list_for_every_moment(people):
    read = PreparedInstances(_joined_since)
    ids = sorted(p.pk for p in people.values() if isinstance(p, StaffMember))
    taipei = zoneinfo.ZoneInfo("Asia/Taipei")
    for since in (dt.datetime(1990, 1, 1, tzinfo=taipei), dt.datetime(2999, 1, 1, tzinfo=dt.UTC)):
        with CaptureQueriesContext(connection) as ctx:
            found = read.tuples(ids, since)
        assert len(ctx.captured_queries) == 1
        assert found == list(_joined_since(ids, since))
        assert all(isinstance(joined, dt.datetime) and isinstance(active, bool) for _pk, joined, active in found)
    assert found == [] and read.tuples(ids, dt.datetime(1990, 1, 1, tzinfo=dt.UTC))  # someone joined since 1990
    with pytest.raises(ImproperlyConfigured):
        read.rows(ids, since)  # a values_list gives tuples, not instances
    with pytest.raises(TypeError):
        read.tuples(ids, dt.datetime(1990, 1, 1))  # naive: what time is that?


def test_a_hostile_id_is_answered_as_the_orm_answers_it(people):
    """An id of no row, however large (a deputy of 10**20 sent to the API): nobody, as the ORM says (SQLite's driver
    refuses an integer beyond 8 bytes, for the ORM too)."""
    teacher = people["teacher"]
    read = PreparedInstances(_colleagues_of_since)
    hostile = [2**40, 2**31, -(2**40), 2**62, *([10**20, -(10**20)] if connection.vendor == "postgresql" else [])]
    for ids in ([teacher.pk, value] for value in hostile):
        with transaction.atomic():
            found = read.rows(ids, teacher.school_id, dt.date(2999, 1, 1))
        assert [p.pk for p in found] == [p.pk for p in _colleagues_of_since(ids, teacher.school_id,
                                                                               dt.date(2999, 1, 1))] == [teacher.pk]
    with transaction.atomic():
        assert [p.pk for p in PreparedInstances(_locked).rows([teacher.pk, hostile[-1]])] == [teacher.pk]
