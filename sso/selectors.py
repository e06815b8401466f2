"""Reads: bindings of a school, the pre-registration that matches an identity, locked accounts."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Prefetch, QuerySet, Sum
from django.utils import timezone

from sso.models import PortalIdentity, PortalPreRegistration, SchoolPortalPolicy
from staff.models import School, StaffMember, User
from staff.selectors import school_people, school_usernames


def identities_of(*, user: User) -> QuerySet[PortalIdentity]:
    return PortalIdentity.objects.filter(user=user).select_related("school").order_by("issuer")


def school_allows_preregistered_match(*, school: School) -> bool:
    return SchoolPortalPolicy.objects.filter(school=school, allow_preregistered_match=True).exists()


def preregistration_match(*, identity: PortalIdentity) -> StaffMember | None:
    """The one pre-registered, still unbound staff member this identity matches, if the school allows it.

    By the portal email when the portal sent one, otherwise by the exact name; a match must be
    unique in the school, never a guess between two people.
    """
    if identity.is_bound or not school_allows_preregistered_match(school=identity.school):
        return None
    candidates = (
        PortalPreRegistration.objects.filter(staff__school=identity.school, staff__is_active=True)
        .exclude(staff__user__portal_identities__issuer=identity.issuer)
        .select_related("staff__user", "staff__school")
    )
    if identity.email:
        matches = list(candidates.filter(portal_email__iexact=identity.email)[:2])
    elif identity.name:
        matches = list(candidates.filter(staff__name=identity.name)[:2])
    else:
        matches = []
    return matches[0].staff if len(matches) == 1 else None


def school_binding_rows(*, school: School) -> list[StaffMember]:
    """Every staff member of a school with their portal identities and pre-registration.

    Two queries: staff (joined with user, unit and pre-registration), then their identities.
    """
    return list(
        school_people(school_id=school.pk, active=None)
        .select_related("user", "unit", "portal_preregistration")
        .prefetch_related(
            Prefetch(
                "user__portal_identities", queryset=PortalIdentity.objects.order_by("issuer"), to_attr="identities"
            )
        )
        .order_by("-is_active", "employee_no")
    )


def pending_identities(*, school: School) -> QuerySet[PortalIdentity]:
    """Portal identities of the school that signed in but are not bound yet."""
    return PortalIdentity.objects.filter(school=school, user__isnull=True).order_by("-first_seen_at")


@dataclass(frozen=True)
class LockedAccount:
    staff: StaffMember
    failures: int
    last_attempt: datetime


def _recent_attempts() -> QuerySet[AccessAttempt]:
    attempts: QuerySet[AccessAttempt] = AccessAttempt.objects.all()  # axes publishes no types
    cool_off = get_cool_off()
    if cool_off:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts


def locked_accounts(*, viewer: StaffMember) -> list[LockedAccount]:
    """People of the viewer's school whose account django-axes currently locks out from some address
    (sso/lockout.py: AXES_FAILURE_LIMIT failures of that account from one address; two queries)."""
    usernames = school_usernames(school_id=viewer.school_id)
    rows = (
        _recent_attempts()
        .filter(username__in=usernames)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last_attempt=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )
    by_username: dict[str, dict[str, Any]] = {}
    for row in rows:
        seen = by_username.setdefault(row["username"], {"failures": 0, "last_attempt": row["last_attempt"]})
        seen["failures"] += row["failures"]
        seen["last_attempt"] = max(seen["last_attempt"], row["last_attempt"])
    staff = (
        school_people(school_id=viewer.school_id, active=None)
        .filter(user__username__in=list(by_username))
        .select_related("user", "unit")
    )
    return sorted(
        (
            LockedAccount(
                staff=s,
                failures=by_username[s.user.username]["failures"],
                last_attempt=by_username[s.user.username]["last_attempt"],
            )
            for s in staff
        ),
        key=lambda row: row.last_attempt,
        reverse=True,
    )


def locked_addresses(*, viewer: StaffMember) -> list[dict[str, Any]]:
    """Addresses locked out (AXES_ADDRESS_FAILURE_LIMIT failures, whatever the accounts) by failures
    that include sign-ins to the viewer's school's accounts."""
    usernames = school_usernames(school_id=viewer.school_id)
    recent = _recent_attempts()
    school_ips = recent.filter(username__in=usernames).values("ip_address")
    return list(
        recent.filter(ip_address__in=school_ips)
        .values("ip_address")
        .annotate(failures=Sum("failures_since_start"), last_attempt=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_ADDRESS_FAILURE_LIMIT)
        .order_by("-last_attempt")
    )
