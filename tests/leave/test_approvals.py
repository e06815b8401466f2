"""Approving: chains, rejection at each step, withdrawal, 銷假, cover for an approver on leave, reassignment."""

import datetime as dt

import pytest
import time_machine

from audit.models import AuditEntry
from audit.selectors import audit_history
from leave.errors import LeaveError
from leave.events import leave_changed
from leave.models import ApprovalStep, LeaveRequest, LeaveStatus
from leave.selectors import approval_inbox, leave_balances
from leave.services import (
    approval_step_reassign,
    leave_request_cancel,
    leave_request_submit,
    leave_request_withdraw,
    leave_step_approve,
    leave_step_reject,
)
from notifications.models import Notification
from tests.leave.conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_1_september_2025")]



@pytest.fixture
def events():
    heard = []

    def listener(sender, event, **kwargs):
        heard.append(event)

    leave_changed.connect(listener)
    yield heard
    leave_changed.disconnect(listener)


def personal(school, types, days=4, **kw) -> LeaveRequest:
    """事假 for 王老師 from Wed 10 Sep 2025, ``days`` working days long (4 days: 10–12 and 15 Sep)."""
    ends = {1: at(2025, 9, 10, 16), 2: at(2025, 9, 11, 16), 4: at(2025, 9, 15, 16)}
    kwargs = {
        "applicant": school["teacher"], "leave_type": types["personal"], "start": at(2025, 9, 10, 8),
        "end": ends[days], "deputy": school["other_teacher"], "reason": "出國探親",
        "class_arrangement": "請教學組安排代課",
    }
    return leave_request_submit(**{**kwargs, **kw})


def pending_hours(staff, code="personal", on=dt.date(2025, 9, 10)):
    row = next(r for r in leave_balances(staff_members=[staff], on=on)[staff.pk] if r.leave_type.code == code)
    return row.used, row.pending, row.remaining


def notices(staff, kind):
    return list(Notification.objects.filter(recipient=staff.user, kind=kind).order_by("id"))


def test_a_long_leave_goes_through_the_whole_chain(school, types, events):
    teacher, deputy, head, personnel, principal = (
        school[k] for k in ("teacher", "other_teacher", "unit_head", "personnel", "principal")
    )
    request = personal(school, types)  # 4 days: longer than 3, so the principal signs too
    assert request.chain_name == "逾三日"
    assert [s.role for s in request.steps.all()] == ["deputy", "unit_head", "personnel", "principal"]
    assert pending_hours(teacher) == (0, 32, 24)
    assert notices(deputy, "leave.action_needed")[0].title.startswith("請確認職務代理：王老師 事假")
    assert notices(teacher, "leave.submitted")

    for actor, role, nxt in [(deputy, "deputy", head), (head, "unit_head", personnel),
                             (personnel, "personnel", principal)]:
        assert [s.request_id for s in approval_inbox(actor)] == [request.pk]
        leave_step_approve(request=request, actor=actor, comment="同意")
        request.refresh_from_db()
        assert request.status == LeaveStatus.PENDING
        assert request.steps.get(role=role).acted_by == actor
        assert notices(nxt, "leave.action_needed"), f"{nxt} was not told"
        assert approval_inbox(actor) == []
    # Every step told the applicant where it stands.
    assert len(notices(teacher, "leave.progress")) == 3

    leave_step_approve(request=request, actor=principal)
    request.refresh_from_db()
    assert request.status == LeaveStatus.APPROVED and request.decided_at
    assert pending_hours(teacher) == (32, 0, 24)
    assert notices(teacher, "leave.decided")[0].title.startswith("事假已核准")
    actions = [entry.action for entry in audit_history(request) if entry.action.startswith("leave.")]
    assert sorted(actions) == sorted(["leave.submitted", *["leave.step_approved"] * 4, "leave.approved"])
    assert [e.action for e in events] == ["submitted", "approved"]
    assert events[1].spans == ((request.start, request.end),)


@pytest.mark.parametrize("at_step", [1, 2, 3, 4])
def test_rejection_at_each_step_ends_the_request_and_frees_the_balance(school, types, events, at_step):
    actors = [school["other_teacher"], school["unit_head"], school["personnel"], school["principal"]]
    request = personal(school, types)
    for actor in actors[: at_step - 1]:
        leave_step_approve(request=request, actor=actor)
    leave_step_reject(request=request, actor=actors[at_step - 1], comment="該週有段考，請改期")
    request.refresh_from_db()
    assert request.status == LeaveStatus.REJECTED
    statuses = [s.status for s in request.steps.all()]
    assert statuses == ["approved"] * (at_step - 1) + ["rejected"] + ["cancelled"] * (4 - at_step)
    assert pending_hours(school["teacher"]) == (0, 0, 56)
    decided = notices(school["teacher"], "leave.decided")[0]
    assert "已駁回" in decided.title and "該週有段考" in decided.body
    assert audit_history(request).filter(action="leave.rejected").exists()
    assert [e.action for e in events] == ["submitted", "rejected"]
    assert events[1].spans == () and events[1].previous_spans == ((request.start, request.end),)
    # A rejected request no longer blocks the same hours.
    assert personal(school, types).status == LeaveStatus.PENDING


