"""Reads about people: the signed-in person, and everything other apps ask about people, units and
schools (they query staff's tables only through here)."""

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.inputs import MAX_ID
from common.prepared import PreparedInstances
from staff.errors import StaffError
from staff.models import CalendarFeed, District, RoleAssignment, School, StaffMember, Unit, User

_T = TypeVar("_T")

NO_STAFF_MESSAGE = _("此帳號尚未對應到教職員資料")


def staff_for_request(request: HttpRequest) -> StaffMember | None:
    """The signed-in person's staff record, or None (anonymous, or an account with no record).

    One query per request, with school and unit: the record is cached on ``request.user``, so the
    view, the permission checks, the filters and the layout's context processor share one object
    (and its cached roles and headed units). Works with Django and DRF requests alike.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    staff: StaffMember | None = user.staff_or_none
    return staff


def staff_required_for(request: HttpRequest) -> StaffMember:
    """Like staff_for_request, but an account with no staff record is refused (403) — pages and
    API alike (DRF turns Django's PermissionDenied into its 403)."""
    staff = staff_for_request(request)
    if staff is None:
        raise PermissionDenied(NO_STAFF_MESSAGE)
    return staff


# --- What other apps ask about people ----------------------------------------------------------
#
# Other apps read staff's tables only through these functions (and staff.permissions); the test
# tests/architecture/test_staff_boundary.py finds any query on staff's models written elsewhere.
# They return querysets where callers go on to join, order or slice, so each caller still pays the
# queries it paid before.


def school_people(*, school_id: int, active: bool | None = True) -> QuerySet[StaffMember]:
    """The people of one school: the active ones by default, everyone with ``active=None``."""
    people = StaffMember.objects.filter(school_id=school_id)
    return people if active is None else people.filter(is_active=active)


def deputy_candidates(*, staff: StaffMember, exclude_categories: Iterable[str] = ()) -> QuerySet[StaffMember]:
    """Who may stand in for ``staff``: the school's active people but them, units joined, grouped by unit.

    The person's own unit comes first (a deputy is usually found there), then the others by name; within
    a unit, by name. Callers group the rows by ``unit_id`` in this order (leave's deputy picker).
    """
    own_unit_first = Case(When(unit_id=staff.unit_id, then=Value(0)), default=Value(1))
    people = school_people(school_id=staff.school_id).exclude(pk=staff.pk)
    categories = list(exclude_categories)
    if categories:
        people = people.exclude(category__in=categories)
    return people.select_related("unit").order_by(own_unit_first, "unit__name", "unit_id", "name", "pk")


def people_of_schools(*, school_ids: Iterable[int] | None, active: bool = True) -> QuerySet[StaffMember]:
    """The active people of several schools (of every school with ``school_ids=None``)."""
    people = StaffMember.objects.filter(is_active=active)
    return people if school_ids is None else people.filter(school_id__in=_ids(school_ids))


def _ids(ids: Iterable[_T]) -> Iterable[_T]:
    """A queryset stays a subquery; any other iterable is read once."""
    return ids if isinstance(ids, QuerySet) else list(ids)


def person_search_q(text: str, prefix: str = "") -> Q:
    """CONTRACT: the people a typed text names, as a ``Q`` on any queryset that reaches a person through
    ``prefix`` (``"staff__"``, ``"applicant__"``; ``""`` for people themselves): part of the name, the
    employee number or the account (whole, any case), or the internal id (digits, as lists linked by id
    always sent). Every filter where a person is chosen by typing uses it (``staff.filters.PersonFilter``).
    A NUL (which PostgreSQL refuses in a query) names nobody's character: it is dropped."""
    text = text.replace("\x00", "").strip()
    if not text:
        return Q()
    found = (
        Q(**{f"{prefix}name__icontains": text})
        | Q(**{f"{prefix}employee_no__iexact": text})
        | Q(**{f"{prefix}user__username__iexact": text})
    )
    if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
        found |= Q(**{f"{prefix}pk": int(text)})
    return found


# How many people an ambiguous text lists in its message.
AMBIGUOUS_SHOWN = 5


def person_named(text: str, *, among: QuerySet[StaffMember]) -> StaffMember | None:
    """CONTRACT: the one person a typed text names among ``among`` (the people the caller may see), for a
    parameter that picks one person (whose balances, whose duty days) rather than narrowing a list. The text
    is read as ``person_search_q`` reads it: part of the name, the employee number, the account, or the id
    that links and older clients send. None when it names nobody there. When it names several, the one it
    names exactly (the whole name, the number, the account or the id) is chosen; if that is not one person,
    ``StaffError`` (code ``ambiguous``) lists them, so nobody is shown someone else's figures by a guess."""
    text = text.replace("\x00", "").strip()
    if not text:
        return None
    found = list(among.filter(person_search_q(text)).select_related("user").order_by("name", "employee_no", "pk")[
        : AMBIGUOUS_SHOWN + 1])
    if len(found) == 1:
        return found[0]
    if not found:
        return None
    lowered = text.lower()
    exact = [p for p in found if lowered in (p.name.lower(), p.employee_no.lower(), p.user.username.lower(), str(p.pk))]
    if len(exact) == 1:
        return exact[0]
    names = str(pgettext_lazy("list separator", "、")).join(
        _("%(name)s（%(number)s，%(account)s）") % {"name": p.name, "number": p.employee_no, "account": p.user.username}
        for p in (exact or found)[:AMBIGUOUS_SHOWN])
    message = _("「%(text)s」符合不只一位人員：%(names)s。請輸入員工編號或帳號。") % {"text": text, "names": names}
    raise StaffError(message, code="ambiguous")


def people_by_ids(staff_ids: Iterable[int]) -> QuerySet[StaffMember]:
    """People by id; ``staff_ids`` may be a ``values("…_id")`` queryset (one query with a subquery)."""
    return StaffMember.objects.filter(pk__in=_ids(staff_ids))


def person_in_school(*, staff_id: int, school_id: int) -> StaffMember | None:
    """A person by id, only if they belong to the given school (the caller's): None otherwise, so a
    page answers 404 for another school's people as for people that do not exist."""
    return StaffMember.objects.select_related("school", "unit", "user").filter(pk=staff_id, school_id=school_id).first()


def person_by_id(staff_id: int) -> StaffMember | None:
    """A person by id, whatever their school: for callers that check ``can_see_staff`` next (and answer a
    person they may not see exactly as one that does not exist)."""
    return StaffMember.objects.select_related("school", "unit").filter(pk=staff_id).first()


def person_of_user(user_id: int) -> StaffMember | None:
    """The staff record of an account (without the per-request cache of ``User.staff_or_none``)."""
    return StaffMember.objects.select_related("school", "unit").filter(user_id=user_id).first()


def role_holders(*, school_id: int, role: str) -> QuerySet[StaffMember]:
    """The active people of a school who hold ``role`` (a person holds a role once: no duplicates),
    with their accounts (they are the ones notified)."""
    return StaffMember.objects.filter(school_id=school_id, is_active=True, roles__role=role).select_related("user")


def roles_of(staff_ids: Iterable[int]) -> QuerySet[RoleAssignment]:
    """The role rows of some people: ``.values_list("role", "staff_id")`` for who holds what."""
    return RoleAssignment.objects.filter(staff_id__in=_ids(staff_ids))


def school_role_rows(*, school_id: int) -> QuerySet[RoleAssignment]:
    """The role rows of a school's active people."""
    return RoleAssignment.objects.filter(staff__school_id=school_id, staff__is_active=True)


def holds_role_q(role: str, *, prefix: str = "") -> Exists:
    """An ``Exists`` for annotating a queryset of people (or of rows reaching a person by ``prefix``):
    whether the person holds ``role``."""
    return Exists(RoleAssignment.objects.filter(staff=OuterRef(f"{prefix}pk"), role=role))


def heads_a_unit_q(*, prefix: str = "") -> Exists:
    """An ``Exists`` for annotating people: whether the person heads a unit."""
    return Exists(Unit.objects.filter(head=OuterRef(f"{prefix}pk")))


def school_units(*, school_id: int | None) -> QuerySet[Unit]:
    """A school's units (處室), by name; none without a school."""
    if school_id is None:
        return Unit.objects.none()
    return Unit.objects.filter(school_id=school_id).order_by("name")


def units_by_ids(unit_ids: Iterable[int]) -> QuerySet[Unit]:
    return Unit.objects.filter(pk__in=_ids(unit_ids)).order_by("name")


def unit_members(*, unit_id: int) -> QuerySet[StaffMember]:
    """The active people of a unit, by employee number."""
    return StaffMember.objects.filter(unit_id=unit_id, is_active=True).order_by("employee_no")


def schools(
    *, ids: Iterable[int] | None = None, codes: Iterable[str] | None = None, districts: Iterable[Any] | None = None
) -> QuerySet[School]:
    """Schools by id, code or district (every school when none is given)."""
    found = School.objects.all()
    if districts is not None:
        found = found.filter(district__in=_ids(districts))
    if ids is not None:
        found = found.filter(pk__in=_ids(ids))
    if codes is not None:
        found = found.filter(code__in=list(codes))
    return found


def schools_in_districts(district_names: Iterable[str]) -> QuerySet[School]:
    """The schools of the districts named (by the districts' names)."""
    return School.objects.filter(district__name__in=list(district_names))


def schools_without_district() -> QuerySet[School]:
    return School.objects.filter(district__isnull=True)


def districts() -> QuerySet[District]:
    """The city's districts, by name."""
    return District.objects.order_by("name")


def district_names_by_code() -> dict[str, str]:
    """{government area code: district name} for the districts whose code is set."""
    return dict(District.objects.exclude(code="").values_list("code", "name"))


def role_holders_of_schools(
    *, school_ids: Iterable[int], role: str, everywhere_role: str | None = None
) -> QuerySet[StaffMember]:
    """The active holders of ``role`` in the schools named, and of ``everywhere_role`` in any school
    (city-wide roles), each once, with their accounts."""
    wanted = Q(school_id__in=_ids(school_ids), roles__role=role)
    if everywhere_role is not None:
        wanted |= Q(roles__role=everywhere_role)
    return StaffMember.objects.filter(is_active=True).filter(wanted).select_related("user").distinct()


def school_by_id(school_id: int) -> School | None:
    return School.objects.filter(pk=school_id).first()


def school_by_code(code: str) -> School | None:
    return School.objects.filter(code=code).first()


def user_by_id(user_id: int | None) -> User | None:
    return User.objects.filter(pk=user_id).first() if user_id else None


def user_ref(user_id: int | None) -> User | None:
    """The account of an id a caller trusts (an event's actor), to record as who did something (the audit's
    actor, a foreign key): no query, and nothing but its id is loaded. ``user_by_id`` to read the account."""
    return User(pk=user_id) if user_id else None


def school_usernames(*, school_id: int) -> "QuerySet[User, Any]":
    """The usernames of a school's accounts, as a subquery (``.values("username")``)."""
    return User.objects.filter(staff__school_id=school_id).values("username")


# --- Locks -------------------------------------------------------------------------------------


def staff_lock(*staff_ids: int, related: Sequence[str] = ()) -> dict[int, StaffMember]:
    """Lock people's rows for the rest of the transaction and return them, by id.

    Every app that serialises work per person (punches and corrections, leave requests and their
    approvals, overtime, a personal schedule's overlap check, a substitute's periods, a portal binding)
    takes this one lock, so their orders agree and they never deadlock each other:

    - in id order, one order everywhere;
    - ``FOR NO KEY UPDATE`` (PostgreSQL): two lockers of one person queue, but rows that merely point at
      the person (a punch, a daily result written by the 18:00 run, an audit entry) are not held up by
      their foreign-key check, which takes ``FOR KEY SHARE``; the person's key never changes;
    - ``OF self`` and no default ordering: StaffMember orders by (school, employee_no), which joins the
      school; ``FOR … UPDATE`` without ``OF`` would lock the school's row too, and everyone of one school
      would queue behind each other (the morning rush of punches).

    ``related`` joins rows for reading (``"school"``, ``"user"``) without locking them. Where a database has
    no row locks (SQLite) this is a plain read and the unique constraints hold the invariants.
    """
    ids = sorted({int(pk) for pk in staff_ids})
    if not ids:
        return {}
    # The few people a request locks (one, or an applicant and a deputy) through SQL compiled once per process.
    read = _lock_reads.get(tuple(related))
    if read is None:
        read = _lock_reads.setdefault(tuple(related), PreparedInstances(partial(_locked_rows, related=tuple(related))))
    return {person.pk: person for person in read.rows(ids)}


_lock_reads: dict[tuple[str, ...], PreparedInstances[StaffMember]] = {}


def _locked_rows(ids: list[int], related: tuple[str, ...]) -> QuerySet[StaffMember]:
    return _locking(related).filter(pk__in=ids).order_by("pk")


def staff_lock_of_user(user_id: int, *, related: Sequence[str] = ()) -> StaffMember | None:
    """``staff_lock`` for the staff record of an account (None if it has none); one query."""
    return _locking(related).filter(user_id=user_id).order_by().first()


def _locking(related: Sequence[str]) -> QuerySet[StaffMember]:
    no_key = connection.features.has_select_for_no_key_update
    return StaffMember.objects.select_for_update(no_key=no_key, of=("self",)).select_related(*related)


def school_lock(school_id: int) -> School:
    """Lock a school's row: one writer at a time for what is decided school-wide (its calendar, its
    roster import). ``FOR UPDATE``, because that is what the school's writers have always taken."""
    return School.objects.select_for_update().get(pk=school_id)


def person_by_feed_token(token: str) -> StaffMember | None:
    """The active person whose calendar address carries ``token`` (None for a revoked or unknown one)."""
    if not token or len(token) > 100:
        return None
    return (
        StaffMember.objects.filter(calendar_feed__token_hash=CalendarFeed.hash(token), is_active=True)
        .select_related("school", "user")
        .first()
    )


def calendar_feed_of(staff: StaffMember) -> dt.datetime | None:
    """When the person's calendar address was made (None without one)."""
    return CalendarFeed.objects.filter(staff=staff).values_list("created_at", flat=True).first()
