"""The status table of an outbox email (``common.states``): delivery and the retry service follow it.

A pending email is sent, or after its last failed attempt marked failed; a failed or pending one is
given a fresh round of attempts (``retry``, after the mail server is fixed). A sent email is never
touched again: retrying cannot send anything twice.
"""

from common.states import StateMachine
from notifications.models import EmailOutbox, PushMessage

E = EmailOutbox.Status
OUTBOX = StateMachine.build(
    "outbox email",
    E.values,
    [
        ("send", [E.PENDING], E.SENT),
        ("fail", [E.PENDING], E.FAILED),
        ("retry", [E.PENDING, E.FAILED], E.PENDING),
    ],
)

# A push message: sent, or failed after its last attempt. A device that is gone takes its messages with it
# (deleted, not a status). Failed pushes are not retried by hand: a late notification is worth little.
P = PushMessage.Status
PUSH = StateMachine.build(
    "push message",
    P.values,
    [
        ("send", [P.PENDING], P.SENT),
        ("fail", [P.PENDING], P.FAILED),
    ],
)