def test_rejecting_needs_a_comment(school, types):
    request = personal(school, types)
    with pytest.raises(LeaveError) as error:
        leave_step_reject(request=request, actor=school["other_teacher"], comment=" ")
    assert error.value.code == "comment_required"


def test_types_the_school_may_not_refuse(school, types):
    request = personal(school, types, days=1, leave_type=types["family_care"])
    leave_step_approve(request=request, actor=school["other_teacher"])
    with pytest.raises(LeaveError) as error:
        leave_step_reject(request=request, actor=school["unit_head"], comment="不准")
    assert error.value.code == "may_not_refuse"


def test_only_the_current_steps_actor_may_act_and_never_on_their_own_request(school, types):
    request = personal(school, types)
    for outsider in (school["unit_head"], school["other_head"], school["personnel"], school["outsider"]):
        with pytest.raises(LeaveError) as error:
            leave_step_approve(request=request, actor=outsider)
        assert error.value.code == "not_your_step"
    with pytest.raises(LeaveError) as error:
        leave_step_approve(request=request, actor=school["teacher"])
    assert error.value.code == "own_request"


def test_a_unit_heads_own_leave_goes_to_the_principal(school, types):
    request = leave_request_submit(
        applicant=school["unit_head"], leave_type=types["personal"], start=at(2025, 9, 10, 7, 30),
        end=at(2025, 9, 10, 16, 30), deputy=school["academic"], class_arrangement="無課務",
    )
    leave_step_approve(request=request, actor=school["academic"])
    step = request.steps.get(role="unit_head")
    assert step.assignee == school["principal"]


def test_the_principals_own_leave_skips_the_steps_they_would_sign(school, types):
    request = leave_request_submit(
        applicant=school["principal"], leave_type=types["personal"], start=at(2025, 9, 10, 7, 30),
        end=at(2025, 9, 15, 16, 30), deputy=school["unit_head"], class_arrangement="無課務",
    )
    leave_step_approve(request=request, actor=school["unit_head"])
    leave_step_approve(request=request, actor=school["personnel"])
    request.refresh_from_db()
    assert request.status == LeaveStatus.APPROVED
    assert [(s.role, s.status) for s in request.steps.all()] == [
        ("deputy", "approved"), ("unit_head", "skipped"), ("personnel", "approved"), ("principal", "skipped")
    ]


def test_withdrawal_while_pending(school, types, events):
    request = personal(school, types)
    leave_step_approve(request=request, actor=school["other_teacher"])
    with pytest.raises(LeaveError) as error:
        leave_request_withdraw(request=request, actor=school["unit_head"])
    assert error.value.code == "not_applicant"
    leave_request_withdraw(request=request, actor=school["teacher"])
    request.refresh_from_db()
    assert request.status == LeaveStatus.WITHDRAWN
    assert pending_hours(school["teacher"]) == (0, 0, 56)
    assert notices(school["unit_head"], "leave.withdrawn")
    assert approval_inbox(school["unit_head"]) == []
    assert [e.action for e in events] == ["submitted", "withdrawn"]
    with pytest.raises(LeaveError) as error:
        leave_request_withdraw(request=request, actor=school["teacher"])
    assert error.value.code == "not_pending"


def approved(school, types, days=2) -> LeaveRequest:
    request = personal(school, types, days=days)
    leave_step_approve(request=request, actor=school["other_teacher"])
    leave_step_approve(request=request, actor=school["unit_head"])
    if days > 1:
        leave_step_approve(request=request, actor=school["personnel"])
    request.refresh_from_db()
    assert request.status == LeaveStatus.APPROVED
    return request


