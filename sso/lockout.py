"""django-axes hooks.

Axes guards local passwords. A portal sign-in has no password here (the portal checked it), so
the OIDC callback is neither blocked by nor counted toward a lockout: a school behind one NAT
address must still get in through the portal while its local sign-ins are locked, and a
provider misconfiguration must not lock out a school's address.
"""

from django.urls import reverse


def is_portal_callback(request, credentials=None) -> bool:
    """AXES_WHITELIST_CALLABLE."""
    return request is not None and request.path == reverse("oidc_authentication_callback")
