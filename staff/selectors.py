"""Reads about people that pages and the API share."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from staff.models import StaffMember

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
    return user.staff_or_none


def staff_required_for(request: HttpRequest) -> StaffMember:
    """Like staff_for_request, but an account with no staff record is refused (403) — pages and
    API alike (DRF turns Django's PermissionDenied into its 403)."""
    staff = staff_for_request(request)
    if staff is None:
        raise PermissionDenied(NO_STAFF_MESSAGE)
    return staff
