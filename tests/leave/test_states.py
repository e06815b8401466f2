"""The status tables (common.states) of leave requests, their approval steps, overtime, 補登
corrections, absences, disaster-stop claims, official disaster alerts (CAP) and outbox emails: every
transition the table allows and every one it refuses, in the table and through the services (the
absences' and claims' services in tests/substitutes/test_absence_states.py, which has the school with a
timetable; the alerts' in tests/schedules/test_cap_import.py, which has the alerts). The coverage needs
and assignments have theirs in tests/substitutes/."""

import itertools

import pytest

from attendance.models import PunchCorrection
from attendance.services import AttendanceError, punch_correction_approve, punch_correction_reject
from attendance.states import CORRECTION
from common.states import StateMachine
from leave.errors import LeaveError
from leave.models import ApprovalStep, LeaveRequest, LeaveStatus, OvertimeRequest
from leave.selectors import request_actions
from leave.services import (
    approval_step_reassign,
    leave_request_cancel,
    leave_request_submit,
    leave_request_withdraw,
    leave_step_approve,
    leave_step_reject,
    overtime_submit,
    overtime_withdraw,
)
from leave.states import APPROVAL_STEP, LEAVE_REQUEST, OVERTIME
from notifications.models import EmailOutbox
from notifications.services import outbox_retry
from notifications.states import OUTBOX
from schedules.states import DISASTER_ALERT, DISASTER_STOP_CLAIM
from substitutes.states import ABSENCE
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
    (APPROVAL_STEP, {
        "activate": ({"waiting"}, "current"), "skip": ({"waiting"}, "skipped"),
        "approve": ({"current"}, "approved"), "reject": ({"current"}, "rejected"),
        "reassign": ({"current"}, "current"), "cancel": ({"waiting", "current"}, "cancelled"),
    }),
    (ABSENCE, {
        "record": (set(), "recorded"), "cancel": ({"recorded"}, "cancelled"),
        "leave_pending": ({"pending", "approved", "cancelled"}, "pending"),
        "leave_approved": ({"pending", "approved", "cancelled"}, "approved"),
        "leave_ended": ({"pending", "approved", "cancelled"}, "cancelled"),
    }),
    (DISASTER_STOP_CLAIM, {
        "grant": ({"pending"}, "granted"), "refuse": ({"pending"}, "refused"), "withdraw": ({"pending"}, "withdrawn"),
    }),
    (DISASTER_ALERT, {
        "propose": (set(), "proposed"), "ignore": (set(), "ignored"), "record_withdrawal": (set(), "withdrawn"),
        "confirm": ({"proposed", "confirmed"}, "confirmed"), "dismiss": ({"proposed"}, "dismissed"),
        "withdraw": ({"proposed", "confirmed"}, "withdrawn"), "supersede": ({"proposed", "confirmed"}, "superseded"),
    }),
    (OUTBOX, {
        "send": ({"pending"}, "sent"), "fail": ({"pending"}, "failed"), "retry": ({"pending", "failed"}, "pending"),
    }),
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


def _leave(school, types, day: int = 10) -> LeaveRequest:
    return leave_request_submit(
        applicant=school["teacher"], leave_type=types["personal"], start=at(2025, 9, day, 8), end=at(2025, 9, day, 12),
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


@pytest.mark.parametrize("status", ApprovalStep.Status.values)
def test_deciding_a_step_from_each_status(school, types, status):
    deputy = school["other_teacher"]
    for day, action, decide in ((10, "approve", leave_step_approve), (11, "reject", leave_step_reject)):
        leave = _leave(school, types, day)
        step = leave.steps.get(status=ApprovalStep.Status.CURRENT)  # the deputy's
        ApprovalStep.objects.filter(pk=step.pk).update(status=status)
        leave.refresh_from_db()
        assert ("approve" in request_actions(deputy, leave).names) is APPROVAL_STEP.allows(status, action)
        if APPROVAL_STEP.allows(status, action):
            decide(request=leave, actor=deputy, comment="好")
            assert ApprovalStep.objects.get(pk=step.pk).status == APPROVAL_STEP.target(action)
            continue
        with pytest.raises(LeaveError) as caught:
            decide(request=leave, actor=deputy, comment="好")
        assert caught.value.code == "not_pending"
        assert ApprovalStep.objects.get(pk=step.pk).status == status


@pytest.mark.parametrize("status", ApprovalStep.Status.values)
def test_reassigning_a_step_from_each_status(school, types, status):
    leave = _leave(school, types)
    step = leave.steps.get(status=ApprovalStep.Status.CURRENT)
    ApprovalStep.objects.filter(pk=step.pk).update(status=status)
    step.refresh_from_db()
    leave.refresh_from_db()
    personnel, to = school["personnel"], school["unit_head"]
    assert ("reassign" in request_actions(personnel, leave).names) is APPROVAL_STEP.allows(status, "reassign")
    if APPROVAL_STEP.allows(status, "reassign"):
        moved = approval_step_reassign(step=step, to=to, actor=personnel)
        assert (moved.status, moved.assignee_id) == (APPROVAL_STEP.target("reassign"), to.pk)
        return
    with pytest.raises(LeaveError) as caught:
        approval_step_reassign(step=step, to=to, actor=personnel)
    assert caught.value.code == "not_current"


def test_a_chain_moves_its_steps_only_as_the_step_table_says(school, types):
    """Submitting activates the first step and leaves the rest waiting; approving it activates the next;
    withdrawing cancels what is still waiting or current; rejecting cancels what waits."""
    teacher, deputy = school["teacher"], school["other_teacher"]

    def statuses(leave):
        return [s.status for s in leave.steps.order_by("order")]

    leave = _leave(school, types)
    first, *rest = statuses(leave)
    assert first == APPROVAL_STEP.target("activate") and rest and set(rest) == {"waiting"}
    leave_step_approve(request=leave, actor=deputy)
    assert statuses(leave)[:2] == [APPROVAL_STEP.target("approve"), APPROVAL_STEP.target("activate")]
    leave_request_withdraw(request=leave, actor=teacher)
    assert set(statuses(leave)[1:]) == {APPROVAL_STEP.target("cancel")}

    rejected = leave_step_reject(request=_leave(school, types, 11), actor=deputy, comment="那天我也不在")
    first, *rest = statuses(rejected)
    assert first == APPROVAL_STEP.target("reject") and set(rest) == {APPROVAL_STEP.target("cancel")}


@pytest.mark.parametrize("status", EmailOutbox.Status.values)
def test_delivering_and_retrying_an_email_from_each_status(status, mailoutbox):
    from notifications.delivery import deliver
    from notifications.retries import SENT, SKIPPED

    row = EmailOutbox.objects.create(to="a@example.edu.tw", subject="s", body="b", status=status)
    assert deliver(row.pk) == (SENT if OUTBOX.allows(status, "send") else SKIPPED)
    row.refresh_from_db()
    assert row.status == (OUTBOX.target("send") if OUTBOX.allows(status, "send") else status)
    assert len(mailoutbox) == (1 if OUTBOX.allows(status, "send") else 0)

    retried = EmailOutbox.objects.create(to="b@example.edu.tw", subject="s", body="b", status=status, attempts=3)
    assert outbox_retry(outbox_ids=[retried.pk]) == (1 if OUTBOX.allows(status, "retry") else 0)
    retried.refresh_from_db()
    assert retried.status == (OUTBOX.target("retry") if OUTBOX.allows(status, "retry") else status)
