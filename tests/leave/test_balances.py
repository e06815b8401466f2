"""The rules through the services: seeded types, the real school calendar, balances as people read them."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from leave.display import remaining_text
from leave.errors import LeaveError
from leave.models import LeaveCharge, LeaveRequest, LeaveStatus, OvertimeRequest
from leave.selectors import leave_balances
from leave.services import (
    balance_adjust,
    leave_request_submit,
    leave_step_approve,
    overtime_decide,
    overtime_settle,
    overtime_submit,
)
from staff.models import StaffCategory
from tests.factories import make_staff
from tests.leave.conftest import at

pytestmark = pytest.mark.django_db


def proof():
    return [SimpleUploadedFile("診斷證明.pdf", b"%PDF-1.4 proof", content_type="application/pdf")]


def approve_all(request: LeaveRequest) -> LeaveRequest:
    """Walk the request through its chain, each step by whoever it waits for."""
    from leave.selectors import step_actors

    for _ in range(6):
        request.refresh_from_db()
        if request.status != LeaveStatus.PENDING:
            break
        step = request.steps.get(status="current")
        actors = step_actors(step)
        leave_step_approve(request=request, actor=actors[0])
    request.refresh_from_db()
    return request


def submit(school, who="teacher", **kw) -> LeaveRequest:
    applicant = school[who]
    kw.setdefault("deputy", school["other_teacher"] if who != "other_teacher" else school["teacher"])
    kw.setdefault("class_arrangement", "課務自理：與李老師調課")
    return leave_request_submit(applicant=applicant, **kw)


def balance(staff, code, on: dt.date):
    return next(r for r in leave_balances(staff_members=[staff], on=on)[staff.pk] if r.leave_type.code == code)


def test_balances_read_as_days_and_hours(school):
    # 陳主任 (行政教師, hired 1 Aug 2015) has completed 10 school years on 1 Aug 2025: 休假 28 days.
    row = balance(school["unit_head"], "vacation", dt.date(2025, 9, 1))
    assert row.granted == 28 * 8
    assert remaining_text(row.remaining) == "剩餘：28日0小時"
    # 張人事 (職員, hired 1 Aug 2015): 9 full years on 1 Jan 2025 → 28 days in calendar 2025.
    assert balance(school["personnel"], "vacation", dt.date(2025, 9, 1)).granted == 28 * 8
    # A subject teacher has no 休假 at all.
    codes = {r.leave_type.code for r in leave_balances(staff_members=[school["teacher"]], on=dt.date(2025, 9, 1))[
        school["teacher"].pk]}
    assert "vacation" not in codes and "personal" in codes
    assert remaining_text(14 * 8) == "剩餘：14日0小時"


@time_machine.travel(at(2025, 9, 1, 9), tick=False)
def test_three_day_span_over_the_national_day_on_the_real_calendar(school, types):
    # Thu 9 Oct – Tue 14 Oct 2025, teacher's hours 08:00–16:00: 10 Oct is 國慶日, 11–12 the weekend.
    request = submit(school, leave_type=types["personal"], start=at(2025, 10, 9, 8), end=at(2025, 10, 14, 16))
    assert request.hours == 24
    assert [d.day for d in request.days.all()] == [dt.date(2025, 10, 9), dt.date(2025, 10, 13), dt.date(2025, 10, 14)]
    row = balance(school["teacher"], "personal", dt.date(2025, 10, 9))
    assert (row.pending, remaining_text(row.remaining)) == (24, "剩餘：4日0小時")


@time_machine.travel(at(2025, 9, 1, 9), tick=False)
def test_maternity_leave_counts_every_calendar_day(school, types):
    request = submit(
        school, who="other_teacher", leave_type=types["maternity"], start=at(2025, 9, 22), end=at(2025, 11, 3),
        event_key="birth", event_date=dt.date(2025, 9, 21), attachments=proof(),
    )
    # 22 Sep – 2 Nov: 42 days, holidays and weekends included.
    assert request.hours == 42 * 8
    assert request.substitute_paid_by == "school"


@time_machine.travel(at(2025, 9, 1, 9), tick=False)
def test_family_care_comes_out_of_personal_leave(school, types):
    teacher = school["teacher"]
    approve_all(submit(school, leave_type=types["family_care"], start=at(2025, 9, 10, 8), end=at(2025, 9, 11, 16)))
    assert remaining_text(balance(teacher, "family_care", dt.date(2025, 9, 10)).remaining) == "剩餘：5日0小時"
    assert remaining_text(balance(teacher, "personal", dt.date(2025, 9, 10)).remaining) == "剩餘：5日0小時"


@time_machine.travel(at(2025, 9, 1, 9), tick=False)
def test_personal_leave_over_the_quota_is_allowed_but_unpaid(school, types):
    # 8 working days of 事假 (15–24 Sep 2025): 7 within the quota, the 8th (8 h) unpaid.
    request = approve_all(submit(school, leave_type=types["personal"], start=at(2025, 9, 15, 8),
                                 end=at(2025, 9, 24, 16)))
    assert (request.hours, request.unpaid_hours) == (64, 8)
    row = balance(school["teacher"], "personal", dt.date(2025, 9, 15))
    assert (row.used, row.unpaid, row.remaining) == (56, 8, 0)
    # The school pays a substitute for 事假 beyond 7 days.
    assert request.substitute_paid_by == "school"


@time_machine.travel(at(2025, 8, 20, 9), tick=False)
def test_sick_leave_beyond_28_days_is_taken_from_personal_leave(school, types):
    # 病假 from Mon 1 Sep to Wed 15 Oct 2025: 1 Sep – 10 Oct has 30 weekdays, less 29 Sep (補假),
    # 6 Oct (中秋) and 10 Oct (國慶) → 27 days; with 13–15 Oct → 30 working days.
    request = submit(school, leave_type=types["sick"], start=at(2025, 9, 1, 8), end=at(2025, 10, 15, 16),
                     attachments=proof())
    assert request.hours == 30 * 8
    charged = {(c.leave_type.code, c.unpaid): 0 for c in LeaveCharge.objects.filter(request=request)}
    for c in LeaveCharge.objects.filter(request=request):
        charged[(c.leave_type.code, c.unpaid)] += c.hours
    assert charged == {("sick", False): 28 * 8, ("personal", False): 16}
    assert remaining_text(balance(school["teacher"], "personal", dt.date(2025, 10, 15)).remaining) == "剩餘：5日0小時"
    # ≥ 3 consecutive days of 病假: the school pays the substitute.
    assert request.substitute_paid_by == "school"


def test_the_school_year_boundary_on_the_first_of_august(school, types):
    teacher = school["teacher"]
    with time_machine.travel(at(2025, 7, 1, 9), tick=False):
        # 7 days of 事假 in July 2025 use up school year 113's quota.
        approve_all(submit(school, leave_type=types["personal"], start=at(2025, 7, 21, 8), end=at(2025, 7, 29, 16)))
    assert balance(teacher, "personal", dt.date(2025, 7, 31)).remaining == 0
    # On 1 Aug a new school year starts with a fresh 7 days.
    assert remaining_text(balance(teacher, "personal", dt.date(2025, 8, 1)).remaining) == "剩餘：7日0小時"
    with time_machine.travel(at(2025, 7, 30, 9), tick=False):
        # A span over the boundary: 31 Jul is unpaid (113's quota is gone), 1 Aug draws on 114's.
        request = approve_all(submit(school, leave_type=types["personal"], start=at(2025, 7, 31, 8),
                                     end=at(2025, 8, 1, 16)))
    assert (request.hours, request.unpaid_hours) == (16, 8)
    assert {c.bucket for c in request.charges.all()} == {"P2024-08-01", "P2025-08-01"}
    assert remaining_text(balance(teacher, "personal", dt.date(2025, 8, 1)).remaining) == "剩餘：6日0小時"
    # 職員 count calendar years: for them the same two days are one period.
    assert balance(school["personnel"], "personal", dt.date(2025, 7, 31)).period_start == dt.date(2025, 1, 1)


def test_vacation_cannot_go_over_and_adjustments_add_to_it(school, types):
    head = school["unit_head"]  # 28 days of 休假 in school year 114
    with time_machine.travel(at(2025, 9, 1, 9), tick=False):
        with pytest.raises(LeaveError) as refused:
            # 1 Sep – 14 Oct 2025: 32 weekdays less 29 Sep, 6 Oct and 10 Oct → 29 working days.
            submit(school, who="unit_head", leave_type=types["vacation"], start=at(2025, 9, 1, 7, 30),
                   end=at(2025, 10, 14, 16, 30))
        assert refused.value.code == "insufficient_balance"
        assert not LeaveRequest.objects.exists()
        balance_adjust(staff=head, leave_type=types["vacation"], period_start=dt.date(2025, 8, 1), hours=8,
                       reason="保留 113 學年度休假 1 日", actor=school["personnel"])
        request = submit(school, who="unit_head", leave_type=types["vacation"], start=at(2025, 9, 1, 7, 30),
                         end=at(2025, 10, 14, 16, 30))
    assert request.hours == 29 * 8
    assert balance(head, "vacation", dt.date(2025, 9, 1)).remaining == 0


def test_comp_time_from_overtime_expires_after_two_years(school, types):
    clerk = make_staff(school["school"], unit=school["units"]["personnel"], category=StaffCategory.CIVIL_STAFF,
                       name="趙幹事")
    with time_machine.travel(at(2023, 2, 28, 9), tick=False):
        overtime = overtime_submit(staff=clerk, planned_start=at(2023, 3, 1, 17), planned_end=at(2023, 3, 1, 21),
                                   reason="期末成績結算")
        assert overtime.approver == school["personnel"]  # the head of 人事室
    with time_machine.travel(at(2023, 3, 1, 9), tick=False):
        overtime_decide(overtime=overtime, actor=school["personnel"], approve=True)
    with time_machine.travel(at(2023, 3, 2, 9), tick=False):
        # Punched 16:55–20:40 against an approved 17:00–21:00: 3 h 40 min inside → 3 whole hours.
        overtime_settle(overtime=overtime, worked_start=at(2023, 3, 1, 16, 55), worked_end=at(2023, 3, 1, 20, 40),
                        actor=school["personnel"])
    overtime.refresh_from_db()
    assert (overtime.credited_hours, overtime.expires_on) == (3, dt.date(2025, 2, 28))
    assert balance(clerk, "comp_time", dt.date(2025, 2, 28)).remaining == 3
    assert balance(clerk, "comp_time", dt.date(2025, 3, 1)).remaining == 0
    with time_machine.travel(at(2025, 2, 20, 9), tick=False):
        with pytest.raises(LeaveError) as refused:
            # 3 Mar 2025 is after the credit's last day (28 Feb): nothing to draw on.
            leave_request_submit(applicant=clerk, leave_type=types["comp_time"], start=at(2025, 3, 3, 8),
                                 end=at(2025, 3, 3, 10), deputy=school["personnel"])
        assert refused.value.code == "insufficient_balance"
        used = leave_request_submit(applicant=clerk, leave_type=types["comp_time"], start=at(2025, 2, 27, 8),
                                    end=at(2025, 2, 27, 10), deputy=school["personnel"])
    assert [(c.bucket, c.hours) for c in used.charges.all()] == [(f"OT:{overtime.pk}", 2)]
    assert OvertimeRequest.objects.get().is_credit


def test_overtime_caps_per_day_and_month(school, settings):
    clerk = make_staff(school["school"], unit=school["units"]["personnel"], category=StaffCategory.CIVIL_STAFF)
    settings.LEAVE_OVERTIME_MAX_HOURS_MONTH = 6
    credited = []
    for day in (3, 4):  # Mon 3 and Tue 4 Nov 2025: workdays, 4 h a day at most
        with time_machine.travel(at(2025, 11, day, 9), tick=False):
            ot = overtime_submit(staff=clerk, planned_start=at(2025, 11, day, 17), planned_end=at(2025, 11, day, 23),
                                 reason="校慶籌備")
            overtime_decide(overtime=ot, actor=school["personnel"], approve=True)
            with pytest.raises(LeaveError) as early:
                overtime_settle(overtime=ot, worked_start=at(2025, 11, day, 17), worked_end=at(2025, 11, day, 23),
                                actor=school["personnel"])
            assert early.value.code == "overtime_not_done"
        with time_machine.travel(at(2025, 11, day + 1, 8), tick=False):
            ot = overtime_settle(overtime=ot, worked_start=at(2025, 11, day, 17), worked_end=at(2025, 11, day, 23),
                                 actor=school["personnel"])
            credited.append(ot.credited_hours)
    # 6 h worked each day: capped at 4 on the first, and at 6 − 4 = 2 by the month cap on the second.
    assert credited == [4, 2]


def test_charge_history_reads_its_four_parts_in_one_statement(school, types, django_assert_num_queries):
    """The charges before the horizon (summed, live requests only), those from it (every row), the settled 補休
    credits (oldest first, none without an expiry) and the adjustments (summed) come apart as they went in."""
    from leave.models import BalanceAdjustment
    from leave.rules import Credit
    from leave.selectors import charge_history, school_rules

    teacher, horizon = school["teacher"], dt.date(2025, 8, 1)

    def request(day: dt.date, status=LeaveStatus.APPROVED) -> LeaveRequest:
        return LeaveRequest.objects.create(
            school=school["school"], applicant=teacher, leave_type=types["personal"],
            rule=school_rules(teacher.school_id).rule_for(types["personal"].pk, teacher.category, day),
            start=at(day.year, day.month, day.day, 8), end=at(day.year, day.month, day.day, 16), hours=8,
            status=status, deputy=school["other_teacher"], chain_name="一日以內",
        )

    early, withdrawn, late = (request(dt.date(2025, 3, 3)), request(dt.date(2025, 3, 4), LeaveStatus.WITHDRAWN),
                              request(dt.date(2025, 9, 3)))
    personal, charge = types["personal"].pk, LeaveCharge.objects.create
    for day, unpaid in ((dt.date(2025, 3, 3), False), (dt.date(2025, 3, 4), False), (dt.date(2025, 3, 5), True)):
        charge(request=early, staff=teacher, day=day, leave_type_id=personal, bucket="P2024-08-01", hours=4,
               unpaid=unpaid)
    charge(request=withdrawn, staff=teacher, day=dt.date(2025, 3, 4), leave_type_id=personal, bucket="P2024-08-01",
           hours=8)
    stored = [charge(request=late, staff=teacher, day=dt.date(2025, 9, day), leave_type_id=personal,
                     bucket="P2025-08-01", hours=8) for day in (4, 3)]

    def overtime(day: int, expires_on: dt.date | None) -> OvertimeRequest:
        return OvertimeRequest.objects.create(
            school=school["school"], staff=teacher, work_date=dt.date(2025, 6, day), planned_start=at(2025, 6, day, 17),
            planned_end=at(2025, 6, day, 19), reason="加班", compensation=OvertimeRequest.Compensation.COMP_TIME,
            status=OvertimeRequest.Status.APPROVED, credited_hours=2, settled_at=at(2025, 6, day, 20),
            expires_on=expires_on,
        )

    later, earlier = overtime(20, dt.date(2027, 6, 19)), overtime(10, dt.date(2027, 6, 9))
    overtime(5, None)  # settled without an expiry: no credit
    for hours in (8, -2):
        BalanceAdjustment.objects.create(staff=teacher, leave_type=types["vacation"], period_start=horizon,
                                         hours=hours, reason="保留")
    with django_assert_num_queries(1):
        history = charge_history(teacher, horizon=horizon)
    assert sorted(history.kept) == [(personal, "P2024-08-01", 4, True), (personal, "P2024-08-01", 8, False)]
    assert history.unpaid_before == {early.pk: 4}
    assert history.stored == [
        (c.pk, (late.pk, c.day, personal, "P2025-08-01", 8, False, None)) for c in reversed(stored)]
    assert history.credits == [Credit(earlier.pk, dt.date(2025, 6, 10), dt.date(2027, 6, 9), 2),
                               Credit(later.pk, dt.date(2025, 6, 20), dt.date(2027, 6, 19), 2)]
    assert history.adjustments == {(types["vacation"].pk, horizon): 6}
