"""Who may change whose portal binding.

Narrower than staff.permissions.can_manage_staff: binding an account is the personnel office's
business, not a unit head's. Built on the shared rule (same school, school-wide reach) plus the
role that owns account administration.
"""

from typing import TypeGuard

from staff.models import Role, StaffMember
from staff.permissions import can_see_staff, outranks

BINDING_ADMIN_ROLES = frozenset({Role.PERSONNEL, Role.SYSTEM_ADMIN})


def is_binding_admin(viewer: StaffMember | None) -> TypeGuard[StaffMember]:
    return viewer is not None and bool(viewer.roles_set & BINDING_ADMIN_ROLES)


def can_manage_binding(viewer: StaffMember | None, subject: StaffMember) -> bool:
    """Oneself, or personnel/system admin of the subject's own school who is not outranked by the
    subject (``staff.permissions.outranks``: personnel never bind, unbind or pre-register a system
    admin's or a superuser's account)."""
    if viewer is None:
        return False
    if viewer.pk == subject.pk:
        return True
    return is_binding_admin(viewer) and can_see_staff(viewer, subject) and not outranks(subject, viewer)
