"""From leave to coverage needs, through the leave module's event (leave/events.py)."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from audit.models import AuditEntry
from notifications.models import Notification
from schedules.timetables_services import timetable_import
from substitutes.models import Absence, CoverageNeed
from substitutes.services import CoverageError, absence_cancel, absence_record, coverage_assign
from tests.substitutes.conftest import FRI, THU, at

pytestmark = pytest.mark.django_db


def live_needs(teacher):
    return list(
        CoverageNeed.objects.filter(teacher=teacher).exclude(status="cancelled")
        .order_by("date", "starts_at").values_list("date", "period_number", "class_name", "subject")
    )


def notices(staff, kind="substitutes.needs_changed"):
    return list(Notification.objects.filter(recipient=staff.user, kind=kind).order_by("id"))


def test_two_day_leave_over_national_day_needs_only_the_teaching_day(
    school_setup, leave, django_capture_on_commit_callbacks
):
    teacher, academic = school_setup["teacher"], school_setup["academic"]
    # Thu 10/9 08:00 – Fri 10/10 17:00; Friday is 國慶日 (schedules.calendar.is_school_day says no classes).
    # The email goes out after commit (in-process Celery here): run the commit callbacks.
    with django_capture_on_commit_callbacks(execute=True):
        leave(teacher, [(at(THU, "08:00"), at(FRI, "17:00"))])

    assert live_needs(teacher) == [
        (THU, 1, "高一 3 班", "國文"),
        (THU, 3, "高一 5 班", "國文"),
    ]
    # 教學組 is told in-app and by email, with the teacher, the leave and the periods.
    [notice] = notices(academic)
    assert "王老師" in notice.title and "事假" in notice.title
    assert "114/10/09 第 1 節" in notice.body and "高一 5 班" in notice.body
    assert "114/10/10" in notice.body  # the span is shown as asked for
    assert "第 2 節" not in notice.body  # Friday's period is not a need
    [email] = [m for m in mail.outbox if academic.email in m.to]
    assert "王老師" in email.subject and "高一 3 班" in email.body
    # Nobody else is told: the teacher themself and other staff get nothing.
    assert not notices(teacher) and not notices(school_setup["personnel"])


def test_part_day_leave_takes_only_the_periods_it_overlaps(school_setup, leave):
    teacher = school_setup["teacher"]
    # P1 is 08:10–09:00, P3 10:10–11:00: a leave 09:30–12:00 overlaps P3 only; one ending at
    # 08:10 exactly does not touch P1.
    leave(teacher, [(at(THU, "09:30"), at(THU, "12:00")), (at(THU, "07:00"), at(THU, "08:10"))])
    assert live_needs(teacher) == [(THU, 3, "高一 5 班", "國文")]


def test_shortening_the_leave_removes_needs_and_says_what_changed(school_setup, leave):
    teacher, academic = school_setup["teacher"], school_setup["academic"]
    monday = dt.date(2025, 10, 13)
    leave(teacher, [(at(THU, "08:00"), at(monday, "17:00"))])
    assert [n[0] for n in live_needs(teacher)] == [THU, THU, monday]

    # Shortened to Thursday morning before P3: P3 of Thursday and Monday's P1 go.
    leave(teacher, [(at(THU, "08:00"), at(THU, "10:00"))], action="changed",
          previous=[(at(THU, "08:00"), at(monday, "17:00"))])
    assert live_needs(teacher) == [(THU, 1, "高一 3 班", "國文")]
    assert CoverageNeed.objects.filter(teacher=teacher, status="cancelled").count() == 2

    changed = notices(academic)[-1]
    assert "取消 2 節" in changed.title
    assert "不再需要代課的節次（2 節）" in changed.body
    assert "114/10/13 第 1 節" in changed.body
    assert "目前需代課的節次共 1 節" in changed.body
    entry = AuditEntry.objects.filter(action="substitutes.needs_changed").get()
    assert len(entry.data["removed"]) == 2 and entry.data["added"] == []


def test_lengthening_adds_only_the_new_periods(school_setup, leave):
    teacher, academic = school_setup["teacher"], school_setup["academic"]
    leave(teacher, [(at(THU, "08:00"), at(THU, "09:00"))])
    first = CoverageNeed.objects.get(teacher=teacher)
    leave(teacher, [(at(THU, "08:00"), at(THU, "12:00"))], action="changed")
    assert live_needs(teacher) == [(THU, 1, "高一 3 班", "國文"), (THU, 3, "高一 5 班", "國文")]
    first.refresh_from_db()
    assert first.status == "open"  # kept, not recreated
    assert "新增 1 節" in notices(academic)[-1].title


def test_withdrawal_cancels_needs_and_assignments_and_tells_the_substitute(school_setup, leave):
    teacher, academic, sub = school_setup["teacher"], school_setup["academic"], school_setup["other_head"]
    leave(teacher, [(at(THU, "08:00"), at(THU, "17:00"))])
    need = CoverageNeed.objects.get(teacher=teacher, period_number=1)
    assignment = coverage_assign(actor=academic, need_id=need.pk, substitute_id=sub.pk)

    leave(teacher, [], action="withdrawn", previous=[(at(THU, "08:00"), at(THU, "17:00"))])

    assert live_needs(teacher) == []
    assignment.refresh_from_db()
    assert assignment.status == "cancelled" and "撤回" in assignment.cancel_reason
    assert Absence.objects.get(leave_request_id=101).status == "cancelled"
    [cancelled] = notices(sub, "substitutes.assignment_cancelled")
    assert "高一 3 班" in cancelled.title
    withdrawn = notices(academic)[-1]
    assert "撤回假單" in withdrawn.title and "取消 2 節" in withdrawn.title
    assert "此假單已沒有需要代課的節次" in withdrawn.body


def test_rejection_and_approval_keep_status(school_setup, leave):
    teacher = school_setup["teacher"]
    span = [(at(THU, "08:00"), at(THU, "17:00"))]
    leave(teacher, span)
    leave(teacher, span, action="approved")
    absence = Absence.objects.get(leave_request_id=101)
    assert absence.status == "approved"
    assert len(live_needs(teacher)) == 2
    leave(teacher, [], action="rejected", request_id=202)  # never heard of: nothing happens
    assert not Absence.objects.filter(leave_request_id=202).exists()


def test_leave_without_classes_tells_nobody(school_setup, leave):
    # 林主任 has no classes on Thursday: no needs, no notice.
    leave(school_setup["other_head"], [(at(THU, "08:00"), at(THU, "17:00"))])
    assert not CoverageNeed.objects.exists()
    assert not notices(school_setup["academic"])


def test_leave_outside_the_semester_or_on_a_weekend_makes_no_needs(school_setup, leave):
    teacher = school_setup["teacher"]
    leave(teacher, [(at(dt.date(2025, 10, 11), "08:00"), at(dt.date(2025, 10, 12), "17:00"))])  # Sat–Sun
    leave(teacher, [(at(dt.date(2026, 2, 5), "08:00"), at(dt.date(2026, 2, 5), "17:00"))], request_id=102)  # winter
    assert not CoverageNeed.objects.exists()


def test_recorded_absence_of_an_hourly_teacher_creates_needs(school_setup):
    academic, hourly = school_setup["academic"], school_setup["hourly"]
    change = absence_record(actor=academic, teacher=hourly, start=at(THU, "08:00"), end=at(THU, "17:00"),
                            reason="家中有事")
    assert [(n.date, n.period_number, n.class_name) for n in change.added] == [(THU, 4, "高一 3 班")]
    assert "教學組登錄缺課" in notices(academic)[-1].title

    absence_cancel(actor=academic, absence=change.absence)
    assert live_needs(hourly) == []


def test_recording_absence_refusals(school_setup):
    academic, hourly, teacher = school_setup["academic"], school_setup["hourly"], school_setup["teacher"]
    with pytest.raises(CoverageError) as exc:
        absence_record(actor=teacher, teacher=hourly, start=at(THU, "08:00"), end=at(THU, "17:00"))
    assert exc.value.code == "forbidden"
    with pytest.raises(CoverageError) as exc:
        absence_record(actor=academic, teacher=teacher, start=at(THU, "08:00"), end=at(THU, "17:00"))
    assert exc.value.code == "not_hourly"
    with pytest.raises(CoverageError) as exc:
        absence_record(actor=academic, teacher=hourly, start=at(THU, "12:00"), end=at(THU, "08:00"))
    assert exc.value.code == "invalid_span"
    with pytest.raises(CoverageError) as exc:  # Friday: hourly has no class then
        absence_record(actor=academic, teacher=hourly, start=at(FRI, "08:00"), end=at(FRI, "17:00"))
    assert exc.value.code == "no_classes"
    assert not Absence.objects.exists()


def test_a_change_of_leave_type_moves_the_pay_to_the_new_payer(school_setup, leave):
    teacher, academic = school_setup["teacher"], school_setup["academic"]
    span = [(at(THU, "08:00"), at(THU, "09:00"))]
    leave(teacher, span, paid_by="teacher", type_name="事假")
    need = CoverageNeed.objects.get(teacher=teacher)
    assignment = coverage_assign(actor=academic, need_id=need.pk, substitute_id=school_setup["other_head"].pk)
    assert assignment.paid_by == "teacher"
    leave(teacher, span, action="changed", paid_by="school", type_code="official", type_name="公假")
    assignment.refresh_from_db()
    assert assignment.paid_by == "school" and assignment.status == "active"


@time_machine.travel(dt.datetime(2025, 10, 8, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
def test_a_new_timetable_brings_coming_needs_in_step(school_setup, leave):
    teacher, academic = school_setup["teacher"], school_setup["academic"]
    leave(teacher, [(at(THU, "07:30"), at(THU, "17:00"))])
    assert [n[1] for n in live_needs(teacher)] == [1, 3]
    # The new timetable moves 王老師's Thursday class from P1 to P2 and drops P3.
    csv = f"教師編號,星期,節次,班級,科目\n{teacher.employee_no},4,2,高一 3 班,國文\n"
    timetable_import(semester=school_setup["semester"], data=csv.encode(), actor=academic.user)
    assert live_needs(teacher) == [(THU, 2, "高一 3 班", "國文")]
    notice = notices(academic)[-1]
    assert "課表更新" in notice.title and "新增 1 節、取消 2 節" in notice.title
    assert "新增需代課的節次（1 節）" in notice.body and "不再需要代課的節次（2 節）" in notice.body
