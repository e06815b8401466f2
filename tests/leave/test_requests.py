"""Requesting: every refusal carries its code and leaves nothing behind."""

import contextlib
import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEntry
from audit.selectors import audit_history
from leave.errors import LeaveError
from leave.events import leave_changed
from leave.models import (
    ApprovalStep,
    ClosedMonth,
    LeaveAttachment,
    LeaveCharge,
    LeaveDay,
    LeaveRequest,
    LeaveStatus,
)
from leave.services import leave_request_submit, leave_step_approve
from notifications.models import Notification
from staff.models import StaffCategory
from tests.factories import make_staff
from tests.leave.conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_1_september_2025")]


MODELS = (LeaveRequest, LeaveDay, LeaveCharge, ApprovalStep, LeaveAttachment, AuditEntry, Notification)


@contextlib.contextmanager
def nothing_written():
    before = {m: m.objects.count() for m in MODELS}
    yield
    assert {m: m.objects.count() for m in MODELS} == before


def refused(code: str, **kwargs):
    with nothing_written(), pytest.raises(LeaveError) as error:
        leave_request_submit(**kwargs)
    assert error.value.code == code, error.value.message
    return error.value


def base(school, types, **overrides):
    kwargs = {
        "applicant": school["teacher"],
        "leave_type": types["personal"],
        "start": at(2025, 9, 10, 8),
        "end": at(2025, 9, 10, 12),
        "deputy": school["other_teacher"],
        "reason": "家中有事",
        "class_arrangement": "第 2、3 節請吳老師代課",
    }
    return {**kwargs, **overrides}


def test_a_good_request_is_written_with_its_days_charges_steps_and_event(school, types):
    heard = []

    def listener(sender, event, **kwargs):
        heard.append(event)

    leave_changed.connect(listener)
    try:
        request = leave_request_submit(**base(school, types))
    finally:
        leave_changed.disconnect(listener)
    assert request.status == LeaveStatus.PENDING and request.hours == 4
    assert [(d.day, d.hours) for d in request.days.all()] == [(dt.date(2025, 9, 10), 4)]
    assert [(c.leave_type.code, c.hours, c.unpaid) for c in request.charges.all()] == [("personal", 4, False)]
    assert [(s.role, s.status) for s in request.steps.all()] == [("deputy", "current"), ("unit_head", "waiting")]
    assert request.steps.get(order=1).assignee == school["other_teacher"]
    assert audit_history(request).filter(action="leave.submitted").exists()
    assert [e.action for e in heard] == ["submitted"]
    assert heard[0].spans == ((request.start, request.end),) and heard[0].substitute_paid_by == "teacher"


def test_end_before_start(school, types):
    refused("end_before_start", **base(school, types, start=at(2025, 9, 10, 12), end=at(2025, 9, 10, 8)))
    refused("end_before_start", **base(school, types, start=at(2025, 9, 10, 8), end=at(2025, 9, 10, 8)))


@pytest.mark.parametrize("status", [LeaveStatus.PENDING, LeaveStatus.APPROVED])
def test_overlap_with_own_pending_or_approved_leave(school, types, status):
    first = leave_request_submit(**base(school, types))
    if status == LeaveStatus.APPROVED:
        leave_step_approve(request=first, actor=school["other_teacher"])
        leave_step_approve(request=first, actor=school["unit_head"])
        first.refresh_from_db()
    assert first.status == status
    refused("overlap", **base(school, types, start=at(2025, 9, 10, 11), end=at(2025, 9, 10, 16)))


def test_no_overlap_with_withdrawn_leave(school, types):
    from leave.services import leave_request_withdraw

    first = leave_request_submit(**base(school, types))
    leave_request_withdraw(request=first, actor=school["teacher"])
    assert leave_request_submit(**base(school, types)).status == LeaveStatus.PENDING


def test_not_enough_balance_for_a_type_that_cannot_go_over(school, types):
    # 陳主任's 休假 is 28 days; 29 working days (1 Sep – 14 Oct 2025) are too many.
    error = refused("insufficient_balance", **base(
        school, types, applicant=school["unit_head"], leave_type=types["vacation"],
        start=at(2025, 9, 1, 7, 30), end=at(2025, 10, 14, 16, 30),
    ))
    assert "休假" in str(error.message)


def test_deputy_is_the_applicant(school, types):
    refused("deputy_self", **base(school, types, deputy=school["teacher"]))


def test_deputy_is_missing(school, types):
    refused("deputy_required", **base(school, types, deputy=None))


def test_deputy_is_inactive(school, types):
    gone = make_staff(school["school"], unit=school["units"]["academic"], name="離職老師", is_active=False)
    refused("deputy_inactive", **base(school, types, deputy=gone))


def test_deputy_is_from_another_school(school, types):
    refused("deputy_other_school", **base(school, types, deputy=school["outsider"]))


def test_deputy_is_on_leave_in_the_span(school, types):
    leave_request_submit(**base(school, types, applicant=school["other_teacher"], deputy=school["unit_head"],
                                start=at(2025, 9, 10, 10), end=at(2025, 9, 10, 16)))
    refused("deputy_on_leave", **base(school, types))


