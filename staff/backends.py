"""Local sign-in (username and password): Django's ModelBackend, with the session's account read with its person.

Every signed-in page asks for the account (Django's session authentication) and then for the person behind it
(``User.staff_or_none``: school and unit). ``AccountBackend.get_user`` reads both in one query whose SQL is
compiled once per process (common/prepared.py), so a page starts with one statement instead of two. The portal
backend (sso.backends.PortalOIDCBackend) reads the session's account the same way.
"""

import functools

from django.contrib.auth.backends import ModelBackend

from common.prepared import PreparedLookup
from staff.models import User


class AccountBackend(ModelBackend):
    def get_user(self, user_id):
        user = _account_with_person().get(user_id)
        # As ModelBackend: an account made inactive is signed out on its next request.
        return user if user is not None and self.user_can_authenticate(user) else None


@functools.cache
def _account_with_person() -> PreparedLookup[User]:
    return PreparedLookup(User, "id", select_related=("staff__school", "staff__unit"))
