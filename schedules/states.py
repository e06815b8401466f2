"""The status tables (``common.states``) of a disaster-stop claim (停班停課登記) and of an official
announcement (a CAP alert): services enforce them, pages read them to decide which actions to offer.

A claim waits for the school head (校長), who grants or refuses it; the claimant may withdraw it
while it waits. A decided or withdrawn claim stays as it is.
"""

from common.states import StateMachine
from schedules.models import DisasterAlert, DisasterStopClaim

C = DisasterStopClaim.Status
DISASTER_STOP_CLAIM = StateMachine.build(
    "disaster stop claim",
    C.values,
    [
        ("grant", [C.PENDING], C.GRANTED),
        ("refuse", [C.PENDING], C.REFUSED),
        ("withdraw", [C.PENDING], C.WITHDRAWN),
    ],
)

# Who makes each move (schedules/services.py checks it): the school head decides, the claimant withdraws.
CLAIM_MOVERS = {"grant": "head", "refuse": "head", "withdraw": "claimant"}

# An official announcement (CAP alert, schedules.cap_services). It arrives as a proposal, or is kept as
# ignored (not for us, or nothing to do), or — a Cancel of a thread nothing was declared from — as the
# record of a withdrawal. A proposal stays open to decisions while proposed or confirmed: personnel
# confirm for their own school and the city administrator for every school (each decision is an
# AlertDecision); the city administrator's dismissal of a proposal nobody confirmed closes it. A later
# alert of the same thread withdraws the open proposals (nothing declared yet) or supersedes them.
A = DisasterAlert.State
DISASTER_ALERT = StateMachine.build(
    "disaster alert",
    A.values,
    [
        ("propose", [], A.PROPOSED),
        ("ignore", [], A.IGNORED),
        ("record_withdrawal", [], A.WITHDRAWN),
        ("confirm", [A.PROPOSED, A.CONFIRMED], A.CONFIRMED),
        ("dismiss", [A.PROPOSED], A.DISMISSED),
        ("withdraw", [A.PROPOSED, A.CONFIRMED], A.WITHDRAWN),
        ("supersede", [A.PROPOSED, A.CONFIRMED], A.SUPERSEDED),
    ],
)
# The states in which a proposal waits for decisions (to confirm, or to dismiss for one's scope).
ALERT_OPEN = DISASTER_ALERT.sources("confirm")
