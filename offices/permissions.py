"""Who sees the city's view: the education bureau's read-only role (staff.Role.CITY), nobody else — not
a school's personnel office, principal or system admin, not a superuser without the role."""

from staff.models import Role, StaffMember


def is_city_viewer(viewer: StaffMember | None) -> bool:
    return viewer is not None and viewer.is_active and viewer.has_role(Role.CITY)
