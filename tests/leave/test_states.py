"""The status tables (common.states) of leave requests, overtime and 補登 corrections: every
transition the table allows and every one it refuses, in the table and through the services."""

import itertools

import pytest

from attendance.models import PunchCorrection
from attendance.services import AttendanceError, punch_correction_approve, punch_correction_reject
from attendance.states import CORRECTION
from common.states import StateMachine
from leave.errors import LeaveError
from leave.models import LeaveRequest, LeaveStatus, OvertimeRequest
from leave.services import (
    leave_request_cancel,
    leave_request_submit,
    leave_request_withdraw,
    overtime_submit,
    overtime_withdraw,
)
from leave.states import LEAVE_REQUEST, OVERTIME
from tests.clock import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_1_september_2025")]

# (machine, the table as written in the issue: action -> (from, to))
TABLES = [
    (LEAVE_REQUEST, {
        "approve": ({"pending"}, "approved"), "reject": ({"pending"}, "rejected"),
        "withdraw": ({"pending"}, "withdrawn"), "cancel": ({"approved"}, "cancelled"),
    }),
    (OVERTIME, {
        "approve": ({"pending"}, "approved"), "reject": ({"pending"}, "rejected"),
        "withdraw": ({"pending"}, "withdrawn"),
    }),
    (CORRECTION, {"approve": ({"pending"}, "approved"), "reject": ({"pending"}, "rejected")}),
]


@pytest.mark.parametrize(("machine", "table"), TABLES, ids=[m.name for m, _t in TABLES])
def test_every_pair_of_status_and_action_is_allowed_or_refused_as_written(machine: StateMachine, table):
    for status, action in itertools.product(sorted(machine.states), table):
        sources, target = table[action]
        allowed = status in sources
        assert machine.allows(status, action) is allowed, (status, action)
        assert (action in machine.actions(status)) is allowed
        if allowed:
            assert machine.require(status, action, lambda: AssertionError("refused")) == target
        else:
            with pytest.raises(LookupError):
                machine.require(status, action, LookupError)
    assert set(machine.transitions) == set(table)
    assert not machine.allows("pending", "no such action")


def test_a_table_naming_an_unknown_state_or_twice_an_action_is_refused():
    with pytest.raises(ValueError, match="bad transition"):
        StateMachine.build("x", ["a", "b"], [("go", ["a"], "c")])
    with pytest.raises(ValueError, match="bad transition"):
        StateMachine.build("x", ["a", "b"], [("go", ["a"], "b"), ("go", ["b"], "a")])


# --- The services enforce the tables, from every status -------------------------------------------


def _leave(school, types) -> LeaveRequest:
    return leave_request_submit(
        applicant=school["teacher"], leave_type=types["personal"], start=at(2025, 9, 10, 8), end=at(2025, 9, 10, 12),
        deputy=school["other_teacher"], reason="家中有事", class_arrangement="第 2 節請吳老師代課",
    )


@pytest.mark.parametrize("status", LeaveStatus.values)
def test_withdrawing_a_leave_request_from_each_status(school, types, status):
    leave = _leave(school, types)
    LeaveRequest.objects.filter(pk=leave.pk).update(status=status)
    leave.refresh_from_db()
    if LEAVE_REQUEST.allows(status, "withdraw"):
        assert leave_request_withdraw(request=leave, actor=school["teacher"]).status == LeaveStatus.WITHDRAWN
        return
    with pytest.raises(LeaveError) as caught:
        leave_request_withdraw(request=leave, actor=school["teacher"])
    assert caught.value.code == "not_pending"
    leave.refresh_from_db()
    assert leave.status == status


@pytest.mark.parametrize("status", LeaveStatus.values)
def test_cancelling_a_leave_from_each_status(school, types, status):
    leave = _leave(school, types)
    LeaveRequest.objects.filter(pk=leave.pk).update(status=status)
    leave.refresh_from_db()
    if LEAVE_REQUEST.allows(status, "cancel"):
        cancellation = leave_request_cancel(request=leave, actor=school["teacher"], reason="事情解決了")
        assert cancellation.is_cancellation and cancellation.status == LeaveStatus.PENDING
        return
    with pytest.raises(LeaveError) as caught:
        leave_request_cancel(request=leave, actor=school["teacher"], reason="事情解決了")
    assert caught.value.code == "not_approved"


@pytest.mark.parametrize("status", OvertimeRequest.Status.values)
def test_withdrawing_overtime_from_each_status(school, status):
    overtime = overtime_submit(staff=school["teacher"], planned_start=at(2025, 9, 10, 17),
                               planned_end=at(2025, 9, 10, 19), reason="校慶籌備")
    OvertimeRequest.objects.filter(pk=overtime.pk).update(status=status)
    overtime.refresh_from_db()
    if OVERTIME.allows(status, "withdraw"):
        assert overtime_withdraw(overtime=overtime, actor=school["teacher"]).status == OvertimeRequest.Status.WITHDRAWN
        return
    with pytest.raises(LeaveError) as caught:
        overtime_withdraw(overtime=overtime, actor=school["teacher"])
    assert caught.value.code == "not_pending"
    overtime.refresh_from_db()
    assert overtime.status == status


@pytest.mark.parametrize("status", PunchCorrection.Status.values)
def test_deciding_a_correction_from_each_status(school, status):
    from attendance.models import PunchKind
    from attendance.services import punch_correction_request

    teacher, head = school["teacher"], school["unit_head"]
    # One correction per action (a 上班 to approve, a 下班 to reject), each first put in ``status``.
    for action, decide, kind, hour in (
        ("approve", punch_correction_approve, PunchKind.IN, 7), ("reject", punch_correction_reject, PunchKind.OUT, 17)
    ):
        correction = punch_correction_request(staff=teacher, date=at(2025, 8, 29, 8).date(), kind=kind,
                                              time=at(2025, 8, 29, hour, 50).time(), reason="忘了打卡")
        closed = status != PunchCorrection.Status.PENDING
        decided = {"decided_at": at(2025, 8, 30), "decided_by": head} if closed else {}
        PunchCorrection.objects.filter(pk=correction.pk).update(status=status, **decided)
        if CORRECTION.allows(status, action):
            assert decide(correction_id=correction.pk, approver=head).status == CORRECTION.target(action)
        else:
            with pytest.raises(AttendanceError) as caught:
                decide(correction_id=correction.pk, approver=head)
            assert caught.value.code == "not_pending"
            assert PunchCorrection.objects.get(pk=correction.pk).status == status
