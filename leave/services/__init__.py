"""Every change to leave: seeding the rules, requesting, approving, withdrawing, 銷假, overtime.

Lock, then decide: a change that touches a person's balance first locks that person's StaffMember
row (select_for_update), then re-reads and checks. Charges (leave/rules.py) are recomputed in
date order under that lock, so two requests at the same moment can neither overdraw a quota nor
overlap. Each change writes its audit entry, its notifications and its LeaveEvent inside the same
transaction.

The services live in one module per concern; import them from here.
"""

from leave.services.approvals import approval_step_reassign, leave_step_approve, leave_step_reject
from leave.services.attachments import (
    pending_as_files,
    pending_attachments_discard,
    pending_attachments_store,
    pending_attachments_sweep,
)
from leave.services.balances import balance_adjust, leave_charges_recompute, month_close
from leave.services.overtime import (
    overtime_decide,
    overtime_settle,
    overtime_settle_from_punches,
    overtime_submit,
    overtime_withdraw,
    overtimes_settle_due,
)
from leave.services.requests import (
    BalanceAfter,
    Plan,
    Preview,
    is_month_closed,
    leave_request_cancel,
    leave_request_preview,
    leave_request_problems,
    leave_request_submit,
    leave_request_withdraw,
    request_length,
    select_chain,
)
from leave.services.seeding import approval_chains_seed, leave_types_seed

__all__ = [
    "BalanceAfter",
    "Plan",
    "Preview",
    "approval_chains_seed",
    "approval_step_reassign",
    "balance_adjust",
    "is_month_closed",
    "leave_charges_recompute",
    "leave_request_cancel",
    "leave_request_preview",
    "leave_request_problems",
    "leave_request_submit",
    "leave_request_withdraw",
    "leave_step_approve",
    "leave_step_reject",
    "leave_types_seed",
    "month_close",
    "overtime_decide",
    "overtime_settle",
    "overtime_settle_from_punches",
    "overtime_submit",
    "overtime_withdraw",
    "overtimes_settle_due",
    "pending_as_files",
    "pending_attachments_discard",
    "pending_attachments_store",
    "pending_attachments_sweep",
    "request_length",
    "select_chain",
]
