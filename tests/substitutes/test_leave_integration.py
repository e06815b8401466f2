"""From leave to coverage needs through the REAL leave services (no hand-published events).

The leave module publishes its LeaveEvent from leave_request_submit, leave_step_approve,
leave_step_reject, leave_request_withdraw and an approved 銷假 (leave_request_cancel); these tests
drive those services and check what the coverage module made of it.

王老師 (teacher) teaches Thu 10/9 P1 + P3 and Fri 10/10 P2 (10/10 is 國慶日), Mon P1. Her chain for a
leave of one day or less: deputy (李導師) → unit head (陳主任); over one day adds the personnel office.
"""

import datetime as dt

import pytest
import time_machine

from leave.models import LeaveRequest, LeaveStatus, LeaveType
from leave.services import (
    approval_chains_seed,
    leave_request_cancel,
    leave_request_submit,
    leave_request_withdraw,
    leave_step_approve,
    leave_step_reject,
    leave_types_seed,
)
from notifications.models import Notification
from substitutes.models import Absence, CoverageAssignment, CoverageNeed
from substitutes.services import coverage_assign
from tests.substitutes.conftest import FRI, THU, at

pytestmark = pytest.mark.django_db

MON = dt.date(2025, 10, 13)


@pytest.fixture
def setup(school_setup):
    leave_types_seed(school=school_setup["school"])
    approval_chains_seed(school=school_setup["school"])
    types = {t.code: t for t in LeaveType.objects.filter(school=school_setup["school"])}
    # Filed a week before: on 1 October 2025, 09:00.
    with time_machine.travel(at(dt.date(2025, 10, 1), "09:00"), tick=False):
        yield {**school_setup, "types": types}


def submit(s, start, end, code="personal", **kwargs) -> LeaveRequest:
    return leave_request_submit(
        applicant=s["teacher"], leave_type=s["types"][code], start=start, end=end, deputy=s["other_teacher"],
        reason="家中有事", class_arrangement="請教學組安排代課", **kwargs,
    )


def approve_all(request: LeaveRequest, *actors) -> LeaveRequest:
    for actor in actors:
        leave_step_approve(request=request, actor=actor)
    request.refresh_from_db()
    return request


def live_needs(teacher):
    return list(
        CoverageNeed.objects.filter(teacher=teacher).exclude(status=CoverageNeed.Status.CANCELLED)
        .order_by("date", "starts_at").values_list("date", "period_number", "class_name")
    )


def needs_notices(staff):
    return list(Notification.objects.filter(recipient=staff.user, kind="substitutes.needs_changed").order_by("id"))


def test_a_submitted_two_day_leave_over_national_day_needs_only_the_teaching_day(setup):
    teacher, academic = setup["teacher"], setup["academic"]
    request = submit(setup, at(THU, "08:00"), at(FRI, "16:00"))
    assert request.status == LeaveStatus.PENDING and request.hours == 8  # Friday is no working day

    assert live_needs(teacher) == [(THU, 1, "高一 3 班"), (THU, 3, "高一 5 班")]
    absence = Absence.objects.get(leave_request_id=request.pk)
    assert absence.status == Absence.Status.PENDING and absence.leave_type_name == "事假"
    assert [(s.start, s.end) for s in absence.spans.all()] == [(request.start, request.end)]
    [notice] = needs_notices(academic)
    assert "王老師" in notice.title and "事假" in notice.title
    assert "114/10/09 第 1 節" in notice.body and "高一 5 班" in notice.body and "第 2 節" not in notice.body

    # Approved through the chain: the needs stay, the absence is approved, 教學組 is told it is confirmed.
    approve_all(request, setup["other_teacher"], setup["unit_head"])
    assert request.status == LeaveStatus.APPROVED
    absence.refresh_from_db()
    assert absence.status == Absence.Status.APPROVED
    assert live_needs(teacher) == [(THU, 1, "高一 3 班"), (THU, 3, "高一 5 班")]
    assert len(needs_notices(academic)) == 2
    assert "核准" in needs_notices(academic)[-1].body


def test_shortening_an_approved_leave_removes_needs_cancels_their_cover_and_notifies(setup):
    teacher, academic = setup["teacher"], setup["academic"]
    # Thu 08:00 – Mon 16:00: two duty days (Thu, Mon) → over one day → deputy, unit head, personnel.
    request = submit(setup, at(THU, "08:00"), at(MON, "16:00"))
    approve_all(request, setup["other_teacher"], setup["unit_head"], setup["personnel"])
    assert request.status == LeaveStatus.APPROVED
    assert live_needs(teacher) == [(THU, 1, "高一 3 班"), (THU, 3, "高一 5 班"), (MON, 1, "高一 3 班")]
    monday_need = CoverageNeed.objects.get(teacher=teacher, date=MON)
    assignment = coverage_assign(need_id=monday_need.pk, substitute_id=setup["other_head"].pk, actor=academic)
    before = len(needs_notices(academic))

    # 銷假: keep Thursday until 10:00 only; it takes effect when the original approvers (no deputy) approve.
    cancellation = leave_request_cancel(request=request, actor=teacher, new_end=at(THU, "10:00"), reason="提早返校")
    assert live_needs(teacher) == [(THU, 1, "高一 3 班"), (THU, 3, "高一 5 班"), (MON, 1, "高一 3 班")]
    approve_all(cancellation, setup["unit_head"], setup["personnel"])
    assert cancellation.status == LeaveStatus.APPROVED

    assert live_needs(teacher) == [(THU, 1, "高一 3 班")]
    assignment.refresh_from_db()
    assert assignment.status == CoverageAssignment.Status.CANCELLED
    assert Notification.objects.filter(recipient=setup["other_head"].user,
                                       kind="substitutes.assignment_cancelled").exists()
    notices = needs_notices(academic)
    assert len(notices) == before + 1
    assert "取消 2 節" in notices[-1].title
    assert "114/10/13 第 1 節" in notices[-1].body and "目前需代課的節次共 1 節" in notices[-1].body
    absence = Absence.objects.get(leave_request_id=request.pk)
    assert absence.status == Absence.Status.APPROVED
    assert [(s.start, s.end) for s in absence.spans.all()] == [(at(THU, "08:00"), at(THU, "10:00"))]


