"""The status tables of leave's models (``common.states``): services enforce them, pages read them.

- A leave request (or a 銷假 request) is decided in its chain: approved or rejected while pending;
  the applicant may withdraw it while pending; an approved leave is cancelled when its whole-cancelling
  銷假 is approved (a partial 銷假 shortens it and it stays approved).
- Overtime: the approver approves or rejects it while pending; the applicant may withdraw it then.
"""

from common.states import StateMachine
from leave.models import LeaveStatus, OvertimeRequest

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
