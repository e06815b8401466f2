"""A typhoon day (停班停課) declared through the schedules service: the calendar_changed listener queues the
recompute of the results it touches for after the commit (tasks, run here in-process), and the day becomes
no-duty (放假, reason typhoon) for everyone affected."""

import pytest
from django.test import TestCase

from attendance.models import DailyResult, DailyStatus, Punch, PunchKind
from attendance.services import daily_results_recompute
from schedules.services import typhoon_day_declare, typhoon_day_withdraw
from staff.models import StaffMember
from tests.attendance.conftest import WORKDAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def day_computed(people, clock):
    """WORKDAY evening: the teacher came late (09:00–16:05), nobody else punched; results computed for both schools."""
    clock(at(WORKDAY, "19:00:00"))
    teacher = people["teacher"]
    Punch.objects.create(staff=teacher, work_date=WORKDAY, kind=PunchKind.IN, at=at(WORKDAY, "09:00:00"))
    Punch.objects.create(staff=teacher, work_date=WORKDAY, kind=PunchKind.OUT, at=at(WORKDAY, "16:05:00"))
    for school in (people["school"], people["outsider"].school):
        daily_results_recompute(school=school, start=WORKDAY, end=WORKDAY)
    assert DailyResult.objects.get(staff=teacher, date=WORKDAY).late_minutes == 60
    assert DailyResult.objects.filter(date=WORKDAY, status=DailyStatus.ABSENT).count() == 7
    return people


def _statuses(school) -> dict[str, tuple[str, str, str, int]]:
    results = DailyResult.objects.filter(staff__school=school, date=WORKDAY).select_related("staff")
    return {r.staff.name: (r.status, r.day_reason, r.day_label, r.late_minutes) for r in results}


def _everyone(school) -> set[str]:
    return set(StaffMember.objects.filter(school=school, is_active=True).values_list("name", flat=True))


def test_typhoon_day_for_one_school_makes_its_day_no_duty(day_computed):
    people = day_computed
    school, other = people["school"], people["outsider"].school
    with TestCase.captureOnCommitCallbacks(execute=True):
        typhoon = typhoon_day_declare(
            actor=people["personnel"].user, day=WORKDAY, school=school, label="颱風停班停課"
        )
    mine = _statuses(school)
    assert set(mine) == _everyone(school) and len(mine) == 7
    assert set(mine.values()) == {(DailyStatus.HOLIDAY, "typhoon", "颱風停班停課", 0)}  # the late teacher too
    assert set(_statuses(other).values()) == {(DailyStatus.ABSENT, "workday", "上班日", 0)}  # another school: untouched
    result = DailyResult.objects.get(staff=people["teacher"], date=WORKDAY)
    assert result.required_start is None and result.first_in == at(WORKDAY, "09:00:00")  # the punches are kept
    # Withdrawn (declared by mistake): the day is a workday again.
    with TestCase.captureOnCommitCallbacks(execute=True):
        typhoon_day_withdraw(actor=people["personnel"].user, typhoon=typhoon)
    assert DailyResult.objects.get(staff=people["teacher"], date=WORKDAY).late_minutes == 60
    assert DailyResult.objects.get(staff=people["principal"], date=WORKDAY).status == DailyStatus.ABSENT


def test_typhoon_day_for_all_schools_makes_the_day_no_duty_everywhere(day_computed):
    people = day_computed
    with TestCase.captureOnCommitCallbacks(execute=True):
        typhoon_day_declare(actor=None, day=WORKDAY, school=None)
    for school in (people["school"], people["outsider"].school):
        statuses = _statuses(school)
        assert set(statuses) == _everyone(school)
        assert {(status, reason) for status, reason, _label, _late in statuses.values()} == {
            (DailyStatus.HOLIDAY, "typhoon")
        }
    assert DailyResult.objects.filter(date=WORKDAY).exclude(status=DailyStatus.HOLIDAY).count() == 0
    assert DailyResult.objects.filter(date=WORKDAY).count() == 8