def test_cancelling_an_approved_leave_entirely_cancels_its_needs(setup):
    teacher = setup["teacher"]
    request = approve_all(submit(setup, at(THU, "08:00"), at(THU, "16:00")), setup["other_teacher"],
                          setup["unit_head"])
    cancellation = leave_request_cancel(request=request, actor=teacher)
    approve_all(cancellation, setup["unit_head"])
    request.refresh_from_db()
    assert request.status == LeaveStatus.CANCELLED
    assert live_needs(teacher) == []
    assert Absence.objects.get(leave_request_id=request.pk).status == Absence.Status.CANCELLED
    assert "銷假" in needs_notices(setup["academic"])[-1].body


def test_withdrawal_cancels_the_needs(setup):
    teacher, academic = setup["teacher"], setup["academic"]
    request = submit(setup, at(THU, "08:00"), at(THU, "16:00"))
    assert len(live_needs(teacher)) == 2
    leave_request_withdraw(request=request, actor=teacher)

    assert live_needs(teacher) == []
    assert CoverageNeed.objects.filter(teacher=teacher, status=CoverageNeed.Status.CANCELLED).count() == 2
    assert Absence.objects.get(leave_request_id=request.pk).status == Absence.Status.CANCELLED
    last = needs_notices(academic)[-1]
    assert "撤回" in last.body and "取消 2 節" in last.title


def test_rejection_cancels_the_needs(setup):
    teacher, academic = setup["teacher"], setup["academic"]
    request = submit(setup, at(THU, "08:00"), at(THU, "16:00"))
    leave_step_approve(request=request, actor=setup["other_teacher"])
    leave_step_reject(request=request, actor=setup["unit_head"], comment="期中考週，請改期")

    assert live_needs(teacher) == []
    assert Absence.objects.get(leave_request_id=request.pk).status == Absence.Status.CANCELLED
    assert "駁回" in needs_notices(academic)[-1].body


@pytest.mark.parametrize(
    ("code", "end_day", "payer"),
    [
        ("personal", THU, "teacher"),  # 事假: 自理
        ("official", THU, "school"),  # 公假: 公費
        ("sick", THU, "teacher"),  # 病假 under 3 days: 自理
        ("sick", dt.date(2025, 10, 14), "school"),  # 病假 of 3 days (Thu, Mon, Tue): 公費
    ],
)
def test_the_payer_comes_from_the_leave_types_rule(setup, code, end_day, payer):
    teacher, academic = setup["teacher"], setup["academic"]
    kwargs = {"attachments": []}
    if code == "sick" and end_day != THU:
        from django.core.files.uploadedfile import SimpleUploadedFile

        kwargs["attachments"] = [SimpleUploadedFile("診斷證明.pdf", b"%PDF-1.4", content_type="application/pdf")]
    if code == "official":
        kwargs["reason"] = "研習"
    request = leave_request_submit(
        applicant=teacher, leave_type=setup["types"][code], start=at(THU, "08:00"), end=at(end_day, "16:00"),
        deputy=setup["other_teacher"], class_arrangement="請教學組安排代課",
        **{"reason": "看病", **kwargs},
    )
    assert request.substitute_paid_by == payer
    absence = Absence.objects.get(leave_request_id=request.pk)
    assert absence.paid_by == payer
    need = CoverageNeed.objects.filter(absence=absence).order_by("starts_at").first()
    assignment = coverage_assign(need_id=need.pk, substitute_id=setup["other_head"].pk, actor=academic)
    assert assignment.paid_by == payer


def test_the_leave_form_preview_lists_the_periods_that_will_need_cover(setup, client_for):
    """The 課務 preview on the leave form: the same periods the coverage module will make needs of."""
    teacher, personal = setup["teacher"], setup["types"]["personal"]
    params = {"leave_type": personal.pk, "start_date": THU.isoformat(), "end_date": FRI.isoformat()}
    html = client_for(teacher).get("/leave/preview/", params).content.decode()
    assert 'data-testid="preview-classes"' in html and "這段時間有 2 節課" in html
    assert "114/10/09 第 1 節 高一 3 班・國文" in html and "114/10/09 第 3 節 高一 5 班・國文" in html
    assert "114/10/10" not in html.split('data-testid="preview-classes"')[1]  # 國慶日: no class
    assert not CoverageNeed.objects.exists()  # a preview writes nothing

    # Submitted, the needs are exactly the previewed periods.
    submit(setup, at(THU, "08:00"), at(FRI, "16:00"))
    assert live_needs(teacher) == [(THU, 1, "高一 3 班"), (THU, 3, "高一 5 班")]

    # An afternoon off touches no class: no 課務 list. Nor for a teacher without classes that day.
    afternoon = {**params, "end_date": THU.isoformat(), "start_time": "13:00", "end_time": "16:00"}
    html = client_for(teacher).get("/leave/preview/", {**afternoon, "start_date": MON.isoformat(),
                                                       "end_date": MON.isoformat()}).content.decode()
    assert 'data-testid="preview-length"' in html and 'data-testid="preview-classes"' not in html
    html = client_for(setup["other_head"]).get("/leave/preview/", params).content.decode()
    assert 'data-testid="preview-length"' in html and 'data-testid="preview-classes"' not in html
