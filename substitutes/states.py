"""The status tables of the coverage models (``common.states``): services enforce them; views, API
serializers and templates read them to decide which buttons and actions to offer.

- A coverage need is open until someone covers it (``assign``); taking the assignment back
  (``unassign``) opens it again; it is cancelled when its period no longer needs cover (the leave
  changed, the absence was withdrawn, the class is not held), whether open or covered. A cancelled
  need stays cancelled: if the period needs cover again, a new need is made.
- A coverage assignment is active until it is taken back or its need is cancelled (``cancel``).
"""

from common.states import StateMachine
from substitutes.models import CoverageAssignment, CoverageNeed

N = CoverageNeed.Status
NEED = StateMachine.build(
    "coverage need",
    N.values,
    [
        ("assign", [N.OPEN], N.COVERED),
        ("unassign", [N.COVERED], N.OPEN),
        ("cancel", [N.OPEN, N.COVERED], N.CANCELLED),
    ],
)

A = CoverageAssignment.Status
ASSIGNMENT = StateMachine.build(
    "coverage assignment",
    A.values,
    [
        ("cancel", [A.ACTIVE], A.CANCELLED),
    ],
)

# Why a need cannot be given to someone, by its status (the codes coverage_assign refuses with).
NEED_REFUSAL_CODES = {N.CANCELLED: "need_cancelled", N.COVERED: "already_covered"}
