"""The status tables of the coverage models (``common.states``): services enforce them; views, API
serializers and templates read them to decide which buttons and actions to offer.

- A coverage need is open until someone covers it. Assigned directly (``assign``) it is covered; when the
  school offers cover first (提供), it is offered (``offer``) until the substitute accepts (``accept``:
  covered) or declines (``decline``: open again, first on the list). Taking the assignment or the offer
  back (``unassign``) opens it again. It is cancelled when its period no longer needs cover (the leave
  changed, the absence was withdrawn, the class is not held), whatever its status then. A cancelled need
  stays cancelled: if the period needs cover again, a new need is made.
- A coverage assignment is made active (assigned directly) or offered. An offer is accepted (active) or
  declined by its substitute; an offer or an active assignment is cancelled when 教學組 takes it back or
  its need is cancelled. Declined and cancelled are final.
- An absence that comes from a leave request follows the leave: pending while the leave is in its
  chain, approved with it, cancelled when the leave ends without taking place (rejected, withdrawn,
  cancelled by 銷假); a leave that is changed again after that makes it pending once more.
- 教學組 records an hourly 代課教師's absence (they file no leave) straight as recorded, and may take
  it back (cancelled); a cancelled recorded absence stays cancelled.
"""

from common.states import StateMachine
from substitutes.models import Absence, CoverageAssignment, CoverageNeed

N = CoverageNeed.Status
NEED = StateMachine.build(
    "coverage need",
    N.values,
    [
        ("assign", [N.OPEN], N.COVERED),
        ("offer", [N.OPEN], N.OFFERED),
        ("accept", [N.OFFERED], N.COVERED),
        ("decline", [N.OFFERED], N.OPEN),
        ("unassign", [N.COVERED, N.OFFERED], N.OPEN),
        ("cancel", [N.OPEN, N.OFFERED, N.COVERED], N.CANCELLED),
    ],
)

A = CoverageAssignment.Status
ASSIGNMENT = StateMachine.build(
    "coverage assignment",
    A.values,
    [
        ("accept", [A.OFFERED], A.ACTIVE),
        ("decline", [A.OFFERED], A.DECLINED),
        ("cancel", [A.OFFERED, A.ACTIVE], A.CANCELLED),
    ],
)

# Assignments that hold their period (the substitute is taken then; one per need): those the table
# can still cancel.
HOLDING = ASSIGNMENT.transitions["cancel"].sources

# Why a need cannot be given to someone, by its status (the codes coverage_assign refuses with).
NEED_REFUSAL_CODES: dict[str, str] = {
    N.CANCELLED: "need_cancelled", N.COVERED: "already_covered", N.OFFERED: "already_offered",
}

AB = Absence.Status
FROM_LEAVE = [AB.PENDING, AB.APPROVED, AB.CANCELLED]
ABSENCE = StateMachine.build(
    "absence",
    AB.values,
    [
        ("record", [], AB.RECORDED),  # made in this state by absence_record, never moved into it
        ("cancel", [AB.RECORDED], AB.CANCELLED),
        ("leave_pending", FROM_LEAVE, AB.PENDING),
        ("leave_approved", FROM_LEAVE, AB.APPROVED),
        ("leave_ended", FROM_LEAVE, AB.CANCELLED),
    ],
)

# What a leave event (leave.events.LeaveEvent.action) does to its absence; any other event (changed)
# keeps the leave's state, and an event that leaves spans behind never ends it.
LEAVE_EVENT_ACTIONS = {
    "submitted": "leave_pending",
    "approved": "leave_approved",
    "rejected": "leave_ended",
    "withdrawn": "leave_ended",
    "cancelled": "leave_ended",
}
_STAYS: dict[str, str] = {AB.PENDING: "leave_pending", AB.APPROVED: "leave_approved"}


def absence_follow_leave(status: str, event_action: str, *, has_spans: bool) -> str:
    """The table's action for an absence in ``status`` when its leave sends ``event_action``."""
    if not has_spans:
        return "leave_ended"
    action = LEAVE_EVENT_ACTIONS.get(event_action) or _STAYS.get(status)
    return "leave_pending" if action in (None, "leave_ended") else action
