"""Pairwise subject identifiers, as the Kaohsiung portal may issue them.

Each client sees a different, stable ``sub`` for the same account, so the app can never key
identities by anything but (issuer, sub). The salt is public: the stand-in is a demo, and the
app's demo loader computes the subs of the people it pre-binds with this same function.
"""

import hashlib
import hmac

SALT = b"campus-attendance standin portal pairwise v1"


def pairwise_sub(username: str, client_id: str) -> str:
    return hmac.new(SALT, f"{username}\x1f{client_id}".encode(), hashlib.sha256).hexdigest()[:32]
