"""The personnel office's worklist (待處理): each kind of case is found, resolved ones are not, each has its
action, the page is for the school-wide roles, and its queries do not grow with the cases."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.models import Punch, PunchCorrection, PunchKind
from attendance.services import daily_results_recompute
from attendance.worklist import worklist
from leave.models import LeaveAttachment, LeaveRequest, LeaveRule, LeaveStatus, LeaveType, OvertimeRequest
from leave.services import leave_types_seed
from tests.attendance.conftest import at
from tests.factories import make_staff

TODAY = dt.date(2025, 11, 5)
NOW = at(TODAY, "09:00:00")


def _leave(person, deputy, code, day, hours, status, *, days=1):
    leave_type = LeaveType.objects.get(school=person.school, code=code)
    return LeaveRequest.objects.create(
        school=person.school, applicant=person, leave_type=leave_type, deputy=deputy,
        rule=LeaveRule.objects.filter(leave_type=leave_type).first(),
        start=at(day, "08:00:00"), end=at(day + dt.timedelta(days=days - 1), "16:00:00"), hours=hours, status=status,
    )


def _overtime(person, day, **fields):
    return OvertimeRequest.objects.create(
        school=person.school, staff=person, work_date=day, planned_start=at(day, "17:00:00"),
        planned_end=at(day, "19:00:00"), reason="校慶", compensation=OvertimeRequest.Compensation.COMP_TIME, **fields,
    )


def _correction(person, day, kind, status=PunchCorrection.Status.PENDING):
    return PunchCorrection.objects.create(school=person.school, staff=person, date=day, kind=kind,
                                          time=dt.time(7, 30), reason="忘了", status=status)


@pytest.fixture
def cases(people, clock):
    clock(NOW)
    teacher, other = people["teacher"], people["other_teacher"]
    leave_types_seed(school=people["school"])
    d = dt.date
    Punch.objects.create(staff=teacher, work_date=d(2025, 10, 7), kind=PunchKind.IN, at=at(d(2025, 10, 7), "07:50"))
    Punch.objects.create(staff=teacher, work_date=d(2025, 10, 8), kind=PunchKind.OUT, at=at(d(2025, 10, 8), "16:10"))
    _correction(teacher, d(2025, 10, 8), PunchKind.IN)  # 10/8 missing 上班, 補登 asked: resolved
    _correction(teacher, d(2025, 10, 14), PunchKind.IN)  # 10/14 absent, 補登 asked: resolved
    _leave(teacher, other, "personal", d(2025, 10, 13), 8, LeaveStatus.PENDING)  # 10/13 absent, leave asked
    sick = _leave(teacher, other, "sick", d(2025, 10, 20), 16, LeaveStatus.APPROVED, days=2)  # no proof: a case
    with_proof = _leave(other, teacher, "sick", d(2025, 10, 20), 16, LeaveStatus.APPROVED, days=2)
    LeaveAttachment.objects.create(request=with_proof, file="leave/proof.pdf", name="診斷證明.pdf")
    _leave(other, teacher, "sick", d(2025, 10, 27), 8, LeaveStatus.APPROVED)  # one day: no proof needed
    unsettled = _overtime(teacher, d(2025, 10, 22), status=OvertimeRequest.Status.APPROVED)
    zero = _overtime(other, d(2025, 10, 23), status=OvertimeRequest.Status.APPROVED, settled_at=NOW,
                     settlement=OvertimeRequest.Settlement.MISSING_PUNCH)
    _overtime(other, d(2025, 10, 24), status=OvertimeRequest.Status.APPROVED, settled_at=NOW, credited_hours=2,
              settlement=OvertimeRequest.Settlement.PUNCHES)  # settled
    _overtime(other, d(2025, 10, 28), status=OvertimeRequest.Status.REJECTED)
    _overtime(other, TODAY, status=OvertimeRequest.Status.APPROVED)  # today: not yet
    daily_results_recompute(school=people["school"], start=d(2025, 10, 1), end=d(2025, 11, 4), now=NOW)
    return {"people": people, "sick": sick, "unsettled": unsettled, "zero": zero}


def _days(found, kind, person):
    return {c.day for c in found[kind] if c.person.pk == person.pk}


def test_finds_each_kind_and_not_the_resolved(cases):
    people = cases["people"]
    teacher = people["teacher"]
    found = worklist(people["personnel"], today=TODAY)
    assert _days(found, "missing", teacher) == {dt.date(2025, 10, 7)}
    absent = _days(found, "absent", teacher)
    assert dt.date(2025, 10, 9) in absent
    assert not absent & {dt.date(2025, 10, 7), dt.date(2025, 10, 8), dt.date(2025, 10, 13), dt.date(2025, 10, 14)}
    assert dt.date(2025, 9, 30) not in absent and TODAY not in absent  # from last month's first to yesterday
    assert min(absent) == dt.date(2025, 10, 1)
    assert [c.action_url for c in found["proof"]] == [reverse("leave:detail", args=[cases["sick"].pk])]
    assert {(c.person.pk, c.day) for c in found["overtime"]} == {
        (teacher.pk, dt.date(2025, 10, 22)), (people["other_teacher"].pk, dt.date(2025, 10, 23))}
    missing = found["missing"][0] if found["missing"][0].person.pk == teacher.pk else None
    assert missing is not None
    assert missing.action_url == reverse("attendance:sheet_day", args=[teacher.pk]) + "?date=2025-10-07"
    assert all(c.action_url == reverse("leave:overtime") for c in found["overtime"])


def test_another_school_sees_none_of_it(cases):
    found = worklist(cases["people"]["outsider"], today=TODAY)
    assert not found["proof"] and not found["overtime"]
    school = cases["people"]["school"]
    assert all(c.person.school_id != school.pk for kind in found for c in found[kind])


def test_the_page_for_the_school_wide_roles_only(cases, client_for):
    people = cases["people"]
    page = client_for(people["personnel"]).get(reverse("attendance:worklist")).content.decode()
    assert f'data-testid="case-missing-{people["teacher"].pk}-2025-10-07"' in page
    assert reverse("leave:detail", args=[cases["sick"].pk]) in page
    for who in ("teacher", "unit_head"):
        assert client_for(people[who]).get(reverse("attendance:worklist")).status_code == 403


def test_queries_do_not_grow_with_the_cases(cases, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    people = cases["people"]
    personnel = people["personnel"]
    assert personnel.has_role("personnel")  # roles read before counting
    with CaptureQueriesContext(connection) as few:
        found = worklist(personnel, today=TODAY)
    before = sum(len(v) for v in found.values())
    for _n in range(10):  # ten more people, absent every day, one more unsettled overtime each
        person = make_staff(people["school"], unit=people["units"]["academic"])
        _overtime(person, dt.date(2025, 10, 22), status=OvertimeRequest.Status.APPROVED)
        _leave(person, people["teacher"], "sick", dt.date(2025, 10, 28), 16, LeaveStatus.PENDING, days=2)
    daily_results_recompute(school=people["school"], start=dt.date(2025, 10, 1), end=dt.date(2025, 11, 4), now=NOW)
    with CaptureQueriesContext(connection) as many:
        found = worklist(personnel, today=TODAY)
    assert sum(len(v) for v in found.values()) > before + 200
    # missing punches, absences, pending leave of the absent, leave without proof, overtime to settle
    assert len(few) == len(many) == 5
