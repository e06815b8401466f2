"""The status table of a forgotten-punch correction (補登), ``common.states``: the approver approves or
rejects it while it is pending; a decided correction stays decided."""

from attendance.models import PunchCorrection
from common.states import StateMachine

C = PunchCorrection.Status
CORRECTION = StateMachine.build(
    "punch correction",
    C.values,
    [
        ("approve", [C.PENDING], C.APPROVED),
        ("reject", [C.PENDING], C.REJECTED),
    ],
)
