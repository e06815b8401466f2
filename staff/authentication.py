"""API authentication that reads the person with the account (config/settings.py names it for DRF)."""

from common.api import ExpiringTokenAuthentication


class StaffTokenAuthentication(ExpiringTokenAuthentication):
    """The token, its account and the person behind it with their school and unit, in one query: every API view
    asks for the person (staff.selectors.staff_for_request), which then reads nothing more."""

    related = ("staff__school", "staff__unit")
