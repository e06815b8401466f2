"""Who may see whose records: the one rule every app applies, per object.

- everyone sees their own records;
- a unit head sees the members of the units they head (and those units' sections);
- personnel, the principal and system admins see everyone in their own school;
- nobody sees another school's people.

Academic affairs' reach over timetables and coverage is decided in the substitutes app,
which asks ``has_role(Role.ACADEMIC_AFFAIRS)``.
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from staff.models import Role, StaffMember, User

SCHOOL_WIDE_ROLES = frozenset({Role.PERSONNEL, Role.PRINCIPAL, Role.SYSTEM_ADMIN})


def is_school_wide(viewer: StaffMember) -> bool:
    return bool(viewer.roles_set & SCHOOL_WIDE_ROLES)


def headed_unit_ids(viewer: StaffMember) -> list[int]:
    """The units the viewer heads, with their sections (one query)."""
    if not hasattr(viewer, "_headed_unit_ids"):
        from staff.models import Unit

        viewer._headed_unit_ids = list(
            Unit.objects.filter(Q(head=viewer) | Q(parent__head=viewer)).values_list("id", flat=True)
        )
    return viewer._headed_unit_ids


def visible_staff_q(viewer: StaffMember, prefix: str = "") -> Q:
    """A filter for any queryset whose rows belong to a StaffMember reached by ``prefix``.

    ``LeaveRequest.objects.filter(visible_staff_q(viewer, "applicant__"))``.
    """
    if is_school_wide(viewer):
        return Q(**{f"{prefix}school_id": viewer.school_id})
    units = headed_unit_ids(viewer)
    q = Q(**{f"{prefix}pk" if prefix else "pk": viewer.pk})
    if units:
        q |= Q(**{f"{prefix}unit_id__in": units, f"{prefix}school_id": viewer.school_id})
    return q


def visible_staff(viewer: StaffMember) -> QuerySet[StaffMember]:
    return StaffMember.objects.filter(visible_staff_q(viewer))


def can_see_staff(viewer: StaffMember, subject: StaffMember) -> bool:
    if viewer.pk == subject.pk:
        return True
    if viewer.school_id != subject.school_id:
        return False
    if is_school_wide(viewer):
        return True
    return subject.unit_id is not None and subject.unit_id in headed_unit_ids(viewer)


def can_manage_staff(viewer: StaffMember, subject: StaffMember) -> bool:
    """Approve and correct on someone else's behalf: their unit head or school-wide roles, never oneself."""
    return viewer.pk != subject.pk and can_see_staff(viewer, subject)


def can_import_roster(user: User | AnonymousUser) -> bool:
    """The personnel office (人事) imports its own school's roster; superusers import any school's."""
    if not (user.is_authenticated and user.is_active):
        return False
    if not isinstance(user, User):
        return False
    if user.is_superuser:
        return True
    staff = user.staff_or_none
    return staff is not None and staff.is_active and staff.has_role(Role.PERSONNEL)


# --- Power over accounts --------------------------------------------------------------------
# Nobody changes the password, the portal binding, the roles or the active flag of someone who
# holds more power than they do. Three levels: a superuser (the whole system), a system admin
# (系統管理: city-wide calendar and typhoon days), everyone else (personnel included).
POWER_SUPERUSER = 3
POWER_SYSTEM_ADMIN = 2
POWER_ORDINARY = 1


def _user_and_staff(person: User | StaffMember | None) -> tuple[User | None, StaffMember | None]:
    if person is None:
        return None, None
    if isinstance(person, StaffMember):
        return person.user, person
    return person, (person.staff_or_none if person.pk is not None else None)


def power(person: User | StaffMember | None) -> int:
    """The power level of a ``User`` or ``StaffMember`` (see above)."""
    user, staff = _user_and_staff(person)
    if user is not None and user.is_superuser:
        return POWER_SUPERUSER
    if staff is not None and staff.has_role(Role.SYSTEM_ADMIN):
        return POWER_SYSTEM_ADMIN
    return POWER_ORDINARY


def outranks(subject: User | StaffMember, actor: User | StaffMember | None) -> bool:
    """Whether ``subject`` (a User or StaffMember) holds more power than ``actor``.

    ``actor=None`` is the operator at the command line (``manage.py import_staff``), who outranks
    everyone. Checked by every path that changes someone's password, portal binding, roles or
    active flag: the admin (accounts, people, role assignments), the portal binding pages and the
    roster import.
    """
    if actor is None:
        return False
    return power(subject) > power(actor)


def outranking_q(actor: User | StaffMember | None, prefix: str = "", *, accounts: bool = False) -> Q:
    """A ``Q`` over StaffMember rows (reached by ``prefix``), or over User rows with
    ``accounts=True``, of the people who outrank ``actor``: the set-based twin of ``outranks``
    for querysets and choices."""
    from django.db.models import Exists, OuterRef

    from staff.models import RoleAssignment

    level = POWER_SUPERUSER if actor is None else power(actor)
    superuser = f"{prefix}is_superuser" if accounts else f"{prefix}user__is_superuser"
    holder = "staff__user_id" if accounts else "staff_id"
    q = Q(pk__in=[])
    if level < POWER_SUPERUSER:
        q |= Q(**{superuser: True})
    if level < POWER_SYSTEM_ADMIN:
        q |= Q(Exists(RoleAssignment.objects.filter(**{holder: OuterRef(f"{prefix}pk")}, role=Role.SYSTEM_ADMIN)))
    return q