def test_cancelling_an_approved_leave_through_the_same_chain(school, types, events):
    original = approved(school, types)  # 2 days: deputy → unit head → personnel
    assert pending_hours(school["teacher"]) == (16, 0, 40)
    cancellation = leave_request_cancel(request=original, actor=school["teacher"], reason="家人已康復")
    # The deputy is told, not asked: the approvers of the original chain sign.
    assert [s.role for s in cancellation.steps.all()] == ["unit_head", "personnel"]
    with pytest.raises(LeaveError) as error:
        leave_request_cancel(request=original, actor=school["teacher"])
    assert error.value.code == "cancellation_pending"
    leave_step_approve(request=cancellation, actor=school["unit_head"])
    assert pending_hours(school["teacher"]) == (16, 0, 40)  # nothing changes before the last step
    leave_step_approve(request=cancellation, actor=school["personnel"])
    original.refresh_from_db()
    assert original.status == LeaveStatus.CANCELLED
    assert pending_hours(school["teacher"]) == (0, 0, 56)
    assert notices(school["other_teacher"], "leave.changed")
    assert audit_history(original).filter(action="leave.cancelled").exists()
    assert [e.action for e in events] == ["submitted", "approved", "cancelled"]
    assert events[-1].leave_request_id == original.pk
    assert events[-1].spans == () and events[-1].previous_spans == ((at(2025, 9, 10, 8), at(2025, 9, 11, 16)),)


def test_shortening_an_approved_leave(school, types, events):
    original = approved(school, types)
    with pytest.raises(LeaveError) as error:
        leave_request_cancel(request=original, actor=school["teacher"], new_start=at(2025, 9, 9, 8))
    assert error.value.code == "not_shorter"
    # Back after the first day: keep 10 Sep only.
    cancellation = leave_request_cancel(request=original, actor=school["teacher"], new_end=at(2025, 9, 10, 16))
    assert cancellation.hours == 8 and not cancellation.cancels_all
    leave_step_approve(request=cancellation, actor=school["unit_head"])
    leave_step_approve(request=cancellation, actor=school["personnel"])
    original.refresh_from_db()
    assert (original.status, original.hours, original.end) == (LeaveStatus.APPROVED, 8, at(2025, 9, 10, 16))
    assert [d.day for d in original.days.all()] == [dt.date(2025, 9, 10)]
    assert pending_hours(school["teacher"]) == (8, 0, 48)
    assert events[-1].action == "changed"
    assert events[-1].spans == ((at(2025, 9, 10, 8), at(2025, 9, 10, 16)),)
    assert events[-1].previous_spans == ((at(2025, 9, 10, 8), at(2025, 9, 11, 16)),)


def test_a_rejected_cancellation_leaves_the_leave_as_it_was(school, types, events):
    original = approved(school, types)
    cancellation = leave_request_cancel(request=original, actor=school["teacher"])
    leave_step_reject(request=cancellation, actor=school["unit_head"], comment="已安排代課，不宜銷假")
    original.refresh_from_db()
    assert original.status == LeaveStatus.APPROVED
    assert pending_hours(school["teacher"]) == (16, 0, 40)
    assert [e.action for e in events] == ["submitted", "approved"]


def test_only_approved_leave_can_be_cancelled(school, types):
    request = personal(school, types)
    with pytest.raises(LeaveError) as error:
        leave_request_cancel(request=request, actor=school["teacher"])
    assert error.value.code == "not_approved"


def test_an_approver_on_leave_is_covered_by_their_own_deputy(school, types):
    head, academic = school["unit_head"], school["academic"]
    # 陳主任 is on approved leave all of Wed 10 Sep with 吳組長 as deputy.
    own = leave_request_submit(applicant=head, leave_type=types["personal"], start=at(2025, 9, 10, 7, 30),
                               end=at(2025, 9, 10, 16, 30), deputy=academic, class_arrangement="無課務")
    leave_step_approve(request=own, actor=academic)
    leave_step_approve(request=own, actor=school["principal"])
    with time_machine.travel(at(2025, 9, 10, 10), tick=False):
        request = personal(school, types, days=1, start=at(2025, 9, 12, 8), end=at(2025, 9, 12, 16))
        leave_step_approve(request=request, actor=school["other_teacher"])
        # The step is 陳主任's; 吳組長 was told and finds it in the inbox.
        step = request.steps.get(status="current")
        assert step.assignee == head
        assert notices(academic, "leave.action_needed")
        assert [s.pk for s in approval_inbox(academic)] == [step.pk]
        with pytest.raises(LeaveError):
            leave_step_approve(request=request, actor=school["other_head"])
        leave_step_approve(request=request, actor=academic, comment="代理主任核章")
    step.refresh_from_db()
    assert (step.acted_by, step.on_behalf_of) == (academic, head)
    request.refresh_from_db()
    assert request.status == LeaveStatus.APPROVED
    # Once 陳主任 is back, the deputy no longer covers.
    with time_machine.travel(at(2025, 9, 11, 10), tick=False):
        later = personal(school, types, days=1, start=at(2025, 9, 19, 8), end=at(2025, 9, 19, 16))
        leave_step_approve(request=later, actor=school["other_teacher"])
        assert approval_inbox(academic) == []
        with pytest.raises(LeaveError) as error:
            leave_step_approve(request=later, actor=academic)
        assert error.value.code == "not_your_step"


