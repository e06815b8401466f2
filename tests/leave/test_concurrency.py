"""Requests submitted at the same moment, each on its own connection (PostgreSQL only: SQLite has no
row locks, it serialises whole writes)."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection

from leave.errors import LeaveError
from leave.models import LeaveCharge, LeaveRequest, LeaveStatus
from leave.selectors import leave_balances
from leave.services import leave_request_submit, leave_step_approve
from staff.models import StaffCategory
from tests.factories import make_staff
from tests.leave.conftest import at

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: set DATABASE_URL=postgres://…")


def _in_parallel(jobs) -> list:
    """Run the jobs in threads released together; each returns its result or the LeaveError it raised."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(n, job):
        from django.db import connection as own

        try:
            barrier.wait()
            results[n] = job()
        except LeaveError as exc:
            results[n] = exc
        except Exception as exc:  # surfaced by the assertions below
            results[n] = exc
        finally:
            own.close()

    threads = [threading.Thread(target=run, args=(n, job)) for n, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _workdays(first: dt.date, count: int) -> list[dt.date]:
    days, day = [], first
    while len(days) < count:
        if day.weekday() < 5 and day not in {dt.date(2025, 9, 29), dt.date(2025, 10, 6), dt.date(2025, 10, 10)}:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def test_twenty_parallel_requests_never_overdraw_one_balance(school, types):
    # 行政教師 hired 1 Aug 2024: 7 days (56 h) of 休假 in school year 114, which cannot be exceeded.
    clerk = make_staff(school["school"], unit=school["units"]["academic"], category=StaffCategory.ADMIN_TEACHER,
                       hire_date=dt.date(2024, 8, 1), name="新任組長")
    days = _workdays(dt.date(2025, 9, 2), 20)

    def job(day):
        return lambda: leave_request_submit(
            applicant=clerk, leave_type=types["vacation"], start=at(day.year, day.month, day.day, 7, 30),
            end=at(day.year, day.month, day.day, 16, 30), deputy=school["teacher"], class_arrangement="無課務",
        )

    with time_machine.travel(at(2025, 9, 1, 9), tick=False):
        results = _in_parallel([job(day) for day in days])
        made = [r for r in results if isinstance(r, LeaveRequest)]
        errors = [r for r in results if not isinstance(r, LeaveRequest)]
        assert len(made) == 7
        assert {getattr(e, "code", repr(e)) for e in errors} == {"insufficient_balance"}
        for request in made:
            leave_step_approve(request=request, actor=school["teacher"])
            leave_step_approve(request=request, actor=school["unit_head"])
    approved = LeaveRequest.objects.filter(applicant=clerk, status=LeaveStatus.APPROVED)
    assert sum(r.hours for r in approved) == 56
    assert sum(c.hours for c in LeaveCharge.objects.filter(staff=clerk, unpaid=False)) == 56
    rows = leave_balances(staff_members=[clerk], on=days[0])[clerk.pk]
    row = next(r for r in rows if r.leave_type.code == "vacation")
    assert (row.granted, row.used, row.pending, row.remaining) == (56, 56, 0, 0)


def test_twenty_parallel_requests_for_the_same_hours_make_one_request(school, types):
    teacher = school["teacher"]

    def job():
        return leave_request_submit(
            applicant=teacher, leave_type=types["personal"], start=at(2025, 9, 10, 8), end=at(2025, 9, 10, 12),
            deputy=school["other_teacher"], class_arrangement="無課務",
        )

    with time_machine.travel(at(2025, 9, 1, 9), tick=False):
        results = _in_parallel([job] * 20)
    assert sum(isinstance(r, LeaveRequest) for r in results) == 1
    assert {r.code for r in results if not isinstance(r, LeaveRequest)} == {"overlap"}
    assert LeaveRequest.objects.filter(applicant=teacher).count() == 1


def test_a_leave_change_locks_only_the_person(people):
    # lock_staff takes FOR NO KEY UPDATE OF the person's row: punches, and the daily results of the whole
    # school (rows pointing at the locked person), are written meanwhile; only a second change of that
    # person's leave waits.
    from django.db import OperationalError, transaction

    from attendance.models import DailyResult, PunchKind
    from attendance.services import daily_results_recompute, punch_record
    from leave.services.common import lock_staff
    from tests.concurrency import held, lock_timeout

    a, b = people["teacher"], people["other_teacher"]
    day = dt.date(2025, 10, 8)
    with held(lambda: lock_staff(a.pk)), lock_timeout(2000):
        assert punch_record(staff=b, kind=PunchKind.IN, ip="10.0.0.1", now=at(2025, 10, 8, 7, 25)).created
        written = daily_results_recompute(school=a.school, start=day, end=day, now=at(2025, 10, 8, 18))
        assert written >= 2 and DailyResult.objects.filter(staff=a, date=day).exists()
        # A punch no longer takes the person's row (one INSERT … ON CONFLICT, docs/attendance.md): even the
        # person's own punch goes through while their leave changes...
        assert punch_record(staff=a, kind=PunchKind.IN, ip="10.0.0.1", now=at(2025, 10, 8, 7, 26)).created
        # ...while another change of the same person's leave still waits for the first.
        with pytest.raises(OperationalError), transaction.atomic():
            lock_staff(a.pk)
