"""django-axes hooks.

Axes guards local passwords. A portal sign-in has no password here (the portal checked it), so
the OIDC callback is neither blocked by nor counted toward a lockout: a school behind one NAT
address must still get in through the portal while its local sign-ins are locked, and a
provider misconfiguration must not lock out a school's address.

Two limits (docs/sso.md, "Lockout"), both over the cool-off window, both on the client's address
as ``common.client.client_ip`` reads it behind the proxy:

- an account from one address: ``AXES_FAILURE_LIMIT`` (5) wrong passwords lock that account *from
  that address* only; the same person elsewhere (another school computer, home) still signs in, so
  nobody can lock a colleague or a whole school out from their own machine;
- one address, whatever the accounts: ``AXES_ADDRESS_FAILURE_LIMIT`` (20) lock the address, so one
  machine cannot try a password on every account of a school.

Axes compares one number against one limit, so the handler reports, for the request, the failures of
the parameter set closest to its own limit, scaled to ``AXES_FAILURE_LIMIT``.
"""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.urls import reverse

ACCOUNT_FROM_ADDRESS = ["username", "ip_address"]
ADDRESS = "ip_address"
LOCKOUT_PARAMETERS = [ACCOUNT_FROM_ADDRESS, ADDRESS]


def is_portal_callback(request, credentials=None) -> bool:
    """AXES_WHITELIST_CALLABLE."""
    return request is not None and request.path == reverse("oidc_authentication_callback")


def limit_for(parameter) -> int:
    return settings.AXES_ADDRESS_FAILURE_LIMIT if parameter == ADDRESS else settings.AXES_FAILURE_LIMIT


class LockoutHandler(AxesDatabaseHandler):
    """AXES_HANDLER: the database handler with a limit of its own for each lockout parameter set."""

    def get_failures(self, request, credentials=None) -> int:
        scale = settings.AXES_FAILURE_LIMIT
        worst = 0
        for parameter, attempts in zip(LOCKOUT_PARAMETERS, self.get_user_attempts(request, credentials), strict=True):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            # failures >= limit exactly when the scaled figure >= AXES_FAILURE_LIMIT.
            worst = max(worst, failures * scale // limit_for(parameter))
        return worst