def test_category_may_not_use_the_type(school, types):
    # 休假 is for teachers with an administrative post only.
    refused("category_not_allowed", **base(school, types, leave_type=types["vacation"]))
    # 代課教師 are not on the leave system at all.
    hourly = make_staff(school["school"], unit=school["units"]["academic"], category=StaffCategory.HOURLY_SUBSTITUTE)
    refused("category_not_allowed", **base(school, types, applicant=hourly))


def test_wellbeing_leave_starts_in_october_2025(school, types):
    refused("category_not_allowed", **base(school, types, leave_type=types["wellbeing"]))
    request = leave_request_submit(**base(school, types, leave_type=types["wellbeing"],
                                          start=at(2025, 10, 1, 8), end=at(2025, 10, 1, 10)))
    assert request.hours == 2


def test_proof_missing_where_required(school, types):
    # 病假 of 2 days or more needs a certificate; one day does not.
    two_days = {"leave_type": types["sick"], "start": at(2025, 9, 10, 8), "end": at(2025, 9, 11, 16)}
    refused("proof_required", **base(school, types, **two_days))
    request = leave_request_submit(**base(school, types, **two_days, attachments=[
        SimpleUploadedFile("證明.pdf", b"%PDF proof", content_type="application/pdf")]))
    assert request.attachments.count() == 1
    one_day = leave_request_submit(**base(school, types, leave_type=types["sick"], start=at(2025, 9, 12, 8),
                                          end=at(2025, 9, 12, 16)))
    assert one_day.hours == 8


def test_span_in_a_month_the_personnel_office_closed(school, types):
    ClosedMonth.objects.create(school=school["school"], month=dt.date(2025, 8, 1))
    refused("closed_period", **base(school, types, start=at(2025, 8, 29, 8), end=at(2025, 8, 29, 16)))
    # September is open.
    assert leave_request_submit(**base(school, types)).pk


def test_span_in_a_month_closed_automatically(school, types, settings):
    settings.LEAVE_AUTO_CLOSE_DAY = 5
    with time_machine.travel(at(2025, 9, 5, 9), tick=False):
        # August closed on 5 September.
        refused("closed_period", **base(school, types, start=at(2025, 8, 29, 8), end=at(2025, 8, 29, 16)))
    with time_machine.travel(at(2025, 9, 4, 9), tick=False):
        assert leave_request_submit(**base(school, types, start=at(2025, 8, 29, 8), end=at(2025, 8, 29, 16))).pk


def test_teachers_state_their_class_arrangement(school, types):
    refused("class_arrangement_required", **base(school, types, class_arrangement="  "))
    # 職員 have no classes.
    assert leave_request_submit(**base(school, types, applicant=school["personnel"], class_arrangement="")).pk


def test_a_span_without_working_time(school, types):
    # Sat 6 – Sun 7 Sep 2025.
    refused("no_working_time", **base(school, types, start=at(2025, 9, 6, 8), end=at(2025, 9, 7, 16)))


def test_per_event_types_need_their_event_and_window(school, types):
    funeral = {"leave_type": types["bereavement"], "start": at(2025, 9, 10, 8), "end": at(2025, 9, 10, 16)}
    refused("event_required", **base(school, types, **funeral))
    refused("event_required", **base(school, types, **funeral, event_key="cousin", event_date=dt.date(2025, 9, 8)))
    # Within 100 days of the death.
    refused("outside_event_window", **base(school, types, **funeral, event_key="parent_spouse",
                                          event_date=dt.date(2025, 5, 1)))
    request = leave_request_submit(**base(school, types, **funeral, event_key="parent_spouse",
                                          event_date=dt.date(2025, 9, 8)))
    assert request.charges.get().bucket == "E:parent_spouse:2025-09-08"


def test_menstrual_leave_is_one_day_a_month(school, types):
    leave_request_submit(**base(school, types, applicant=school["other_teacher"], deputy=school["teacher"],
                                leave_type=types["menstrual"]))
    refused("monthly_cap", **base(school, types, applicant=school["other_teacher"], deputy=school["teacher"],
                                  leave_type=types["menstrual"], start=at(2025, 9, 17, 8), end=at(2025, 9, 17, 16)))


def test_maternity_leave_is_one_block(school, types):
    certificate = [SimpleUploadedFile("出生證明.pdf", b"%PDF")]
    birth = {"applicant": school["other_teacher"], "deputy": school["teacher"], "leave_type": types["maternity"],
             "event_key": "birth", "event_date": dt.date(2025, 9, 20)}
    leave_request_submit(**base(school, types, **birth, start=at(2025, 9, 22), end=at(2025, 10, 1),
                                attachments=certificate))
    refused("single_block", **base(school, types, **birth, start=at(2025, 10, 6), end=at(2025, 10, 10),
                                   attachments=[SimpleUploadedFile("出生證明.pdf", b"%PDF")]))


def test_no_chain_configured(school, types):
    from leave.models import ApprovalChain

    ApprovalChain.objects.filter(school=school["school"]).update(is_active=False)
    refused("no_chain", **base(school, types))
