"""Arranging cover: candidates, conflicts refused with a reason code, swaps, taking an assignment back."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from audit.models import AuditEntry
from notifications.models import Notification
from staff.models import StaffCategory
from substitutes.models import CoverageAssignment, CoverageNeed, SubstituteProfile
from substitutes.selectors import coverage_candidates
from substitutes.services import CoverageError, coverage_assign, coverage_unassign
from tests.factories import make_staff
from tests.substitutes.conftest import THU, add_class, at

pytestmark = pytest.mark.django_db

MON = dt.date(2025, 10, 13)


@pytest.fixture
def p1(school_setup, leave):
    """王老師 away all Thursday: the need for Thu P1 (高一 3 班 國文, 08:10–09:00)."""
    leave(school_setup["teacher"], [(at(THU, "07:30"), at(THU, "17:00"))])
    return CoverageNeed.objects.get(teacher=school_setup["teacher"], date=THU, period_number=1)


def refused(code, **kwargs):
    with pytest.raises(CoverageError) as exc:
        coverage_assign(**kwargs)
    assert exc.value.code == code
    return exc.value


def test_assigning_a_free_teacher_covers_the_need_and_tells_both(school_setup, p1):
    academic, sub, teacher = school_setup["academic"], school_setup["other_teacher"], school_setup["teacher"]
    assignment = coverage_assign(actor=academic, need_id=p1.pk, substitute_id=sub.pk)
    p1.refresh_from_db()
    assert p1.status == "covered"
    assert (assignment.kind, assignment.paid_by, assignment.date, assignment.period_number) == (
        "substitute", "school", THU, 1
    )
    [to_sub] = Notification.objects.filter(recipient=sub.user, kind="substitutes.assigned")
    assert "高一 3 班" in to_sub.title and "王老師" in to_sub.body and "公費" in to_sub.body
    [to_teacher] = Notification.objects.filter(recipient=teacher.user, kind="substitutes.covered")
    assert "李導師" in to_teacher.title
    assert AuditEntry.objects.filter(action="substitutes.substitute_assigned", target_id=str(assignment.pk)).exists()


def test_someone_teaching_that_period_is_refused(school_setup, p1):
    # 陳主任 teaches 高三 2 班 on Thursday P1.
    err = refused("teaching", actor=school_setup["academic"], need_id=p1.pk, substitute_id=school_setup["unit_head"].pk)
    assert "陳主任" in str(err.message)
    p1.refresh_from_db()
    assert p1.status == "open" and not CoverageAssignment.objects.exists()


def test_someone_already_covering_that_period_is_refused(school_setup, p1, leave):
    academic, free = school_setup["academic"], school_setup["other_head"]
    # 陳主任 is away too: his Thu P1 needs cover; 林主任 takes it first.
    leave(school_setup["unit_head"], [(at(THU, "08:00"), at(THU, "09:00"))], request_id=300)
    other = CoverageNeed.objects.get(teacher=school_setup["unit_head"])
    coverage_assign(actor=academic, need_id=other.pk, substitute_id=free.pk)
    refused("covering", actor=academic, need_id=p1.pk, substitute_id=free.pk)


def test_someone_on_leave_that_period_is_refused(school_setup, p1, leave):
    # 林主任 has no Thursday classes but is on leave Thursday morning (known from the leave event).
    leave(school_setup["other_head"], [(at(THU, "08:00"), at(THU, "12:00"))], request_id=301)
    refused("on_leave", actor=school_setup["academic"], need_id=p1.pk, substitute_id=school_setup["other_head"].pk)
    # After the leave is withdrawn they are free again.
    leave(school_setup["other_head"], [], action="withdrawn", request_id=301)
    coverage_assign(actor=school_setup["academic"], need_id=p1.pk, substitute_id=school_setup["other_head"].pk)


def test_other_refusals(school_setup, p1, leave):
    academic = school_setup["academic"]
    refused("same_teacher", actor=academic, need_id=p1.pk, substitute_id=school_setup["teacher"].pk)
    refused("not_teacher", actor=academic, need_id=p1.pk, substitute_id=school_setup["personnel"].pk)
    refused("unknown_substitute", actor=academic, need_id=p1.pk, substitute_id=school_setup["outsider"].pk)
    coverage_assign(actor=academic, need_id=p1.pk, substitute_id=school_setup["other_teacher"].pk)
    refused("already_covered", actor=academic, need_id=p1.pk, substitute_id=school_setup["principal"].pk)
    leave(school_setup["teacher"], [], action="withdrawn")
    refused("need_cancelled", actor=academic, need_id=p1.pk, substitute_id=school_setup["principal"].pk)


def test_only_academic_affairs_of_the_school_may_assign(school_setup, p1):
    for who in ("teacher", "unit_head", "personnel", "principal", "outsider"):
        refused("forbidden", actor=school_setup[who], need_id=p1.pk, substitute_id=school_setup["other_head"].pk)
    assert not CoverageAssignment.objects.exists()


def test_the_database_holds_one_class_at_a_time(school_setup, p1, leave):
    """Even past the service, two active assignments of one person to one period cannot coexist."""
    leave(school_setup["unit_head"], [(at(THU, "08:00"), at(THU, "09:00"))], request_id=300)
    other = CoverageNeed.objects.get(teacher=school_setup["unit_head"])
    first = coverage_assign(actor=school_setup["academic"], need_id=p1.pk, substitute_id=school_setup["other_head"].pk)
    clash = CoverageAssignment(
        school=first.school, need=other, substitute=first.substitute, date=THU, period_number=1,
        division=first.division, starts_at=first.starts_at, ends_at=first.ends_at, paid_by="school",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clash.save()


def test_candidates_free_same_subject_first_then_fewest_this_month(school_setup, p1, leave):
    academic = school_setup["academic"]
    SubstituteProfile.objects.create(staff=school_setup["other_head"], subjects="國文、英文")
    # 陳主任 is away Thursday morning too (so unavailable), and on 10/16 P5, which 林主任 covers:
    # 林主任 has one substitution this month, 李導師 none.
    leave(school_setup["unit_head"], [(at(THU, "08:00"), at(THU, "09:00"))], request_id=300)
    add_class(school_setup["semester"], school_setup["unit_head"], 4, 5, "高三 2 班", "數學")
    leave(school_setup["unit_head"], [(at(dt.date(2025, 10, 16), "13:00"), at(dt.date(2025, 10, 16), "14:00"))],
          request_id=302)
    later = CoverageNeed.objects.get(teacher=school_setup["unit_head"], date=dt.date(2025, 10, 16))
    coverage_assign(actor=academic, need_id=later.pk, substitute_id=school_setup["other_head"].pk)

    result = coverage_candidates(need=p1)
    internal = [(c.staff.name, c.same_subject, c.month_count) for c in result.internal]
    assert internal[:2] == [("李導師", True, 0), ("林主任", True, 1)]
    # Heads of units (林主任, 吳組長) after ordinary teachers, the principal last.
    assert [(c.staff.name, c.office) for c in result.internal] == [
        ("李導師", 0), ("林主任", 1), ("吳組長", 1), ("黃校長", 2)
    ]
    assert [c.staff.name for c in result.pool] == ["趙代課"]
    assert result.pool[0].same_subject
    unavailable = {c.staff.name: c.reason for c in result.unavailable}
    assert unavailable == {"陳主任": "on_leave"}
    # Never offered: the absent teacher, civil staff, other schools.
    offered = {c.staff.name for c in result.internal + result.pool + result.unavailable}
    assert not offered & {"王老師", "張人事", "外校人事"}


def test_heads_and_the_principal_are_offered_after_ordinary_teachers(school_setup, p1, leave):
    # 蔡老師, an ordinary teacher of another subject with two substitutions this month, still comes before
    # 林主任 (學務主任) who teaches the subject and has none: heads of units after ordinary teachers, then
    # the principal; same subject and fewest substitutions decide only within each group.
    academic = school_setup["academic"]
    other = make_staff(school_setup["school"], unit=school_setup["units"]["student"],
                       category=StaffCategory.SUBJECT_TEACHER, name="蔡老師")
    SubstituteProfile.objects.create(staff=school_setup["other_head"], subjects="國文")
    SubstituteProfile.objects.create(staff=school_setup["principal"], subjects="國文")
    for day in (dt.date(2025, 10, 14), dt.date(2025, 10, 15)):
        add_class(school_setup["semester"], school_setup["teacher"], day.isoweekday(), 2, "高一 3 班", "國文")
        leave(school_setup["teacher"], [(at(day, "09:00"), at(day, "10:00"))], request_id=400 + day.day)
        need = CoverageNeed.objects.get(teacher=school_setup["teacher"], date=day, period_number=2)
        coverage_assign(actor=academic, need_id=need.pk, substitute_id=other.pk)
    result = coverage_candidates(need=p1)
    ranked = [(c.staff.name, c.office, c.same_subject, c.month_count) for c in result.internal]
    assert ranked[:3] == [("李導師", 0, True, 0), ("蔡老師", 0, False, 2), ("林主任", 1, True, 0)]
    assert [name for name, *_ in ranked] == ["李導師", "蔡老師", "林主任", "吳組長", "黃校長"]
    # Still offered: a head can be assigned.
    coverage_assign(actor=academic, need_id=p1.pk, substitute_id=school_setup["other_head"].pk)


def test_candidates_budget(school_setup, p1, django_assert_max_num_queries):
    # staff with profiles, recorded absences, leave_spans (one query), timetable now,
    # assignments now, semester, subjects this semester, this month's counts
    with django_assert_max_num_queries(9):
        coverage_candidates(need=p1)


def test_swap_records_the_return_leg(school_setup, p1):
    academic, teacher, other = school_setup["academic"], school_setup["teacher"], school_setup["other_teacher"]
    add_class(school_setup["semester"], other, 1, 2, "高二 1 班", "國文")
    swap = coverage_assign(
        actor=academic, need_id=p1.pk, substitute_id=other.pk, kind="swap", swap_date=MON, swap_period_number=2
    )
    assert (swap.kind, swap.paid_by, swap.swap_date, swap.swap_class_name) == ("swap", "none", MON, "高二 1 班")
    covered = Notification.objects.get(recipient=teacher.user, kind="substitutes.covered")
    assert "調課" in covered.title and "高二 1 班" in covered.body


def test_swap_refusals(school_setup, p1):
    academic, other = school_setup["academic"], school_setup["other_teacher"]
    refused("swap_incomplete", actor=academic, need_id=p1.pk, substitute_id=other.pk, kind="swap")
    refused("swap_no_class", actor=academic, need_id=p1.pk, substitute_id=other.pk, kind="swap",
            swap_date=MON, swap_period_number=2)
    # 李導師 teaches Mon P1, but so does 王老師: he cannot take 李導師's class then.
    add_class(school_setup["semester"], other, 1, 1, "高二 1 班", "國文")
    refused("swap_conflict", actor=academic, need_id=p1.pk, substitute_id=other.pk, kind="swap",
            swap_date=MON, swap_period_number=1)


def test_unassigning_reopens_the_need_and_tells_both(school_setup, p1):
    academic, sub, teacher = school_setup["academic"], school_setup["other_teacher"], school_setup["teacher"]
    assignment = coverage_assign(actor=academic, need_id=p1.pk, substitute_id=sub.pk)
    with pytest.raises(CoverageError) as exc:
        coverage_unassign(actor=teacher, assignment_id=assignment.pk)
    assert exc.value.code == "forbidden"
    coverage_unassign(actor=academic, assignment_id=assignment.pk, reason="改請他人")
    p1.refresh_from_db()
    assert p1.status == "open"
    for person in (sub, teacher):
        assert Notification.objects.filter(recipient=person.user, kind="substitutes.assignment_cancelled").exists()
    # The person is free again for that period.
    coverage_assign(actor=academic, need_id=p1.pk, substitute_id=sub.pk)
