"""Who may change the calendar. Reading it is open to everyone at the school.

- A school's own days (校慶補假, exam days, make-up days, return-to-school days), its semesters
  and its work schedules: that school's personnel office or system admin; a superuser anywhere.
- The office calendar (the government's CSV, the same for every school): personnel or system
  admin of any school, or a superuser. Every import is audited.
- Typhoon days (停班停課): the city declares them, so a system admin (or a superuser) may record
  one for any school or for all schools at once; a school's personnel office may record one for
  its own school only (the city's announcement lists districts, and the school knows first).
  Withdrawing follows the same rule: an all-schools declaration only by a system admin or superuser.
"""

from staff.models import Role, School, StaffMember

CALENDAR_MANAGER_ROLES = frozenset({Role.PERSONNEL, Role.SYSTEM_ADMIN})


def _staff(user) -> StaffMember | None:
    if user is None or not user.is_authenticated:
        return None
    return user.staff_or_none


def can_view_school_calendar(user, school: School) -> bool:
    if user is not None and user.is_authenticated and user.is_superuser:
        return True
    staff = _staff(user)
    return staff is not None and (staff.school_id == school.pk or staff.has_role(Role.SYSTEM_ADMIN))


def can_manage_school_calendar(user, school: School) -> bool:
    if user is not None and user.is_authenticated and user.is_superuser:
        return True
    staff = _staff(user)
    return staff is not None and staff.school_id == school.pk and bool(staff.roles_set & CALENDAR_MANAGER_ROLES)


def can_import_office_calendar(user) -> bool:
    if user is not None and user.is_authenticated and user.is_superuser:
        return True
    staff = _staff(user)
    return staff is not None and bool(staff.roles_set & CALENDAR_MANAGER_ROLES)


def can_declare_typhoon(user, school: School | None) -> bool:
    """``school=None`` asks about a declaration for all schools."""
    if user is not None and user.is_authenticated and user.is_superuser:
        return True
    staff = _staff(user)
    if staff is None:
        return False
    if staff.has_role(Role.SYSTEM_ADMIN):
        return True
    return school is not None and staff.school_id == school.pk and staff.has_role(Role.PERSONNEL)


def can_use_typhoon_page(user) -> bool:
    if user is not None and user.is_authenticated and user.is_superuser:
        return True
    staff = _staff(user)
    return staff is not None and bool(staff.roles_set & CALENDAR_MANAGER_ROLES)
