from staff.models import Role
from staff.permissions import headed_unit_ids, is_school_wide
from staff.selectors import staff_for_request


def current_staff(request):
    """The signed-in person's staff record and role flags, for the layout's navigation."""
    staff = staff_for_request(request)
    if staff is None:
        return {"me": None, "nav": {}}
    nav = {
        "school_wide": is_school_wide(staff),
        "unit_head": bool(headed_unit_ids(staff)),
        "personnel": staff.has_role(Role.PERSONNEL),
        "academic_affairs": staff.has_role(Role.ACADEMIC_AFFAIRS),
        "city": staff.has_role(Role.CITY),
    }
    nav["approver"] = nav["unit_head"] or nav["school_wide"]
    return {"me": staff, "nav": nav}
