"""Who may see whose records: the one rule every app applies, per object.

- everyone sees their own records;
- a unit head sees the members of the units they head (and those units' sections);
- personnel, the principal and system admins see everyone in their own school;
- nobody sees another school's people.

Academic affairs' reach over timetables and coverage is decided in the substitutes app,
which asks ``has_role(Role.ACADEMIC_AFFAIRS)``.
"""

from django.db.models import Q, QuerySet

from staff.models import Role, StaffMember

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


def can_import_roster(user) -> bool:
    """The personnel office (人事) imports its own school's roster; superusers import any school's."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    staff = user.staff_or_none
    return staff is not None and staff.is_active and staff.has_role(Role.PERSONNEL)
