"""The status table of a disaster-stop claim (停班停課登記, ``common.states``): services enforce it,
pages read it to decide which actions to offer.

A claim waits for the school head (校長), who grants or refuses it; the claimant may withdraw it
while it waits. A decided or withdrawn claim stays as it is.
"""

from common.states import StateMachine
from schedules.models import DisasterStopClaim

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
