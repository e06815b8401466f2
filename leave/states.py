"""The status tables of leave's models (``common.states``): services enforce them, pages read them.

- A leave request (or a 銷假 request) is decided in its chain: approved or rejected while pending;
  the applicant may withdraw it while pending; an approved leave is cancelled when its whole-cancelling
  銷假 is approved (a partial 銷假 shortens it and it stays approved).
- Overtime: the approver approves or rejects it while pending; the applicant may withdraw it then.
- An approval step waits for the steps before it; it becomes current (or is skipped: the applicant
  holds the role themselves, a principal's own unit head step) when its turn comes; the current step's
  actor approves or rejects it, and the personnel office may hand it to someone else (it stays
  current); the steps still waiting or current are cancelled when the request ends without them
  (withdrawn, or rejected at an earlier step).
"""

from common.states import StateMachine
from leave.models import ApprovalStep, LeaveStatus, OvertimeRequest

S = LeaveStatus
LEAVE_REQUEST = StateMachine.build(
    "leave request",
    S.values,
    [
        ("approve", [S.PENDING], S.APPROVED),
        ("reject", [S.PENDING], S.REJECTED),
        ("withdraw", [S.PENDING], S.WITHDRAWN),
        ("cancel", [S.APPROVED], S.CANCELLED),
    ],
)

OT = OvertimeRequest.Status
OVERTIME = StateMachine.build(
    "overtime",
    OT.values,
    [
        ("approve", [OT.PENDING], OT.APPROVED),
        ("reject", [OT.PENDING], OT.REJECTED),
        ("withdraw", [OT.PENDING], OT.WITHDRAWN),
    ],
)

ST = ApprovalStep.Status
APPROVAL_STEP = StateMachine.build(
    "approval step",
    ST.values,
    [
        ("activate", [ST.WAITING], ST.CURRENT),
        ("skip", [ST.WAITING], ST.SKIPPED),
        ("approve", [ST.CURRENT], ST.APPROVED),
        ("reject", [ST.CURRENT], ST.REJECTED),
        ("reassign", [ST.CURRENT], ST.CURRENT),
        ("cancel", [ST.WAITING, ST.CURRENT], ST.CANCELLED),
    ],
)