def test_a_deputy_away_today_is_covered_from_the_submission_on(school, types):
    """Who stands in for the deputy is read with the overlaps: a deputy away now (not over the request's span)
    is accepted, and their own deputy is told that the first step waits, as for any approver on leave."""
    deputy, cover = school["other_teacher"], school["academic"]
    # 李老師 is on approved leave all of Wed 10 Sep with 吳組長 as deputy.
    away = leave_request_submit(applicant=deputy, leave_type=types["personal"], start=at(2025, 9, 10, 7, 30),
                                end=at(2025, 9, 10, 16, 30), deputy=cover, class_arrangement="無課務")
    while (step := away.steps.filter(status="current").first()) is not None:
        leave_step_approve(request=away, actor=step.assignee)
    away.refresh_from_db()
    assert away.status == LeaveStatus.APPROVED
    told_before = len(notices(cover, "leave.action_needed"))
    with time_machine.travel(at(2025, 9, 10, 10), tick=False):
        request = personal(school, types, days=1, start=at(2025, 9, 12, 8), end=at(2025, 9, 12, 16))
    assert request.steps.get(status="current").assignee == deputy
    assert notices(deputy, "leave.action_needed")
    assert len(notices(cover, "leave.action_needed")) == told_before + 1
    # Back on Thursday: nobody stands in for 李老師 any more.
    with time_machine.travel(at(2025, 9, 11, 10), tick=False):
        personal(school, types, days=1, start=at(2025, 9, 19, 8), end=at(2025, 9, 19, 16))
    assert len(notices(cover, "leave.action_needed")) == told_before + 1
    # Away over the request's own span: refused, as before.
    with time_machine.travel(at(2025, 9, 10, 10), tick=False), pytest.raises(LeaveError) as error:
        personal(school, types, days=1, start=at(2025, 9, 10, 8), end=at(2025, 9, 10, 16))
    assert error.value.code == "deputy_on_leave"


def test_personnel_reassign_a_stuck_step(school, types):
    request = personal(school, types, days=1)
    leave_step_approve(request=request, actor=school["other_teacher"])
    step = request.steps.get(status="current")
    for who, code in [(school["unit_head"], "forbidden"), (school["outsider"], "forbidden")]:
        with pytest.raises(LeaveError) as error:
            approval_step_reassign(step=step, to=school["other_head"], actor=who)
        assert error.value.code == code
    with pytest.raises(LeaveError) as error:
        approval_step_reassign(step=step, to=school["teacher"], actor=school["personnel"])
    assert error.value.code == "own_request"
    approval_step_reassign(step=step, to=school["other_head"], actor=school["personnel"], comment="主任出國")
    assert notices(school["other_head"], "leave.action_needed")
    with pytest.raises(LeaveError):
        leave_step_approve(request=request, actor=school["unit_head"])
    leave_step_approve(request=request, actor=school["other_head"])
    request.refresh_from_db()
    assert request.status == LeaveStatus.APPROVED
    assert AuditEntry.objects.filter(action="leave.step_reassigned").count() == 1


def test_a_unit_without_a_head_goes_to_the_principal(school, types):
    unit = school["units"]["academic"]
    unit.head = None
    unit.save()
    request = personal(school, types, days=1)
    leave_step_approve(request=request, actor=school["other_teacher"])
    assert request.steps.get(status=ApprovalStep.Status.CURRENT).assignee == school["principal"]


def test_a_step_nobody_can_sign_is_listed_for_the_personnel_office(school, types):
    from leave.selectors import stuck_steps
    from staff.models import RoleAssignment

    RoleAssignment.objects.filter(role="principal").delete()  # the school has no principal for now
    request = personal(school, types)  # 4 days: the chain ends with the principal
    for actor in (school["other_teacher"], school["unit_head"], school["personnel"]):
        leave_step_approve(request=request, actor=actor)
    step = request.steps.get(status="current")
    assert step.role == "principal" and [s.pk for s in stuck_steps(school["school"].pk)] == [step.pk]
    approval_step_reassign(step=step, to=school["principal"], actor=school["personnel"], comment="代理校長")
    assert stuck_steps(school["school"].pk) == []
    leave_step_approve(request=request, actor=school["principal"])
    request.refresh_from_db()
    assert request.status == LeaveStatus.APPROVED
